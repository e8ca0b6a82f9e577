"""What the CLI prints: human sizes and durations, tables, info blocks and JSON."""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from natsobj_gui.core import BucketInfo, ObjectInfo
from natsobj_gui.core.formatting import human_size, human_time, human_ttl
from natsobj_gui.core.wire import digest_hex, info_json

# Object names, descriptions and headers come from any client: never let their control
# characters (escape sequences, carriage returns) reach the terminal raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def clean(text: str) -> str:
    """Text safe for one terminal cell or line: control characters shown as `\\xNN`."""
    return _CONTROL.sub(_escape, text)


def iso_time(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def emit(text: str = "") -> None:
    """Lines on stdout (control characters escaped), flushed so a pipe sees them at once."""
    sys.stdout.write(_CONTROL_BUT_NEWLINE.sub(_escape, text) + "\n")
    sys.stdout.flush()


def note(text: str) -> None:
    """A remark for the person at the terminal (stderr, never mixed into data)."""
    sys.stderr.write(_CONTROL_BUT_NEWLINE.sub(_escape, text) + "\n")
    sys.stderr.flush()


# Characters JSON allows raw in a string that must not reach a terminal or a pipe as they
# are (C1 controls, DEL, JavaScript line breaks, lone surrogates, which UTF-8 cannot
# carry). They only ever occur inside strings, so escaping them as \uXXXX is exact.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(value: Any) -> str:
    """Indented JSON that any parser accepts and no terminal interprets."""
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(value, indent=2, ensure_ascii=False))


# The same characters in orjson's UTF-8 output: DEL, C1 controls, U+2028 and U+2029.
_JSON_UNSAFE_UTF8 = re.compile(b"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")


def _json_escape_utf8(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode("utf-8"))


def json_bytes(value: Any) -> bytes:
    """json_text as UTF-8, by orjson (a 100,000-object listing is written ~10x faster)."""
    try:
        data = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except TypeError:  # a lone surrogate, which orjson refuses: json escapes it
        return json_text(value).encode("utf-8")
    # Searching for each lead byte is several times faster than running the expression
    # over tens of megabytes of plain ASCII.
    if b"\x7f" in data or b"\xc2" in data or b"\xe2" in data:
        return _JSON_UNSAFE_UTF8.sub(_json_escape_utf8, data)
    return data


