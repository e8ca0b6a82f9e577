"""Columns, roles, sort keys and cell contents of the object table (shared by model and proxy).

Usage: `from natsobj_gui.models.object_columns import COL_SIZE, SortRole, ObjectRole`; the
model module re-exports all of these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMimeData, Qt

from ..core.index import BucketIndex, folder_label, split_name
from ..core.types import ObjectInfo
from ..core.wire import digest_hex
from ..formatting import count_text, human_size, human_time
from ..icons import icon
from .file_icons import file_icon

COL_NAME, COL_SIZE, COL_CHUNKS, COL_MODIFIED, COL_DIGEST, COL_DESCRIPTION = range(6)
HEADERS = ("Name", "Size", "Chunks", "Modified", "Digest", "Description")

SortRole = Qt.ItemDataRole.UserRole + 1  # comparable key of the cell (int for sizes)
ObjectRole = Qt.ItemDataRole.UserRole + 2  # the row's ObjectInfo (None for folders)
FolderRole = Qt.ItemDataRole.UserRole + 3  # the folder prefix (None for objects)
FilterRole = Qt.ItemDataRole.UserRole + 4  # the text the filter box matches (leaf name)
NameRole = Qt.ItemDataRole.UserRole + 5  # the full object name or folder prefix

MIME_TYPE = "application/x-natsobj-objects"
# Above this many new rows in one batch, append and re-sort instead of inserting one by one.
BULK_INSERT = 256
# Hex digits of the digest shown in its column: enough to tell objects apart at a glance.
DIGEST_SHORT = 12

Row = str | ObjectInfo  # a folder prefix or an object


def leaf(row: Row) -> str:
    """The name shown for a row: folder label or the object name's last part."""
    return folder_label(row) if isinstance(row, str) else split_name(row.name)[1]


def key_func(column: int) -> Callable[[ObjectInfo], tuple]:
    """The sort key of objects for a column (ties broken by name)."""

    def name_key(o: ObjectInfo) -> tuple:
        return (leaf(o).casefold(), o.name)

    primary: dict[int, Callable[[ObjectInfo], Any]] = {
        COL_SIZE: lambda o: o.size,
        COL_CHUNKS: lambda o: o.chunks,
        COL_MODIFIED: lambda o: o.modified.timestamp() if o.modified else float("-inf"),
        COL_DIGEST: lambda o: o.digest,
        COL_DESCRIPTION: lambda o: o.description.casefold(),
    }
    if column not in primary:
        return name_key
    first = primary[column]
    return lambda o: (first(o), leaf(o).casefold(), o.name)


def folder_key(prefix: str) -> tuple:
    """The sort key of folder rows (by label, any case)."""
    return (folder_label(prefix).casefold(), prefix)


def folder_size_text(index: BucketIndex, prefix: str) -> str:
    """A folder's Size cell: the objects below it and their total size."""
    return f"{count_text(index.count(prefix), 'object')}, {human_size(index.total_size(prefix))}"


def folder_cell(prefix: str, col: int, role: int, index: BucketIndex | None) -> Any:
    """What a folder row shows in one cell for one role."""
    if role == Qt.ItemDataRole.DisplayRole:
        if col == COL_NAME:
            return folder_label(prefix) + "/"
        if col == COL_SIZE and index is not None:
            return folder_size_text(index, prefix)
        return ""
    if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_SIZE:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if role == FolderRole:
        return prefix
    if role in (NameRole, Qt.ItemDataRole.ToolTipRole):
        return prefix
    if role == FilterRole:
        return folder_label(prefix)
    if role == SortRole:
        return folder_label(prefix).casefold() if col == COL_NAME else 0
    if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
        return icon("folder")
    return None


def object_cell(o: ObjectInfo, col: int, role: int) -> Any:
    """What an object row shows in one cell for one role."""
    if o.damaged and col != COL_NAME:
        damaged = _damaged_cell(o, col, role)
        if damaged is not None:
            return damaged
    if role == Qt.ItemDataRole.DisplayRole:
        if col == COL_NAME:
            return split_name(o.name)[1]
        if col == COL_SIZE:
            return "" if o.link else human_size(o.size)
        if col == COL_CHUNKS:
            return "" if o.link else str(o.chunks)
        if col == COL_MODIFIED:
            return human_time(o.modified)
        if col == COL_DIGEST:
            return digest_hex(o.digest)[:DIGEST_SHORT]
        if col == COL_DESCRIPTION:
            if o.link and not o.description:
                return f"→ {o.link.bucket}/{o.link.name or ''}"
            return o.description
        return None
    if role == ObjectRole:
        return o
    if role == NameRole:
        return o.name
    if role == FilterRole:
        return split_name(o.name)[1]
    if role == SortRole:
        return key_func(col)(o)[0]
    if role == Qt.ItemDataRole.ToolTipRole:
        if o.damaged:
            return f"{o.name}\ndamaged: {o.damaged}"
        if col == COL_DIGEST and o.digest:
            return f"{o.digest}\nSHA-256 (hex): {digest_hex(o.digest)}"
        if o.link:
            target = o.link.bucket + (f"/{o.link.name}" if o.link.name else " (bucket)")
            return f"{o.name}\nlink to {target}"
        return o.name
    if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SIZE, COL_CHUNKS):
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
        if o.damaged:
            return icon("warning")
        return icon("link") if o.link else file_icon(o.name)
    return None


def _damaged_cell(o: ObjectInfo, col: int, role: int) -> Any:
    """What a damaged entry shows instead of sizes it cannot vouch for (None: as usual)."""
    if role == Qt.ItemDataRole.DisplayRole:
        if col == COL_SIZE:
            return "damaged"
        if col in (COL_CHUNKS, COL_DIGEST):
            return ""
        if col == COL_DESCRIPTION:
            return f"damaged: {o.damaged}"
    return None


def objects_mime(bucket: str, infos: list[ObjectInfo]) -> QMimeData:
    """Drag data for objects: JSON [{"bucket": ..., "name": ...}] under MIME_TYPE."""
    mime = QMimeData()
    items = [{"bucket": bucket, "name": o.name} for o in infos]
    mime.setData(MIME_TYPE, json.dumps(items).encode())
    return mime


def parse_objects_mime(mime: QMimeData) -> list[tuple[str, str]]:
    """(bucket, name) pairs from drag data made by objects_mime; [] for anything else."""
    if not mime.hasFormat(MIME_TYPE):
        return []
    try:
        items = json.loads(bytes(mime.data(MIME_TYPE).data()).decode())
        return [(str(i["bucket"]), str(i["name"])) for i in items]
    except (ValueError, KeyError, TypeError):
        return []
