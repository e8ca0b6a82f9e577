"""The Object Store wire format, byte-compatible with nats.go (see shared SPEC)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

# orjson parses an object info ~4x faster; it matters for 100,000-object listings.
from orjson import loads as _json_loads

from .errors import InvalidMetaError, InvalidNameError
from .types import ObjectInfo, ObjectLink

ZERO_MTIME = "0001-01-01T00:00:00Z"
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
_TOKEN_RE = re.compile(r"[a-zA-Z0-9_-]+")
# An info whose size or chunk count is beyond this cannot describe a real object (it is
# also the largest integer every client's JSON reads exactly).
MAX_COUNT = 2**53
_KNOWN_FIELDS = (
    "name",
    "description",
    "headers",
    "metadata",
    "options",
    "bucket",
    "nuid",
    "size",
    "mtime",
    "chunks",
    "digest",
    "deleted",
)


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
    return text.__class__ is str and _TOKEN_RE.fullmatch(text) is not None  # type: ignore[arg-type]


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


def _str(value: Any) -> str:
    return value if value.__class__ is str else ""


def _int(value: Any) -> int:
    return value if value.__class__ is int else 0


def _headers(value: Any) -> dict[str, list[str]]:
    if not value or not isinstance(value, dict):
        return {}
    out: dict[str, list[str]] = {}
    for k, v in value.items():
        if isinstance(v, list):
            out[str(k)] = [str(x) for x in v if x is not None]
        elif isinstance(v, str):
            out[str(k)] = [v]
    return out


def _metadata(value: Any) -> dict[str, str]:
    """Metadata as nats.go types it, map[string]string.

    nats.go cannot parse an info whose metadata holds other JSON values (its GetInfo fails,
    its watch skips the entry). We show such a value as its JSON text (`7`, `true`,
    `{"a":1}`); a rewrite (delete, metadata edit, rename) stores that text as a string,
    which leaves the object readable by nats.go again. `null` becomes "null" likewise.
    """
    if not value or not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


_KNOWN = frozenset(_KNOWN_FIELDS)
_KNOWN_OPTIONS = frozenset(("link", "max_chunk_size"))
_EMPTY: dict[str, Any] = {}

# A frozen dataclass's __init__ pays a generic object.__setattr__ call per field; setting
# the slots directly halves the cost of building an info, which a listing of 100,000
# objects does 100,000 times. The field list is checked so a change to ObjectInfo fails
# here, at import, instead of building wrong objects.
_INFO_FIELDS = (
    "name", "bucket", "nuid", "size", "chunks", "digest", "description", "headers",
    "metadata", "link", "max_chunk_size", "deleted", "modified", "extra", "extra_options",
    "damaged", "subject", "revision",
)  # fmt: skip
if tuple(f.name for f in fields(ObjectInfo)) != _INFO_FIELDS:  # pragma: no cover
    raise ImportError("ObjectInfo's fields changed: update wire._new_info")
(_s_name, _s_bucket, _s_nuid, _s_size, _s_chunks, _s_digest, _s_desc, _s_headers, _s_meta,
 _s_link, _s_chunk_size, _s_deleted, _s_modified, _s_extra, _s_extra_opts, _s_damaged,
 _s_subject, _s_revision) = (
    getattr(ObjectInfo, name).__set__ for name in _INFO_FIELDS
)  # fmt: skip
_object_new = object.__new__
_b2a = binascii.b2a_base64


def _new_info(
    name: str, bucket: str, nuid: str, size: int, chunks: int, digest: str, description: str,
    headers: dict, metadata: dict, link: ObjectLink | None, max_chunk_size: int, deleted: bool,
    modified: datetime | None, extra: dict, extra_options: dict, damaged: str, subject: str,
    revision: int,
) -> ObjectInfo:  # fmt: skip
    info = _object_new(ObjectInfo)
    _s_name(info, name)
    _s_bucket(info, bucket)
    _s_nuid(info, nuid)
    _s_size(info, size)
    _s_chunks(info, chunks)
    _s_digest(info, digest)
    _s_desc(info, description)
    _s_headers(info, headers)
    _s_meta(info, metadata)
    _s_link(info, link)
    _s_chunk_size(info, max_chunk_size)
    _s_deleted(info, deleted)
    _s_modified(info, modified)
    _s_extra(info, extra)
    _s_extra_opts(info, extra_options)
    _s_damaged(info, damaged)
    _s_subject(info, subject)
    _s_revision(info, revision)
    return info


def damaged_info(
    bucket: str, subject: str, reason: str, modified: datetime | None = None, revision: int = 0
) -> ObjectInfo:
    """An entry for a meta message that cannot be read at all, named after its subject."""
    name = decode_meta_subject(subject) if subject else ""
    return _new_info(
        name, bucket, "", 0, 0, "", "", {}, {}, None, 0, False, modified, {}, {}, reason,
        subject, revision,
    )  # fmt: skip


def _load_slowly(data: bytes) -> Any:
    """What orjson refused: json accepts more (invalid UTF-8 is replaced, not fatal)."""
    try:
        return json.loads(data.decode("utf-8", errors="replace"))
    except RecursionError:  # absurdly deep nesting: unparseable like any other junk
        raise ValueError("its info nests too deeply") from None
    except ValueError:
        raise ValueError("its info is not valid JSON") from None


def _damage(
    name: str, nuid: Any, size: Any, chunks: Any, digest: Any, link: Any, live: bool
) -> str:
    """Why the fields of an info cannot be trusted, or ""; the slow path of decode_info."""
    if not name:
        return "its info has no name"
    if nuid or live:
        if not nuid:
            return "its info has no nuid, so its chunks cannot be found"
        if not is_token(nuid):
            return f"its nuid {nuid!r} is not a plain token (a subject wildcard or separator)"
    for label, value in (("size", size), ("chunk count", chunks)):
        if value.__class__ is int and not 0 <= value <= MAX_COUNT:
            return f"its {label} {value} is impossible"
    if digest.__class__ is str and digest and digest_bytes(digest) is None:
        algorithm = digest.partition("=")[0]
        if algorithm.upper() != DIGEST_PREFIX[:-1]:
            return f"its digest uses an unknown algorithm ({algorithm[:20]!r})"
        return "its digest is not a valid SHA-256 value"
    if link.__class__ is dict and not is_token(link.get("bucket")):
        return "its link names an invalid bucket"
    return ""


def decode_info(
    data: bytes, modified: datetime | None = None, subject: str = "", revision: int = 0
) -> ObjectInfo:
    """Parse a meta message, marking it damaged when it cannot be trusted.

    Tolerant of nulls, missing fields and odd mtimes; raises ValueError (a sentence) for a
    message that is not a JSON object. With `subject`, a name the subject does not encode
    makes the info damaged, and it takes the subject's name.
    """
    # Listing 100,000 objects runs this 100,000 times: the common path is kept inline.
    try:
        raw = _json_loads(data)
    except ValueError:
        raw = _load_slowly(data)
    if raw.__class__ is not dict:
        raise ValueError("its info is not a JSON object")
    get = raw.get
    options = get("options")
    if options.__class__ is not dict:
        options = _EMPTY
    link = None
    raw_link = options.get("link")
    if raw_link.__class__ is dict and _str(raw_link.get("bucket")):
        link = ObjectLink(_str(raw_link["bucket"]), _str(raw_link.get("name")) or None)
    name, bucket, nuid = get("name"), get("bucket"), get("nuid")
    size, chunks, digest = get("size"), get("chunks"), get("digest")
    description, headers, metadata = get("description"), get("headers"), get("metadata")
    chunk_size = options.get("max_chunk_size")
    deleted = get("deleted") is True
    if name.__class__ is not str:
        name = ""
    damaged = ""
    # The common sound info passes these few comparisons; anything else gets a reason.
    if not (
        name
        and nuid.__class__ is str
        and nuid.isascii()
        and (nuid.isalnum() or _TOKEN_RE.fullmatch(nuid) is not None)
        and (size.__class__ is not int or 0 <= size <= MAX_COUNT)
        and (chunks.__class__ is not int or 0 <= chunks <= MAX_COUNT)
        and (not digest or (digest.__class__ is str and len(digest) == 52
                            and digest[:8] == DIGEST_PREFIX))
        and raw_link is None
    ):  # fmt: skip
        damaged = _damage(name, nuid, size, chunks, digest, raw_link, not deleted and not link)
    if subject:
        # Fast: the standard alphabet equals the URL-safe one unless it holds `+` or `/`.
        try:
            same = subject.endswith("." + _b2a(name.encode(), newline=False).decode())
        except UnicodeEncodeError:
            same = False
        if same:
            subject = ""  # the name's own subject: not worth a string per listed object
        elif not subject_holds_name(subject, name):
            if name:
                damaged = damaged or f"it is stored under this name but its info names {name!r}"
            name = decode_meta_subject(subject)
    return _new_info(
        name,
        bucket if bucket.__class__ is str else "",
        nuid if nuid.__class__ is str else "",
        size if size.__class__ is int and size > 0 else 0,
        chunks if chunks.__class__ is int and chunks > 0 else 0,
        digest if digest.__class__ is str else "",
        description if description.__class__ is str else "",
        _headers(headers) if headers else {},
        _metadata(metadata) if metadata else {},
        link,
        chunk_size if chunk_size.__class__ is int else 0,
        deleted,
        modified,
        {} if raw.keys() <= _KNOWN else {k: v for k, v in raw.items() if k not in _KNOWN},
        {}
        if options.keys() <= _KNOWN_OPTIONS
        else {k: v for k, v in options.items() if k not in _KNOWN_OPTIONS},
        damaged,
        subject,
        revision,
    )


def decode_entry(
    data: bytes, modified: datetime | None, subject: str, bucket: str, revision: int = 0
) -> ObjectInfo:
    """A meta message read from `bucket` as an info; never raises (damaged instead)."""
    try:
        info = decode_info(data, modified, subject, revision)
    except ValueError as exc:
        return damaged_info(bucket, subject, str(exc), modified, revision)
    # Like nats.go, the bucket an info was read from is where its chunks are and where
    # rewrites go, whatever bucket a copied or mirrored meta still names.
    if info.bucket != bucket:
        _s_bucket(info, bucket)
    return info


def info_fields(info: ObjectInfo, mtime: str = ZERO_MTIME, *, unknown: bool = True) -> dict:
    """An info as nats.go's ObjectInfo JSON object: its field order and omitempty rules."""
    out: dict[str, Any] = {"name": info.name}
    if info.description:
        out["description"] = info.description
    # Go's json.Marshal writes map keys sorted.
    if info.headers:
        out["headers"] = dict(sorted(info.headers.items()))
    if info.metadata:
        out["metadata"] = dict(sorted(info.metadata.items()))
    options: dict[str, Any] = {}
    if info.link is not None:
        options["link"] = {"bucket": info.link.bucket}
        if info.link.name:
            options["link"]["name"] = info.link.name
    if info.max_chunk_size:
        options["max_chunk_size"] = info.max_chunk_size
    if unknown:
        options.update(info.extra_options)
    if options:
        out["options"] = options
    out["bucket"] = info.bucket
    out["nuid"] = info.nuid
    out["size"] = info.size
    out["mtime"] = mtime
    out["chunks"] = info.chunks
    if info.digest:
        out["digest"] = info.digest
    if info.deleted:
        out["deleted"] = True
    if unknown:
        for k, v in info.extra.items():
            out.setdefault(k, v)
    return out


def encode_info(info: ObjectInfo) -> bytes:
    """Serialise as nats.go does: its field order, omitempty, and the zero mtime."""
    out = info_fields(info)
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    try:
        return _go_escape(text).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMetaError(
            f"the description, headers or metadata of {info.name!r} hold text that is not "
            "valid Unicode (a lone surrogate)"
        ) from None


# Go's json.Marshal escapes these inside strings (HTML safety, JavaScript line breaks);
# none of them can occur in JSON outside a string, so a plain replace is exact.
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _go_escape(text: str) -> str:
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        return text.translate(_GO_ESCAPES)
    return text


def parse_timestamp(value: str | None) -> datetime | None:
    """RFC 3339 with nanoseconds, as the server writes it, to an aware datetime."""
    if not value:
        return None
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?", value)
    if not m:
        return None
    base = datetime.fromisoformat(m.group(1))
    micro = int((m.group(2) or "0")[:6].ljust(6, "0"))
    tz = m.group(3) or "Z"
    tzinfo = UTC if tz == "Z" else datetime.fromisoformat("2000-01-01T00:00:00" + tz).tzinfo
    return base.replace(microsecond=micro, tzinfo=tzinfo)


def timestamp_from_nanos(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos / 1e9, tz=UTC)
