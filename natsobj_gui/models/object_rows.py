"""A folder's rows: folders first, then objects, each list kept sorted; row lookups and sort.

The rows are kept sorted here (a Python key sort takes ~0.1 s for 100,000 rows, while Qt's
proxy sort calling Python per comparison takes seconds), so ObjectSortProxy forwards header
clicks to `sort()`. Folders stay first in either order. ObjectTableModel fills the rows from
a BucketIndex and keeps them current.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ..core.types import ObjectInfo
from .headed_table import HeadedTableModel
from .object_columns import COL_NAME, folder_key, key_func

Index = QModelIndex | QPersistentModelIndex


class ObjectRows(HeadedTableModel):
    """Folder prefixes, then objects, as table rows: lookups by row and name, and sorting."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._folders: list[str] = []
        self._objects: list[ObjectInfo] = []
        # Object name -> row when built (lazily); rows removed since are in _gone, sorted,
        # so a removal batch costs what it removes, not a rebuild over every row.
        self._pos: dict[str, int] | None = None
        self._gone: list[int] = []
        self._sort_column = COL_NAME
        self._sort_order = Qt.SortOrder.AscendingOrder

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

    def split_runs(self, runs: Iterable[Sequence[int]]) -> tuple[list[str], list[ObjectInfo]]:
        """The folders and the objects at these runs of source rows, in order.

        A run that is a range is sliced: a selection of 100,000 rows, read again after each
        watch batch of a bulk delete, costs its few runs, not a Python step per row.
        """
        folders: list[str] = []
        objects: list[ObjectInfo] = []
        nf = len(self._folders)
        for run in runs:
            if isinstance(run, range) and run.step == 1 and run.start >= 0:
                folders += self._folders[run.start : run.stop]
                objects += self._objects[max(0, run.start - nf) : max(0, run.stop - nf)]
            else:
                some_folders, some_objects = self.split_rows(run)
                folders += some_folders
                objects += some_objects
        return folders, objects

    def count_runs(
        self, runs: Iterable[Sequence[int]], wanted: Callable[[ObjectInfo], bool]
    ) -> tuple[int, int, bool]:
        """How many folders and objects these runs of source rows hold, and whether any of
        the objects is `wanted`.

        A run that is a range costs O(1) plus the objects looked at until one is wanted:
        the window's actions ask after every watch batch of a bulk delete.
        """
        objs, nf = self._objects, len(self._folders)
        total = nf + len(objs)
        folders = objects = 0
        found = False
        for run in runs:
            if isinstance(run, range) and run.step == 1 and run.start >= 0:
                start, stop = run.start, min(run.stop, total)
                if stop <= start:
                    continue
                folders += max(0, min(stop, nf) - start)
                first, end = max(start, nf) - nf, stop - nf
                objects += max(0, end - first)  # a run of folders only: none
                if not found:
                    found = any(wanted(objs[i]) for i in range(first, end))
                continue
            for r in run:
                if 0 <= r < nf:
                    folders += 1
                elif nf <= r < total:
                    objects += 1
                    found = found or wanted(objs[r - nf])
        return folders, objects, found

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

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._folders) + len(self._objects)

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
