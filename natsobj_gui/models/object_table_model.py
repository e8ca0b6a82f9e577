"""One folder of one bucket as a table: folder rows first, then objects (over a BucketIndex).

Usage::

    model = ObjectTableModel()
    proxy = ObjectSortProxy(); proxy.setSourceModel(model)     # filter + header sorting
    view.setModel(proxy); view.setSortingEnabled(True)
    model.set_bucket(index, "photos/2024/")                    # a reset, lazily displayed
    model.apply(index.apply(events))                           # targeted inserts/moves/removes
    info = model.info_at(row); prefix = model.folder_at(row)   # source rows

The rows are kept sorted by ObjectRows (models/object_rows.py), which ObjectSortProxy asks
to `sort()` on header clicks. New rows are inserted at their sorted place; a large batch
is appended and re-sorted in one layout change.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ..core.index import ROOT, BucketIndex, IndexChange, parent_folder, split_name
from ..core.types import ObjectInfo
from .object_columns import (
    BULK_INSERT,
    COL_CHUNKS,
    COL_DESCRIPTION,
    COL_DIGEST,
    COL_MODIFIED,
    COL_NAME,
    COL_SIZE,
    HEADERS,
    MIME_TYPE,
    FilterRole,
    FolderRole,
    NameRole,
    ObjectRole,
    SortRole,
    folder_cell,
    folder_key,
    key_func,
    object_cell,
    objects_mime,
)
from .object_rows import ObjectRows

# The table's columns and roles are public names of this module too.
__all__ = [
    "COL_CHUNKS",
    "COL_DESCRIPTION",
    "COL_DIGEST",
    "COL_MODIFIED",
    "COL_NAME",
    "COL_SIZE",
    "HEADERS",
    "MIME_TYPE",
    "FilterRole",
    "FolderRole",
    "NameRole",
    "ObjectRole",
    "ObjectTableModel",
    "SortRole",
]

Index = QModelIndex | QPersistentModelIndex


def _never() -> bool:
    return False


_DROP = Qt.ItemFlag.ItemIsDropEnabled
_BASE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
# Folders take drops (a move into them) and are dragged out as local folders.
_FOLDER_FLAGS = _BASE | Qt.ItemFlag.ItemIsDropEnabled
_OBJECT_FLAGS = _BASE
_EDITABLE_NAME = _BASE | Qt.ItemFlag.ItemIsEditable
_R = Qt.ItemDataRole
# Roles the delegate asks of every painted cell that no row answers: 4 of the 7 data()
# calls per cell, each a Python call through the proxy (a bulk delete repaints often).
_UNANSWERED = frozenset(
    int(r) for r in (_R.FontRole, _R.BackgroundRole, _R.ForegroundRole, _R.CheckStateRole)
)


class ObjectTableModel(ObjectRows):
    """The direct children (folders, then objects) of one folder prefix of a BucketIndex."""

    headers = HEADERS

    prefixRemoved = Signal(str)  # the shown folder lost its last object

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._index: BucketIndex | None = None
        self._prefix = ROOT
        # Set by the view's inline rename: whether object names may be edited in place now.
        self.is_name_editable: Callable[[], bool] = _never

    # -- content ---------------------------------------------------------------------------

    @property
    def bucket_index(self) -> BucketIndex | None:
        return self._index

    @property
    def bucket(self) -> str:
        return self._index.bucket if self._index else ""

    @property
    def prefix(self) -> str:
        return self._prefix

    def set_bucket(self, index: BucketIndex | None, prefix: str = ROOT) -> None:
        """Show folder `prefix` of this index (a reset)."""
        self._index = index
        self.set_prefix(prefix)

    def set_prefix(self, prefix: str) -> None:
        """Show another folder of the same index (a reset)."""
        self.beginResetModel()
        self._prefix = prefix
        if self._index is None:
            self._folders, self._objects = [], []
        else:
            self._folders, self._objects = self._index.children(prefix)
        self._sort_lists()
        self._forget_positions()
        self.endResetModel()

    def clear(self) -> None:
        """Show nothing."""
        self.set_bucket(None)

    # -- Qt model API ------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Precomputed: Qt asks once per cell (12 per row) on selections and paints, and
        # building the flags with enum `|` each time cost seconds on 20,000 rows.
        if not index.isValid():
            return _DROP
        if index.row() < len(self._folders):
            return _FOLDER_FLAGS
        # Only an object's name cell is edited in place; folders are virtual.
        if index.column() == COL_NAME and self.is_name_editable():
            return _EDITABLE_NAME
        return _OBJECT_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in _UNANSWERED or not index.isValid():
            return None
        row, col = index.row(), index.column()
        nf = len(self._folders)
        if row < nf:
            return self._folder_data(self._folders[row], col, role)
        i = row - nf
        if i >= len(self._objects):
            return None
        return self._object_data(self._objects[i], col, role)

    def _folder_data(self, prefix: str, col: int, role: int) -> Any:
        return folder_cell(prefix, col, role, self._index)

    def _object_data(self, o: ObjectInfo, col: int, role: int) -> Any:
        return object_cell(o, col, role)

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Dragged objects as JSON [{bucket, name}] (for drops onto folders or other buckets)."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return objects_mime(self.bucket, [n for r in rows if (n := self.info_at(r)) is not None])

    # -- incremental changes --------------------------------------------------------------

    def apply(self, change: IndexChange) -> None:
        """Reflect an IndexChange of the shown bucket: only rows of the shown folder move."""
        idx = self._index
        if idx is None:
            return
        prefix = self._prefix
        removed = [n for n in change.removed if split_name(n)[0] == prefix]
        gone_folders = [p for p in change.removed_folders if parent_folder(p) == prefix]
        if removed:
            self._remove_objects(removed)
        if gone_folders:
            self._remove_folders(gone_folders)
        new_folders = [p for p in change.added_folders if parent_folder(p) == prefix]
        if new_folders:
            self._insert_folders(new_folders)
        added = [n for n in change.added if split_name(n)[0] == prefix]
        if added:
            infos = [info for n in added if (info := idx.get(n)) is not None]
            self._insert_objects(infos)
        updated = [
            info
            for n in change.updated
            if split_name(n)[0] == prefix and (info := idx.get(n)) is not None
        ]
        if len(updated) > BULK_INSERT:
            self._update_many(updated)
        else:
            for info in updated:
                self._update_object(info)
        if change.counts_changed and self._folders:
            # Folder rows show the count and size of objects below them.
            touched = set(change.counts_changed)
            for r, p in enumerate(self._folders):
                if p in touched:
                    i = self.index(r, COL_SIZE)
                    self.dataChanged.emit(i, i, [Qt.ItemDataRole.DisplayRole])
        if prefix and prefix in change.removed_folders:
            self.prefixRemoved.emit(prefix)

    def _remove_objects(self, names: list[str]) -> None:
        pos = self._positions()
        gone, nf = self._gone, len(self._folders)
        raw = sorted({pos[n] for n in names if n in pos})
        rows = [r - bisect_left(gone, r) + nf for r in raw] if gone else [r + nf for r in raw]

        def drop(first: int, last: int) -> None:
            del self._objects[first - nf : last - nf + 1]

        self.remove_rows(rows, drop)
        for n in names:
            pos.pop(n, None)
        # Two sorted runs: the sort merges them in linear time.
        self._gone = sorted(gone + raw) if gone else raw
        if len(self._gone) > 2 * len(self._objects):
            self._forget_positions()  # a rebuild now costs less than the removed rows did

    def _remove_folders(self, prefixes: list[str]) -> None:
        rows = [r for p in prefixes if (r := self.row_of_folder(p)) >= 0]

        def drop(first: int, last: int) -> None:
            del self._folders[first : last + 1]

        self.remove_rows(rows, drop)

    def _insert_folders(self, prefixes: list[str]) -> None:
        for p in prefixes:
            if p in self._folders:
                continue
            r = self._insert_pos(self._folders, folder_key(p), folder_key)
            self.beginInsertRows(QModelIndex(), r, r)
            self._folders.insert(r, p)
            self.endInsertRows()

    def _insert_objects(self, infos: list[ObjectInfo]) -> None:
        pos = self._positions()
        infos = [o for o in infos if o.name not in pos]
        if not infos:
            return
        nf = len(self._folders)
        if len(infos) > BULK_INSERT:
            start = nf + len(self._objects)
            self.beginInsertRows(QModelIndex(), start, start + len(infos) - 1)
            self._objects.extend(infos)
            self._forget_positions()
            self.endInsertRows()
            self.sort(self._sort_column, self._sort_order)
            return
        keyf = key_func(self._sort_column)
        for o in infos:
            r = self._insert_pos(self._objects, keyf(o), keyf)
            self.beginInsertRows(QModelIndex(), nf + r, nf + r)
            self._objects.insert(r, o)
            self.endInsertRows()
        self._forget_positions()

    def _update_many(self, infos: list[ObjectInfo]) -> None:
        # A re-delivered listing: replace in place, re-sort once, repaint once.
        fresh = []
        for info in infos:
            i = self._object_row(info.name)
            if i is None:
                fresh.append(info)
            else:
                self._objects[i] = info
        self.sort(self._sort_column, self._sort_order)
        if self._objects:
            nf = len(self._folders)
            last = nf + len(self._objects) - 1
            self.dataChanged.emit(self.index(nf, 0), self.index(last, len(HEADERS) - 1))
        if fresh:
            self._insert_objects(fresh)

    def _update_object(self, info: ObjectInfo) -> None:
        i = self._object_row(info.name)
        if i is None:
            self._insert_objects([info])
            return
        nf = len(self._folders)
        keyf = key_func(self._sort_column)
        if keyf(self._objects[i]) == keyf(info):
            self._objects[i] = info
            self.dataChanged.emit(self.index(nf + i, 0), self.index(nf + i, len(HEADERS) - 1))
            return
        # The sort key changed: move the row (keeps selection) to its new sorted place.
        rest = self._objects[:i] + self._objects[i + 1 :]
        p = self._insert_pos(rest, keyf(info), keyf)
        dest = p if p <= i else p + 1
        if dest not in (i, i + 1):
            self.beginMoveRows(QModelIndex(), nf + i, nf + i, QModelIndex(), nf + dest)
            self._objects = rest
            self._objects.insert(p, info)
            self.endMoveRows()
            self._forget_positions()
        else:
            self._objects[i] = info
        r = nf + p
        self.dataChanged.emit(self.index(r, 0), self.index(r, len(HEADERS) - 1))
