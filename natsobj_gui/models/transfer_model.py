"""The TransferQueue's records as a tree; progress reaches the view through a Throttle.

Usage::

    model = TransferModel(queue)            # subscribes to the queue; one row per Transfer
    view.setModel(model)
    t = model.transfer_at(row)              # or index.data(TransferRole)
    value, maximum = index.data(ProgressRole)   # int32-safe, for a progress bar
    with model.grouping("photos/"):         # a folder transfer: one row, its files below
        queue.upload_planned(bucket, plan)

New and removed transfers change rows at once; state changes repaint their row at once;
progress-only changes are coalesced (at most ~15 Hz, last value always shown) and repaint
only the rows that changed. `interval=0` shows every progress step (tests).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from ..core.transfers import Transfer, TransferQueue, TransferState
from ..progress_bridge import DEFAULT_INTERVAL, Throttle
from ..qt_compat import is_alive
from .headed_table import HeadedTableModel
from .transfer_cells import (  # re-exported: the panel and tests import them from here
    COL_CHUNKS,
    COL_DIRECTION,
    COL_ETA,
    COL_NAME,
    COL_PROGRESS,
    COL_SIZE,
    COL_SPEED,
    COL_STATE,
    HEADERS,
    CaptionRole,
    GroupRole,
    ProgressRole,
    RowFacts,
    SortRole,
    TransferRole,
    average_speed,
    bar,
    caption,
    duration,
    group_data,
    percent,
    row_text,
    size_text,
    state_text,
    transfer_data,
    transfer_facts,
)
from .transfer_groups import TransferGroup

__all__ = [
    "COL_CHUNKS",
    "COL_DIRECTION",
    "COL_ETA",
    "COL_NAME",
    "COL_PROGRESS",
    "COL_SIZE",
    "COL_SPEED",
    "COL_STATE",
    "HEADERS",
    "CaptionRole",
    "GroupRole",
    "ProgressRole",
    "SortRole",
    "TransferModel",
    "TransferRole",
    "average_speed",
    "bar",
    "caption",
    "duration",
    "percent",
    "size_text",
    "state_text",
]

Index = QModelIndex | QPersistentModelIndex


class TransferModel(QAbstractItemModel):
    """One row per Transfer of a TransferQueue, oldest first; a folder transfer is one row
    whose children are its files (rows of the root have internal id 0, a group's children
    the group's id)."""

    headers = HEADERS
    # A tree, not a table: the header texts and run-wise row removal of the table base.
    headerData = HeadedTableModel.headerData
    remove_rows = HeadedTableModel.remove_rows

    def __init__(
        self, queue: TransferQueue, parent: Any = None, interval: float = DEFAULT_INTERVAL
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self._rows: list[Transfer | TransferGroup] = list(queue.transfers())
        self._row_of: dict[int, int] = {t.id: i for i, t in enumerate(self._rows)}
        self._states: dict[int, TransferState] = {t.id: t.state for t in queue.transfers()}
        self._groups: dict[int, TransferGroup] = {}  # group id -> group
        self._group_of: dict[int, TransferGroup] = {}  # transfer id -> its group
        self._grouping: TransferGroup | None = None  # new transfers join it (grouping())
        self._next_group = 1
        self._dirty: dict[int, None] = {}
        # A transfer's cell texts, built once per change: every painted cell asks (8 a row,
        # up to 15 repaints a second), and building them per cell cost ~13 us each.
        self._facts: dict[int, RowFacts] = {}
        self._throttle = Throttle(self._flush, interval=interval, parent=self)
        unsubscribe = queue.subscribe(
            on_added=self._on_added, on_change=self._on_change, on_removed=self._on_removed
        )
        self._unsubscribe: Callable[[], None] | None = unsubscribe
        # The queue may outlive the view: stop listening as soon as the C++ side goes
        # (the lambda holds no reference to self, so it can run during destruction).
        self.destroyed.connect(lambda *_: unsubscribe())

    def close(self) -> None:
        """Stop listening to the queue."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _alive(self) -> bool:
        if is_alive(self):
            return True
        self.close()  # the view went away before the queue
        return False

    @contextlib.contextmanager
    def grouping(self, label: str) -> Iterator[None]:
        """Transfers added inside this block become one folder row named `label`."""
        group = TransferGroup(self._next_group, label)
        self._next_group += 1
        self._grouping = group
        try:
            yield
        finally:
            self._grouping = None

    # -- queue listeners -------------------------------------------------------------------

    def _on_added(self, t: Transfer) -> None:
        if not self._alive() or t.id in self._row_of or t.id in self._group_of:
            return
        self._states[t.id] = t.state
        group = self._grouping
        if group is None:
            self._append_top(t)
            return
        if group.id not in self._groups:
            self._groups[group.id] = group
            self._append_top(group)
        parent = self.index(self._row_of[-group.id], 0)
        n = len(group.members)
        self.beginInsertRows(parent, n, n)
        group.members.append(t)
        group.changed()
        self._group_of[t.id] = group
        self.endInsertRows()
        self._dirty[-group.id] = None

    def _append_top(self, item: Transfer | TransferGroup) -> None:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(item)
        self._row_of[_key(item)] = row
        self.endInsertRows()

    def _on_change(self, t: Transfer) -> None:
        if not self._alive():
            return
        self._facts.pop(t.id, None)
        if t.id not in self._row_of and t.id not in self._group_of:
            self._on_added(t)
            return
        group = self._group_of.get(t.id)
        if group is not None:
            group.changed()
            self._dirty[-group.id] = None
        if self._states.get(t.id) is not t.state:
            # Start, end, cancel, retry: show at once (with any coalesced progress).
            self._states[t.id] = t.state
            self._dirty[t.id] = None
            self._throttle.cancel()
            self._flush()
            return
        self._dirty[t.id] = None
        self._throttle()

    def _on_removed(self, gone: list[Transfer]) -> None:
        if not self._alive():
            return
        touched: dict[int, TransferGroup] = {}
        for t in gone:
            group = self._group_of.pop(t.id, None)
            if group is not None:
                touched[group.id] = group
        ids = {t.id for t in gone}
        for group in touched.values():
            members = group.members

            def drop_members(first: int, last: int, members: list[Transfer] = members) -> None:
                del members[first : last + 1]

            rows = [r for r, t in enumerate(members) if t.id in ids]
            # In runs: clearing a finished folder of 10,000 files is one removal, not 10,000.
            self.remove_rows(rows, drop_members, self.index(self._row_of[-group.id], 0))
            group.changed()
        empty = [-g.id for g in touched.values() if not g.members]
        for g in touched.values():
            if not g.members:
                del self._groups[g.id]

        def drop(first: int, last: int) -> None:
            del self._rows[first : last + 1]

        tops = [self._row_of[t.id] for t in gone if t.id in self._row_of]
        self.remove_rows(tops + [self._row_of[k] for k in empty], drop)
        for t in gone:
            self._states.pop(t.id, None)
            self._dirty.pop(t.id, None)
            self._facts.pop(t.id, None)
        self._row_of = {_key(item): i for i, item in enumerate(self._rows)}
        for g in touched.values():
            if g.members:
                self._dirty[-g.id] = None
        self._flush()

    def _flush(self, _value: object = None) -> None:
        if not self._alive():
            return
        dirty, self._dirty = self._dirty, {}
        last = len(HEADERS) - 1
        for key in dirty:
            index = self._index_of(key)
            if index.isValid():
                self.dataChanged.emit(index, index.siblingAtColumn(last))

    def _index_of(self, key: int) -> QModelIndex:
        """The first cell of a transfer's (id) or a group's (-id) row."""
        row = self._row_of.get(key)
        if row is not None:
            return self.index(row, 0)
        group = self._group_of.get(key)
        if group is None or -group.id not in self._row_of:
            return QModelIndex()
        for r, t in enumerate(group.members):
            if t.id == key:
                return self.createIndex(r, 0, group.id)
        return QModelIndex()

    def flush(self) -> None:
        """Show coalesced progress now."""
        self._throttle.flush()

    # -- access ----------------------------------------------------------------------------

    def transfer_at(self, row: int) -> Transfer | None:
        """The transfer of a top-level row (None for a folder row)."""
        item = self._rows[row] if 0 <= row < len(self._rows) else None
        return item if isinstance(item, Transfer) else None

    def item_at(self, index: Index) -> Transfer | TransferGroup | None:
        """What a row shows: a transfer or a folder group."""
        if not index.isValid():
            return None
        gid = index.internalId()
        if gid:
            group = self._groups.get(gid)
            if group is None or not 0 <= index.row() < len(group.members):
                return None
            return group.members[index.row()]
        return self._rows[index.row()] if 0 <= index.row() < len(self._rows) else None

    def transfers_at(self, index: Index) -> list[Transfer]:
        """The transfers of a row: its own, or a folder row's files."""
        item = self.item_at(index)
        if isinstance(item, TransferGroup):
            return list(item.members)
        return [item] if item is not None else []

    def row_of(self, tid: int) -> int:
        """The top-level row of a transfer id, or -1 (grouped transfers have none)."""
        return self._row_of.get(tid, -1)

    # -- Qt model API ----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._rows) else QModelIndex()
        item = self.item_at(parent)
        top = parent.internalId() == 0
        if isinstance(item, TransferGroup) and top and row < len(item.members):
            return self.createIndex(row, column, item.id)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        row = self._row_of.get(-index.internalId())
        return self.createIndex(row, 0, 0) if row is not None else QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._rows)
        if parent.internalId() == 0 and parent.column() == 0:
            item = self.item_at(parent)
            if isinstance(item, TransferGroup):
                return len(item.members)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index)
        if item is None:
            return None
        if isinstance(item, TransferGroup):
            return group_data(item, index.column(), role)
        if role == Qt.ItemDataRole.DisplayRole:
            facts = self._facts.get(item.id)
            if facts is None:
                facts = self._facts[item.id] = transfer_facts(item)
            return row_text(facts, index.column())
        return transfer_data(item, index.column(), role)


def _key(item: Transfer | TransferGroup) -> int:
    """Row keys: a transfer's id, a group's id negated (the two never collide)."""
    return -item.id if isinstance(item, TransferGroup) else item.id
