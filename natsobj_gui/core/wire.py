"""The Object Store wire format, byte-compatible with nats.go (see shared SPEC)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidNameError
from .types import ObjectInfo, ObjectLink

ZERO_MTIME = "0001-01-01T00:00:00Z"
DIGEST_PREFIX = "SHA-256="
ROLLUP_HEADERS = {"Nats-Rollup": "sub"}
# The server's default max control line is 4 KiB; the HMSG line adds the reply and sizes.
MAX_SUBJECT_BYTES = 3800

_BUCKET_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
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
    if not bucket or not _BUCKET_RE.match(bucket):
        raise InvalidNameError(
            f"invalid bucket name {bucket!r}: use letters, digits, '-' and '_' only"
        )
    return bucket


def stream_name(bucket: str) -> str:
    return f"OBJ_{bucket}"


def chunk_subject(bucket: str, nuid: str) -> str:
    return f"$O.{bucket}.C.{nuid}"


def meta_subject(bucket: str, name: str) -> str:
    """Meta subject with the padded URL-safe base64 name, as every other client uses."""
    if not name:
        raise InvalidNameError("object name must not be empty")
    encoded = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii")
    subject = f"$O.{bucket}.M.{encoded}"
    if len(subject) > MAX_SUBJECT_BYTES:
        raise InvalidNameError(
            f"object name is too long ({len(name.encode())} bytes): its subject would not fit "
            "the server's control line"
        )
    return subject


def meta_filter(bucket: str) -> str:
    return f"$O.{bucket}.M.>"


def chunk_filter(bucket: str) -> str:
    return f"$O.{bucket}.C.>"


def decode_meta_subject(subject: str) -> str:
    """The object name encoded in a meta subject (tolerates unpadded writers)."""
    token = subject.rsplit(".", 1)[-1]
    token += "=" * (-len(token) % 4)
    return base64.urlsafe_b64decode(token).decode("utf-8", errors="replace")


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
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _headers(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, list[str]] = {}
    for k, v in value.items():
        if isinstance(v, list):
            out[str(k)] = [str(x) for x in v if x is not None]
        elif isinstance(v, str):
            out[str(k)] = [v]
    return out


def _metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def decode_info(data: bytes, modified: datetime | None = None) -> ObjectInfo:
    """Parse a meta message; tolerant of nulls, missing fields and odd mtimes."""
    raw = json.loads(data)
    if not isinstance(raw, dict):
        raise ValueError("object info is not a JSON object")
    options = raw.get("options") if isinstance(raw.get("options"), dict) else {}
    link = None
    raw_link = options.get("link")
    if isinstance(raw_link, dict) and _str(raw_link.get("bucket")):
        link = ObjectLink(_str(raw_link["bucket"]), _str(raw_link.get("name")) or None)
    return ObjectInfo(
        name=_str(raw.get("name")),
        bucket=_str(raw.get("bucket")),
        nuid=_str(raw.get("nuid")),
        size=_int(raw.get("size")),
        chunks=_int(raw.get("chunks")),
        digest=_str(raw.get("digest")),
        description=_str(raw.get("description")),
        headers=_headers(raw.get("headers")),
        metadata=_metadata(raw.get("metadata")),
        link=link,
        max_chunk_size=_int(options.get("max_chunk_size")),
        deleted=raw.get("deleted") is True,
        modified=modified,
        extra={k: v for k, v in raw.items() if k not in _KNOWN_FIELDS},
        extra_options={k: v for k, v in options.items() if k not in ("link", "max_chunk_size")},
    )


def encode_info(info: ObjectInfo) -> bytes:
    """Serialise as nats.go does: its field order, omitempty, and the zero mtime."""
    out: dict[str, Any] = {"name": info.name}
    if info.description:
        out["description"] = info.description
    if info.headers:
        out["headers"] = info.headers
    if info.metadata:
        out["metadata"] = info.metadata
    options: dict[str, Any] = {}
    if info.link is not None:
        options["link"] = {"bucket": info.link.bucket}
        if info.link.name:
            options["link"]["name"] = info.link.name
    if info.max_chunk_size:
        options["max_chunk_size"] = info.max_chunk_size
    options.update(info.extra_options)
    if options:
        out["options"] = options
    out["bucket"] = info.bucket
    out["nuid"] = info.nuid
    out["size"] = info.size
    out["mtime"] = ZERO_MTIME
    out["chunks"] = info.chunks
    if info.digest:
        out["digest"] = info.digest
    if info.deleted:
        out["deleted"] = True
    for k, v in info.extra.items():
        out.setdefault(k, v)
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


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
