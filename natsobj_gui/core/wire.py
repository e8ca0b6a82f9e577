"""The Object Store wire format, byte-compatible with nats.go (see shared SPEC).

Subjects and digests live in wire_names, reading infos in wire_decode; both are
re-exported here, the one module the rest of the app imports.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from orjson import loads as _loads

from .errors import InvalidMetaError
from .types import ObjectInfo
from .wire_decode import damaged_info, decode_entry, decode_info, own_subject, plain_fields
from .wire_names import (
    DIGEST_PREFIX,
    ROLLUP_HEADERS,
    chunk_filter,
    chunk_subject,
    decode_meta_subject,
    digest_bytes,
    digest_hex,
    digest_string,
    digests_equal,
    is_token,
    latin1_meta_subject,
    meta_filter,
    meta_subject,
    stream_name,
    subject_holds_name,
    validate_bucket,
)

__all__ = [
    "DIGEST_PREFIX",
    "ROLLUP_HEADERS",
    "ZERO_MTIME",
    "chunk_filter",
    "chunk_subject",
    "damaged_info",
    "decode_entry",
    "decode_info",
    "decode_meta_subject",
    "digest_bytes",
    "digest_hex",
    "digest_string",
    "digests_equal",
    "encode_info",
    "info_fields",
    "info_json",
    "is_token",
    "latin1_meta_subject",
    "listing_row",
    "meta_filter",
    "meta_subject",
    "mtime_text",
    "parse_timestamp",
    "stream_name",
    "subject_holds_name",
    "timestamp_from_nanos",
    "validate_bucket",
]

ZERO_MTIME = "0001-01-01T00:00:00Z"


def info_fields(info: ObjectInfo, mtime: str | None = ZERO_MTIME, *, unknown: bool = True) -> dict:
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


def info_json(info: ObjectInfo) -> dict[str, Any]:
    """nats.go's ObjectInfo JSON (field order, omitempty) with the real modification time.

    A damaged entry adds `"damaged": reason` (nats.go has no such field).
    """
    mtime = info.modified.isoformat() if info.modified else None
    out = info_fields(info, mtime, unknown=False)
    if info.damaged:
        out["damaged"] = info.damaged
    return out


def listing_row(
    data: bytes, nanos: int, subject: str, bucket: str, show_deleted: bool = False
) -> dict[str, Any] | None:
    """info_json of a meta message read from `bucket` at `nanos`; None for a deleted info
    unless `show_deleted`. The message is parsed once, whichever path it takes.

    Plain (wire_decode.plain_fields: sound, no description, headers, metadata or link,
    under its name's own subject) is nearly every info of a large listing; for those this
    builds the row from the JSON directly, without an ObjectInfo or a datetime. Anything
    else, damaged or not, goes through decode_entry and info_json.
    """
    try:
        raw = _loads(data)
    except ValueError:
        raw = None  # decode_entry tries a more lenient parser
    if raw.__class__ is dict:
        plain = plain_fields(raw)
        if plain is not None and own_subject(subject, plain[0]):
            name, _, nuid, size, chunks, digest, options = plain
            return {
                "name": name,
                "options": options,  # exactly {"max_chunk_size": non-zero int}
                "bucket": bucket,  # where it was read, as decode_entry says
                "nuid": nuid,
                "size": size,
                "mtime": mtime_text(nanos),
                "chunks": chunks,
                "digest": digest,
            }
    info = decode_entry(data, timestamp_from_nanos(nanos), subject, bucket, raw=raw)
    return info_json(info) if show_deleted or not info.deleted else None


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


# "YYYY-MM-DDTHH:MM:SS" per whole second: a listing's infos share few seconds.
_SECOND_TEXT: dict[int, str] = {}
_SECOND_TEXT_MAX = 4096
_modf = math.modf
# Three digits per lookup: cheaper than formatting `{micro:06d}` per info.
_DIGITS3 = tuple(f"{i:03d}" for i in range(1000))


def mtime_text(nanos: int) -> str:
    """timestamp_from_nanos(nanos).isoformat(), character for character, a few times faster.

    A 100,000-object `ls --json` formats 100,000 of them. The microseconds come from the
    same float arithmetic as datetime.fromtimestamp's (modf, then round half to even), so
    the text cannot differ from the datetime's.
    """
    fraction, whole = _modf(nanos / 1e9)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        micro -= 1_000_000
        whole += 1.0
    if whole < 0 or micro < 0:
        return timestamp_from_nanos(nanos).isoformat()  # before 1970: not worth a copy
    second = int(whole)
    text = _SECOND_TEXT.get(second)
    if text is None:
        if len(_SECOND_TEXT) >= _SECOND_TEXT_MAX:
            _SECOND_TEXT.clear()
        text = _SECOND_TEXT[second] = datetime.fromtimestamp(second, tz=UTC).isoformat()[:-6]
    if not micro:
        return f"{text}+00:00"
    return f"{text}.{_DIGITS3[micro // 1000]}{_DIGITS3[micro % 1000]}+00:00"
