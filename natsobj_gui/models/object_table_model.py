"""One folder of one bucket as a table: folder rows first, then objects (over a BucketIndex).

Usage::

    model = ObjectTableModel()
    proxy = ObjectSortProxy(); proxy.setSourceModel(model)     # filter + header sorting
    view.setModel(proxy); view.setSortingEnabled(True)
    model.set_bucket(index, "photos/2024/")                    # a reset, lazily displayed
    model.apply(index.apply(events))                           # targeted inserts/moves/removes
    info = model.info_at(row); prefix = model.folder_at(row)   # source rows

The model keeps its rows sorted itself (a Python key sort takes ~0.1 s for 100,000 rows,
while Qt's proxy sort calling Python per comparison takes seconds), so ObjectSortProxy
forwards header clicks to `sort()`. Folders stay first in either order. New rows are
inserted at their sorted place; a large batch is appended and re-sorted in one layout change.
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
from .headed_table import HeadedTableModel
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


_DROP = Qt.ItemFlag.ItemIsDropEnabled
_BASE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_FOLDER_FLAGS = _BASE | Qt.ItemFlag.ItemIsDropEnabled
_OBJECT_FLAGS = _BASE | Qt.ItemFlag.ItemIsDragEnabled


class ObjectTableModel(HeadedTableModel):
    """The direct children (folders, then objects) of one folder prefix of a BucketIndex."""

    headers = HEADERS

    prefixRemoved = Signal(str)  # the shown folder lost its last object

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._index: BucketIndex | None = None
        self._prefix = ROOT
        self._folders: list[str] = []
        self._objects: list[ObjectInfo] = []
        # Object name -> row when built (lazily); rows removed since are in _gone, sorted,
        # so a removal batch costs what it removes, not a rebuild over every row.
        self._pos: dict[str, int] | None = None
        self._gone: list[int] = []
        self._sort_column = COL_NAME
        self._sort_order = Qt.SortOrder.AscendingOrder

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

    def info_at(self, row: int) -> ObjectInfo | None:
        """The object at a source row, or None for a folder row / out of range."""
        i = row - len(self._folders)
        return self._objects[i] if 0 <= i < len(self._objects) else None

    def folder_at(self, row: int) -> str | None:
        """The folder prefix at a source row, or None for an object row."""
        return self._folders[row] if 0 <= row < len(self._folders) else None

    def row_of(self, name: str) -> int:
        """The source row of an object name, or -1."""
        r = self._object_row(name)
        return -1 if r is None else r + len(self._folders)

    def row_of_folder(self, prefix: str) -> int:
        """The source row of a folder prefix, or -1."""
        try:
            return self._folders.index(prefix)
        except ValueError:
            return -1

    def infos(self) -> list[ObjectInfo]:
        """The objects shown, in row order."""
        return list(self._objects)

    def split_rows(self, rows: Sequence[int]) -> tuple[list[str], list[ObjectInfo]]:
        """The folders and the objects at these source rows (out-of-range rows skipped)."""
        folders, objects, nf = self._folders, self._objects, len(self._folders)
        end = nf + len(objects)
        return (
            [folders[r] for r in rows if 0 <= r < nf],
            [objects[r - nf] for r in rows if nf <= r < end],
        )

    def _positions(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {o.name: i for i, o in enumerate(self._objects)}
            self._gone = []
        return self._pos

    def _object_row(self, name: str) -> int | None:
        """The index in _objects of an object name, or None."""
        r = self._positions().get(name)
        if r is None or not self._gone:
            return r
        return r - bisect_left(self._gone, r)

    def _forget_positions(self) -> None:
        self._pos = None
        self._gone = []

    # -- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._folders) + len(self._objects)

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Precomputed: Qt asks once per cell (12 per row) on selections and paints, and
        # building the flags with enum `|` each time cost seconds on 20,000 rows.
        if not index.isValid():
            return _DROP
        return _FOLDER_FLAGS if index.row() < len(self._folders) else _OBJECT_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
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

    # -- sorting -----------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort rows by a column (folders stay first), keeping selections (layout change)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        keys = [self._row_key(i.row()) for i in old]
        self._sort_column, self._sort_order = column, order
        self._sort_lists()
        self._forget_positions()
        new_rows = [self._key_row(k) for k in keys]
        self.changePersistentIndexList(
            old,
            [
                self.index(r, i.column()) if r >= 0 else QModelIndex()
                for r, i in zip(new_rows, old, strict=True)
            ],
        )
        self.layoutChanged.emit()

    def _descending(self) -> bool:
        return self._sort_order == Qt.SortOrder.DescendingOrder

    def _sort_lists(self) -> None:
        desc = self._descending()
        self._folders.sort(key=folder_key, reverse=desc)
        self._objects.sort(key=key_func(self._sort_column), reverse=desc)

    def _row_key(self, row: int) -> tuple[bool, str] | None:
        nf = len(self._folders)
        if 0 <= row < nf:
            return (False, self._folders[row])
        if nf <= row < nf + len(self._objects):
            return (True, self._objects[row - nf].name)
        return None

    def _key_row(self, key: tuple[bool, str] | None) -> int:
        if key is None:
            return -1
        return self.row_of(key[1]) if key[0] else self.row_of_folder(key[1])

    def _insert_pos(self, items: Sequence[Any], key: tuple, keyf: Callable[[Any], tuple]) -> int:
        """Where `key` goes in the already sorted `items` (after equal keys)."""
        lo, hi = 0, len(items)
        desc = self._descending()
        while lo < hi:
            mid = (lo + hi) // 2
            k = keyf(items[mid])
            if (k > key) if desc else (k <= key):
                lo = mid + 1
            else:
                hi = mid
        return lo

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
