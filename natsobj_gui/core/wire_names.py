"""Subjects, names and digests of the Object Store wire format (see shared SPEC)."""

from __future__ import annotations

import base64
import hashlib
import re

from .errors import InvalidMetaError, InvalidNameError

DIGEST_PREFIX = "SHA-256="
ROLLUP_HEADERS = {"Nats-Rollup": "sub"}
# The server's default max control line is 4 KiB, and a longer line makes it close the
# connection for good. The longest line a name goes into is the direct get request,
# `HPUB $JS.API.DIRECT.GET.OBJ_<bucket>.<meta subject> <reply inbox> <sizes>`: that
# request subject must stay within this budget (the rest is the reply and sizes).
MAX_SUBJECT_BYTES = 3800
# `$JS.API.DIRECT.GET.OBJ_<bucket>.` around the meta subject, with room for a JS domain.
DIRECT_GET_OVERHEAD = len("$JS.API.DIRECT.GET.OBJ_.") + 40

# fullmatch, not `$`: `$` also matches before a trailing newline ("b\n" is no token).
TOKEN_RE = re.compile(r"[a-zA-Z0-9_-]+")


def validate_bucket(bucket: str) -> str:
    """Return the bucket name or raise InvalidNameError."""
    if not is_token(bucket):
        raise InvalidNameError(
            f"invalid bucket name {bucket!r}: use letters, digits, '-' and '_' only"
        )
    return bucket


def stream_name(bucket: str) -> str:
    return f"OBJ_{bucket}"


def is_token(text: object) -> bool:
    """True for a plain subject token: letters, digits, '-' and '_' (no '.', '*', '>')."""
    return text.__class__ is str and TOKEN_RE.fullmatch(text) is not None  # type: ignore[arg-type]


def chunk_subject(bucket: str, nuid: str) -> str:
    """The chunks' subject; refuses a nuid that would widen it (`>`, `*`, `a.b`, empty)."""
    if not is_token(nuid):
        # A nuid comes from an info any client may have written: a wildcard here would
        # make a purge filter or a consumer reach every object in the bucket.
        raise InvalidMetaError(f"refusing chunk id {nuid!r}: it is not a plain subject token")
    return f"$O.{bucket}.C.{nuid}"


def meta_subject(bucket: str, name: str) -> str:
    """Meta subject with the padded URL-safe base64 name, as every other client uses."""
    if not name:
        raise InvalidNameError("object name must not be empty")
    try:
        raw = name.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A str from surrogateescape (undecodable file names) has no UTF-8 form.
        bad = f"U+{ord(name[exc.start]):04X}"
        raise InvalidNameError(
            f"object name {name!r} is not valid Unicode text (lone surrogate {bad})"
        ) from None
    encoded = base64.urlsafe_b64encode(raw).decode("ascii")
    subject = f"$O.{bucket}.M.{encoded}"
    if len(subject) + len(bucket) + DIRECT_GET_OVERHEAD > MAX_SUBJECT_BYTES:
        raise InvalidNameError(
            f"object name is too long ({len(name.encode())} bytes): its subject would not fit "
            "the server's control line"
        )
    return subject


def latin1_meta_subject(bucket: str, name: str) -> str | None:
    """The meta subject nats.js writes (`btoa`: Latin-1 bytes) when it differs from ours."""
    try:
        raw = name.encode("latin-1")
    except UnicodeEncodeError:
        return None  # nats.js cannot store such a name at all
    if raw.isascii():
        return None  # the same bytes as UTF-8: the same subject
    return f"$O.{bucket}.M.{base64.urlsafe_b64encode(raw).decode('ascii')}"


def meta_filter(bucket: str) -> str:
    return f"$O.{bucket}.M.>"


def chunk_filter(bucket: str) -> str:
    return f"$O.{bucket}.C.>"


def _subject_bytes(subject: str) -> bytes | None:
    """The name bytes in a meta subject (tolerates unpadded writers); None if not base64."""
    token = subject.rsplit(".", 1)[-1]
    token += "=" * (-len(token) % 4)
    try:
        return base64.urlsafe_b64decode(token)
    except ValueError:
        return None


def decode_meta_subject(subject: str) -> str:
    """The object name encoded in a meta subject: UTF-8, else Latin-1 as nats.js writes."""
    raw = _subject_bytes(subject)
    if raw is None:
        return subject.rsplit(".", 1)[-1]  # not base64 at all: the token is all we have
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def subject_holds_name(subject: str, name: str) -> bool:
    """True when `subject` is a meta subject of `name` in any client's encoding."""
    raw = _subject_bytes(subject)
    if raw is None:
        return False
    if raw == name.encode("utf-8", errors="surrogatepass"):
        return True
    try:
        return raw == name.encode("latin-1")
    except UnicodeEncodeError:
        return False


def digest_string(sha: hashlib._Hash) -> str:  # type: ignore[name-defined]
    return DIGEST_PREFIX + base64.urlsafe_b64encode(sha.digest()).decode("ascii")


def digest_bytes(digest: str) -> bytes | None:
    """The raw SHA-256 behind a digest string; accepts the old lower-case prefix."""
    if not digest or digest[:8].upper() != DIGEST_PREFIX.upper():
        return None
    value = digest[8:]
    value += "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(value)
    except ValueError:
        return None
    return raw if len(raw) == 32 else None


def digest_hex(digest: str) -> str:
    raw = digest_bytes(digest)
    return raw.hex() if raw else ""


def digests_equal(a: str, b: str) -> bool:
    ra, rb = digest_bytes(a), digest_bytes(b)
    return ra is not None and ra == rb