def print_json(value: Any) -> None:
    """Machine-readable output: indented JSON on stdout (never `\\xNN`-escaped)."""
    try:
        utf8 = codecs.lookup(getattr(sys.stdout, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        utf8 = False
    if not utf8:
        text = json.dumps(value, indent=2)  # ASCII-only \u escapes suit any encoding
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    data = json_bytes(value) + b"\n"
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()
    sys.stdout.flush()


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """Columns padded to fit; `align` has one `l`/`r` per column (default left)."""
    rows = [[clean(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            right = i < len(align) and align[i] == "r"
            out.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [fmt(headers), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(row) for row in rows)
    return "\n".join(lines)


def block(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """A titled list of `Label: value` rows with the labels right-aligned."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = [clean(title), ""]
    rows = [(label, clean(value)) for label, value in rows]
    for label, value in rows:
        lines.append(f"{label.rjust(width)}: {value}" if label else f"{' ' * width}  {value}")
    return "\n".join(lines)


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_link(info: ObjectInfo) -> str:
    if info.link is None:
        return ""
    if info.link.is_bucket_link:
        return f"bucket {info.link.bucket}"
    return f"{info.link.bucket} > {info.link.name}"


def object_rows(info: ObjectInfo) -> list[tuple[str, str]]:
    """The rows of `info BUCKET NAME`, with the digest in base64 and in hex."""
    rows: list[tuple[str, str]] = []
    if info.damaged:
        rows.append(("Damaged", info.damaged))
    if info.description:
        rows.append(("Description", info.description))
    if info.link is not None:
        rows.append(("Link", describe_link(info)))
    rows.append(("Size", human_size(info.size)))
    rows.append(("Modification Time", human_time(info.modified)))
    rows.append(("Chunks", f"{info.chunks:,}"))
    if info.max_chunk_size:
        rows.append(("Chunk Size", human_size(info.max_chunk_size)))
    if info.digest:
        rows.append(("Digest", info.digest))
        hexed = digest_hex(info.digest)
        if hexed:
            rows.append(("Digest (hex)", f"SHA-256 {hexed}"))
    rows.append(("NUID", info.nuid))
    if info.deleted:
        rows.append(("Deleted", "true"))
    first = True
    for key, values in sorted(info.headers.items()):
        for value in values:
            rows.append(("Headers" if first else "", f"{key}: {value}"))
            first = False
    first = True
    for key, value in sorted(info.metadata.items()):
        rows.append(("Metadata" if first else "", f"{key}: {value}"))
        first = False
    return rows


def object_text(info: ObjectInfo) -> str:
    return block(f"Object information for {info.bucket} > {info.name}", object_rows(info))


def bucket_rows(status: BucketInfo) -> list[tuple[str, str]]:
    """The rows of `status BUCKET`, as `nats object info BUCKET` shows them."""
    rows: list[tuple[str, str]] = [("Bucket Name", status.name)]
    if status.description:
        rows.append(("Description", status.description))
    rows.append(("Replicas", str(status.replicas)))
    rows.append(("TTL", human_ttl(status.ttl)))
    rows.append(("Sealed", str(status.sealed).lower()))
    rows.append(("Size", human_size(status.size)))
    max_bytes = "unlimited" if status.max_bytes < 0 else human_size(status.max_bytes)
    rows.append(("Maximum Bucket Size", max_bytes))
    rows.append(("Storage", status.storage.value))
    rows.append(("Compressed", str(status.compression).lower()))
    rows.append(("JetStream Stream", status.stream))
    if status.placement and status.placement.cluster:
        rows.append(("Placement Cluster", status.placement.cluster))
    if status.placement and status.placement.tags:
        rows.append(("Placement Tags", ", ".join(status.placement.tags)))
    first = True
    for key, value in sorted(status.metadata.items()):
        if key.startswith("_nats."):
            continue  # server bookkeeping, hidden as `nats` hides it
        rows.append(("Metadata" if first else "", f"{key}: {value}"))
        first = False
    if status.cluster:
        rows.append(("Cluster", status.cluster))
    if status.leader:
        rows.append(("Leader", status.leader))
    return rows


def bucket_text(status: BucketInfo) -> str:
    title = f"Information for Object Store Bucket {status.name}"
    if status.created:
        title += f" created {human_time(status.created)}"
    return block(title, bucket_rows(status))


def buckets_table(buckets: Sequence[BucketInfo]) -> str:
    rows = [
        [
            b.name,
            _shorten(b.description),
            human_time(b.created),
            human_size(b.size),
            human_ttl(b.ttl),
            b.storage.value,
            "sealed" if b.sealed else "",
        ]
        for b in buckets
    ]
    headers = ("Bucket", "Description", "Created", "Size", "TTL", "Storage", "Sealed")
    return table(headers, rows, "lllrl")


def objects_table(objects: Sequence[ObjectInfo], *, show_deleted: bool = False) -> str:
    headers = ["Name", "Size", "Chunks", "Modified"]
    if show_deleted:
        headers.append("Deleted")
    damaged = any(o.damaged for o in objects)
    if damaged:
        headers.append("Problem")
    rows = []
    for o in objects:
        size = f"-> {describe_link(o)}" if o.link is not None else human_size(o.size)
        if o.damaged:
            size = "damaged"
        row = [o.name, size, f"{o.chunks:,}", human_time(o.modified)]
        if show_deleted:
            row.append("deleted" if o.deleted else "")
        if damaged:
            row.append(o.damaged)
        rows.append(row)
    return table(headers, rows, "lrr")


# nats.go's ObjectInfo JSON with the real modification time (and `damaged`): the core's,
# since `ls --json` has the core build most rows straight from the wire.
object_json = info_json


def bucket_json(status: BucketInfo) -> dict[str, Any]:
    """A bucket's status as JSON; `ttl` in seconds, `max_bytes` -1 when unlimited."""
    placement = None
    if status.placement is not None:
        placement = {"cluster": status.placement.cluster, "tags": list(status.placement.tags)}
    return {
        "bucket": status.name,
        "stream": status.stream,
        "description": status.description,
        "ttl": status.ttl,
        "storage": status.storage.value,
        "replicas": status.replicas,
        "sealed": status.sealed,
        "compressed": status.compression,
        "size": status.size,
        "max_bytes": status.max_bytes,
        "messages": status.messages,
        "metadata": {k: v for k, v in status.metadata.items() if not k.startswith("_nats.")},
        "placement": placement,
        "created": iso_time(status.created),
        "cluster": status.cluster,
        "leader": status.leader,
    }
