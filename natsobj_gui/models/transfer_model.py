"""The TransferQueue's records as a table; progress reaches the view through a Throttle.

Usage::

    model = TransferModel(queue)            # subscribes to the queue; one row per Transfer
    view.setModel(model)
    t = model.transfer_at(row)              # or index.data(TransferRole)
    value, maximum = index.data(ProgressRole)   # int32-safe, for a progress bar

New and removed transfers change rows at once; state changes repaint their row at once;
progress-only changes are coalesced (at most ~15 Hz, last value always shown) and repaint
only the rows that changed. `interval=0` shows every progress step (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ..core.transfers import Transfer, TransferQueue, TransferState
from ..formatting import human_duration, human_rate, human_size
from ..icons import icon
from ..progress_bridge import DEFAULT_INTERVAL, Throttle, bar_values
from ..qt_compat import is_alive
from .headed_table import HeadedTableModel

(
    COL_NAME,
    COL_DIRECTION,
    COL_PROGRESS,
    COL_CHUNKS,
    COL_SIZE,
    COL_SPEED,
    COL_ETA,
    COL_STATE,
) = range(8)
HEADERS = ("Name", "Direction", "Progress", "Chunks", "Size", "Speed", "ETA", "State")

TransferRole = Qt.ItemDataRole.UserRole + 21  # the row's Transfer record
ProgressRole = Qt.ItemDataRole.UserRole + 22  # (value, maximum), both fit int32
SortRole = Qt.ItemDataRole.UserRole + 23

Index = QModelIndex | QPersistentModelIndex


def percent(t: Transfer) -> int:
    """0-100; an empty file is 100% only once done."""
    if t.state is TransferState.DONE:
        return 100
    total = t.bytes_total
    return min(100, t.progress.bytes_done * 100 // total) if total > 0 else 0


def bar(t: Transfer) -> tuple[int, int]:
    """(value, maximum) of the transfer's progress bar, int32-safe."""
    if t.state is TransferState.DONE:
        return (1, 1)
    return bar_values(t.progress.bytes_done, t.bytes_total) if t.bytes_total > 0 else (0, 1)


def state_text(t: Transfer) -> str:
    """'running', 'done', 'failed: <reason>'…"""
    if t.state is TransferState.FAILED and t.error:
        return f"failed: {t.error}"
    return t.state.value


class TransferModel(HeadedTableModel):
    """One row per Transfer of a TransferQueue, oldest first."""

    headers = HEADERS

    def __init__(
        self, queue: TransferQueue, parent: Any = None, interval: float = DEFAULT_INTERVAL
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self._rows: list[Transfer] = queue.transfers()
        self._row_of: dict[int, int] = {t.id: i for i, t in enumerate(self._rows)}
        self._states: dict[int, TransferState] = {t.id: t.state for t in self._rows}
        self._dirty: dict[int, None] = {}
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

    # -- queue listeners -------------------------------------------------------------------

    def _on_added(self, t: Transfer) -> None:
        if not self._alive() or t.id in self._row_of:
            return
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(t)
        self._row_of[t.id] = row
        self._states[t.id] = t.state
        self.endInsertRows()

    def _on_change(self, t: Transfer) -> None:
        if not self._alive():
            return
        if t.id not in self._row_of:
            self._on_added(t)
            return
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

        def drop(first: int, last: int) -> None:
            del self._rows[first : last + 1]

        self.remove_rows((self._row_of[t.id] for t in gone if t.id in self._row_of), drop)
        for t in gone:
            self._states.pop(t.id, None)
            self._dirty.pop(t.id, None)
        self._row_of = {t.id: i for i, t in enumerate(self._rows)}

    def _flush(self, _value: object = None) -> None:
        if not self._alive():
            return
        dirty, self._dirty = self._dirty, {}
        last = len(HEADERS) - 1
        for tid in dirty:
            row = self._row_of.get(tid)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def flush(self) -> None:
        """Show coalesced progress now."""
        self._throttle.flush()

    # -- access ----------------------------------------------------------------------------

    def transfer_at(self, row: int) -> Transfer | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, tid: int) -> int:
        """The row of a transfer id, or -1."""
        return self._row_of.get(tid, -1)

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        t = self._rows[index.row()]
        col = index.column()
        p = t.progress
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(t, col)
        if role == TransferRole:
            return t
        if role == ProgressRole:
            return bar(t)
        if role == SortRole:
            return {
                COL_NAME: t.name,
                COL_PROGRESS: percent(t),
                COL_CHUNKS: p.chunks_done,
                COL_SIZE: t.bytes_total,
                COL_SPEED: t.speed,
                COL_ETA: t.eta if t.eta is not None else float("inf"),
            }.get(col, self._text(t, col))
        if role == Qt.ItemDataRole.ToolTipRole:
            arrow = "→" if t.is_upload else "←"
            tip = f"{t.bucket}/{t.name} {arrow} {t.local_path}"
            return "\n".join(x for x in (tip, t.note, t.error) if x)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
            return icon("upload" if t.is_upload else "download")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            COL_CHUNKS,
            COL_SIZE,
            COL_SPEED,
            COL_ETA,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, t: Transfer, col: int) -> str:
        p = t.progress
        running = t.state is TransferState.RUNNING
        if col == COL_NAME:
            return t.name
        if col == COL_DIRECTION:
            return "Upload" if t.is_upload else "Download"
        if col == COL_PROGRESS:
            return f"{percent(t)}%"
        if col == COL_CHUNKS:
            return f"{p.chunks_done}/{p.chunks_total}"
        if col == COL_SIZE:
            return human_size(t.bytes_total)
        if col == COL_SPEED:
            return human_rate(t.speed) if running and t.speed > 0 else ""
        if col == COL_ETA:
            return human_duration(t.eta) if running and t.eta is not None else ""
        if col == COL_STATE:
            return state_text(t)
        return ""
