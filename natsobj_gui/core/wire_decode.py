"""Reading meta messages: any client's info, fast, marked damaged when it cannot be trusted."""

from __future__ import annotations

import binascii
import json
from dataclasses import fields
from datetime import datetime
from typing import Any

# orjson parses an object info ~4x faster; it matters for 100,000-object listings.
from orjson import loads as _json_loads

from .types import ObjectInfo, ObjectLink
from .wire_names import (
    DIGEST_PREFIX,
    TOKEN_RE,
    decode_meta_subject,
    digest_bytes,
    is_token,
    subject_holds_name,
)

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


def _str(value: Any) -> str:
    return value if value.__class__ is str else ""


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

# A frozen dataclass's __init__ pays a generic object.__setattr__ call per field, and
# even calling each slot's setter costs more than the rest of decoding a plain info. So an
# info is built as a _Draft, a plain class with the very same slots (hence the same memory
# layout, which is what lets CPython switch an instance's class), by ordinary attribute
# stores; then it becomes an ObjectInfo. A listing of 100,000 objects does this 100,000
# times. The field list is checked so a change to ObjectInfo fails here, at import,
# instead of building wrong objects.
_INFO_FIELDS = (
    "name", "bucket", "nuid", "size", "chunks", "digest", "description", "headers",
    "metadata", "link", "max_chunk_size", "deleted", "modified", "extra", "extra_options",
    "damaged", "subject", "revision",
)  # fmt: skip
if tuple(f.name for f in fields(ObjectInfo)) != _INFO_FIELDS:  # pragma: no cover
    raise ImportError("ObjectInfo's fields changed: update wire_decode._new_info")


class _Draft:
    """An ObjectInfo under construction: its slots, without its frozen __setattr__."""

    __slots__ = _INFO_FIELDS


_s_bucket = ObjectInfo.bucket.__set__  # type: ignore[attr-defined]
_b2a = binascii.b2a_base64


def _new_info(
    name: str, bucket: str, nuid: str, size: int, chunks: int, digest: str, description: str,
    headers: dict, metadata: dict, link: ObjectLink | None, max_chunk_size: int, deleted: bool,
    modified: datetime | None, extra: dict, extra_options: dict, damaged: str, subject: str,
    revision: int,
) -> ObjectInfo:  # fmt: skip
    info = _Draft()
    info.name = name
    info.bucket = bucket
    info.nuid = nuid
    info.size = size
    info.chunks = chunks
    info.digest = digest
    info.description = description
    info.headers = headers
    info.metadata = metadata
    info.link = link
    info.max_chunk_size = max_chunk_size
    info.deleted = deleted
    info.modified = modified
    info.extra = extra
    info.extra_options = extra_options
    info.damaged = damaged
    info.subject = subject
    info.revision = revision
    info.__class__ = ObjectInfo  # type: ignore[assignment]
    return info  # type: ignore[return-value]


def _check_new_info() -> None:
    """ImportError unless _new_info builds what ObjectInfo's own constructor builds."""
    values = ("n", "b", "u", 1, 2, "d", "e", {"h": ["1"]}, {"m": "2"}, ObjectLink("l", "k"), 3,
              True, None, {"x": 4}, {"y": 5}, "z", "s", 6)  # fmt: skip
    built, expected = _new_info(*values), ObjectInfo(*values)
    if built.__class__ is not ObjectInfo or any(
        getattr(built, name) != getattr(expected, name) for name in _INFO_FIELDS
    ):  # pragma: no cover
        raise ImportError("wire_decode._new_info no longer builds a true ObjectInfo")


_check_new_info()


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


