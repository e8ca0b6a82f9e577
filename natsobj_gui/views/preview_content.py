"""What the preview pane shows for an object: read a bounded head, then text, image or hex.

Nothing here reads more than a limit: `read_head` stops the core's stream once it has the
bytes it needs (a private exception from the writer ends the download early), so a 10 GiB
object costs a few chunks. Decoding and formatting run on a worker thread.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QMimeDatabase
from PySide6.QtGui import QImage, QImageReader

from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.store import ObjectStore
from natsobj_gui.core.types import ObjectInfo

TEXT_BYTES = 1024 * 1024  # text: the first MiB
IMAGE_MAX_BYTES = 16 * 1024 * 1024  # larger images are shown as hex, never loaded whole
HEX_BYTES = 16 * 1024  # the hex view's share of a binary object
HEX_PER_LINE = 8  # fits a side pane; 16 would need half the window
JSON_TYPES = ("application/json", "application/ld+json", "application/geo+json")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


class _Enough(Exception):
    """Raised by the head writer: the preview has all the bytes it wants."""


class _HeadWriter:
    """A binary writer that keeps the first `limit` bytes, then stops the stream."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data[: self.limit - len(self.buf)]
        if len(self.buf) >= self.limit:
            raise _Enough
        return len(data)


async def read_head(store: ObjectStore, name: str, limit: int) -> bytes:
    """At most the first `limit` bytes of an object (all of it, verified, when smaller)."""
    writer = _HeadWriter(limit)
    with contextlib.suppress(_Enough):
        await store.get(name, writer)  # type: ignore[arg-type]
    return bytes(writer.buf)


@dataclass(frozen=True)
class Preview:
    """A finished preview: kind is text, json, image or hex."""

    kind: str
    summary: str  # one line above the content: type, encoding, dimensions, how much is shown
    text: str = ""
    image: QImage | None = None


def mime_name(name: str) -> str:
    """The MIME type the platform's database gives the object's name (by extension)."""
    db = QMimeDatabase()
    return db.mimeTypeForFile(name, QMimeDatabase.MatchMode.MatchExtension).name()


def type_label(name: str) -> str:
    """A reader's name for the type ("PNG image"), "" when the database knows none."""
    db = QMimeDatabase()
    mt = db.mimeTypeForFile(name, QMimeDatabase.MatchMode.MatchExtension)
    return "" if mt.isDefault() else mt.comment()


def is_readable_image(name: str) -> bool:
    """Whether Qt can decode an image of this name's type."""
    supported = {bytes(m.data()).decode() for m in QImageReader.supportedMimeTypes()}
    return mime_name(name) in supported


def wants_bytes(info: ObjectInfo) -> int:
    """How many bytes the preview of this object reads."""
    if is_readable_image(info.name) and info.size <= IMAGE_MAX_BYTES:
        return IMAGE_MAX_BYTES
    return TEXT_BYTES


def detect_text(head: bytes, complete: bool) -> tuple[str, str] | None:
    """(text, encoding label) when `head` reads as text, else None."""
    for bom, codec, label in BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="replace"), label
    sample = head[:8192]
    if b"\x00" in sample:
        return None
    try:
        return head.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        # A character cut in two at the end of an incomplete head is not a reason to give up.
        if not complete and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8"), "UTF-8"
    text = head.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text[:8192])
    if printable < 0.95 * min(len(text), 8192):
        return None
    return text, "Windows-1252"


def hex_dump(data: bytes, per_line: int = HEX_PER_LINE) -> str:
    """Offset, `per_line` hex bytes and their printable ASCII, one line each."""
    lines = []
    width = per_line * 3 - 1
    for off in range(0, len(data), per_line):
        row = data[off : off + per_line]
        hexes = " ".join(f"{b:02x}" for b in row)
        text = "".join(chr(b) if 32 <= b < 127 else "·" for b in row)
        lines.append(f"{off:08x}  {hexes:<{width}}  {text}")
    return "\n".join(lines)


def _shown(n: int, total: int) -> str:
    return (
        f"all {human_size(total)}"
        if n >= total
        else f"first {human_size(n)} of {human_size(total)}"
    )


def build_preview(info: ObjectInfo, head: bytes) -> Preview:
    """Turn the head of an object into what the pane shows (runs on a worker thread)."""
    complete = len(head) >= info.size
    kind = mime_name(info.name)
    if complete and is_readable_image(info.name):
        image = QImage.fromData(QByteArray(head))
        if not image.isNull():
            label = type_label(info.name) or "Image"
            size = human_size(info.size)
            summary = f"{label}, {image.width()} × {image.height()} pixels, {size}"
            return Preview("image", summary, image=image)
    found = detect_text(head, complete)
    if found is not None:
        text, encoding = found
        if complete and (kind in JSON_TYPES or text.lstrip()[:1] in ("{", "[")):
            try:
                pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            except ValueError:
                pass
            else:
                return Preview("json", f"JSON, {encoding}, {_shown(len(head), info.size)}", pretty)
        return Preview("text", f"Text, {encoding}, {_shown(len(head), info.size)}", text)
    part = head[:HEX_BYTES]
    label = type_label(info.name) or "Binary data"
    return Preview("hex", f"{label}, {_shown(len(part), info.size)} in hex", hex_dump(part))


async def load_preview(store: ObjectStore, info: ObjectInfo) -> Preview:
    """Read the bounded head of an object and build its preview off the GUI thread."""
    head = await read_head(store, info.name, wants_bytes(info))
    return await asyncio.to_thread(build_preview, info, head)