def plain_fields(raw: dict) -> tuple[str, str, str, int, int, str, dict] | None:
    """(name, bucket, nuid, size, chunks, digest, options) of a sound info in the plain shape.

    The plain shape is what our put and nats.go write for an object with no description,
    headers, metadata or link: exactly these eight keys, a token nuid, sane counts, a
    SHA-256 digest and a non-zero chunk size. Nearly every listed info has it, and for it
    the general path below can be skipped: it would find nothing to convert or refuse.
    None for anything else (which takes the general path).
    """
    if len(raw) != 8 or "mtime" not in raw:
        return None
    try:
        name, options, bucket, nuid = raw["name"], raw["options"], raw["bucket"], raw["nuid"]
        size, chunks, digest = raw["size"], raw["chunks"], raw["digest"]
    except KeyError:
        return None
    # Eight keys of which these eight are present: no other key can be there.
    if (
        name.__class__ is str
        and name
        and options.__class__ is dict
        and len(options) == 1
        and options.get("max_chunk_size").__class__ is int
        and options["max_chunk_size"]
        and bucket.__class__ is str
        and nuid.__class__ is str
        and nuid.isascii()
        and (nuid.isalnum() or TOKEN_RE.fullmatch(nuid) is not None)
        and size.__class__ is int
        and 0 <= size <= MAX_COUNT
        and chunks.__class__ is int
        and 0 <= chunks <= MAX_COUNT
        and digest.__class__ is str
        and len(digest) == 52
        and digest[:8] == DIGEST_PREFIX
    ):
        return name, bucket, nuid, size, chunks, digest, options
    return None


def own_subject(subject: str, name: str) -> bool:
    """True when `subject` ends in the name's own token (padded base64 of its UTF-8)."""
    # Fast: the standard alphabet equals the URL-safe one unless it holds `+` or `/`.
    try:
        return subject.endswith("." + _b2a(name.encode(), newline=False).decode())
    except UnicodeEncodeError:
        return False


def decode_info(
    data: bytes,
    modified: datetime | None = None,
    subject: str = "",
    revision: int = 0,
    raw: Any = None,
) -> ObjectInfo:
    """Parse a meta message, marking it damaged when it cannot be trusted.

    Tolerant of nulls, missing fields and odd mtimes; raises ValueError (a sentence) for a
    message that is not a JSON object. With `subject`, a name the subject does not encode
    makes the info damaged, and it takes the subject's name. `raw`: `data` already parsed.
    """
    # Listing 100,000 objects runs this 100,000 times: the common path is kept inline.
    if raw is None:
        try:
            raw = _json_loads(data)
        except ValueError:
            raw = _load_slowly(data)
    if raw.__class__ is not dict:
        raise ValueError("its info is not a JSON object")
    plain = plain_fields(raw)
    if plain is not None and (not subject or own_subject(subject, plain[0])):
        name, bucket, nuid, size, chunks, digest, options = plain
        return _new_info(
            name, bucket, nuid, size, chunks, digest, "", {}, {}, None,
            options["max_chunk_size"], False, modified, {}, {}, "", "", revision,
        )  # fmt: skip
    return _decode_general(raw, modified, subject, revision)


def _decode_general(
    raw: dict, modified: datetime | None, subject: str, revision: int
) -> ObjectInfo:
    """decode_info for any JSON object: every field converted, checked and kept."""
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
        and (nuid.isalnum() or TOKEN_RE.fullmatch(nuid) is not None)
        and (size.__class__ is not int or 0 <= size <= MAX_COUNT)
        and (chunks.__class__ is not int or 0 <= chunks <= MAX_COUNT)
        and (not digest or (digest.__class__ is str and len(digest) == 52
                            and digest[:8] == DIGEST_PREFIX))
        and raw_link is None
    ):  # fmt: skip
        damaged = _damage(name, nuid, size, chunks, digest, raw_link, not deleted and not link)
    if subject:
        if own_subject(subject, name):
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
    data: bytes,
    modified: datetime | None,
    subject: str,
    bucket: str,
    revision: int = 0,
    raw: Any = None,
) -> ObjectInfo:
    """A meta message read from `bucket` as an info; never raises (damaged instead)."""
    try:
        info = decode_info(data, modified, subject, revision, raw)
    except ValueError as exc:
        return damaged_info(bucket, subject, str(exc), modified, revision)
    # Like nats.go, the bucket an info was read from is where its chunks are and where
    # rewrites go, whatever bucket a copied or mirrored meta still names.
    if info.bucket != bucket:
        _s_bucket(info, bucket)
    return info
