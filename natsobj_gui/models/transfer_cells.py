"""The cells of the transfer panel: columns, roles, and what a transfer's or folder's row
shows (kept apart from the model, which only tracks rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from ..core.transfers import Transfer, TransferState
from ..formatting import human_duration, human_rate, human_size
from ..icons import icon
from ..progress_bridge import bar_values
from .transfer_groups import TransferGroup

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
# "Time": what is left while running, how long it took once done.
HEADERS = ("Name", "Direction", "Progress", "Chunks", "Size", "Speed", "Time", "State")

TransferRole = Qt.ItemDataRole.UserRole + 21  # the row's Transfer record
ProgressRole = Qt.ItemDataRole.UserRole + 22  # (value, maximum), both fit int32
SortRole = Qt.ItemDataRole.UserRole + 23
GroupRole = Qt.ItemDataRole.UserRole + 24  # a folder row's TransferGroup
CaptionRole = Qt.ItemDataRole.UserRole + 25  # the text over the progress bar


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


def caption(t: Transfer) -> str:
    """The text over a transfer's bar: the percentage ('queued' before it starts)."""
    return "queued" if t.state is TransferState.QUEUED else f"{percent(t)}%"


def duration(t: Transfer) -> float | None:
    """Seconds from start to end of a finished transfer; None before it ended."""
    if t.started is None or t.finished is None:
        return None
    return max(0.0, (t.finished - t.started).total_seconds())


def average_speed(t: Transfer) -> float | None:
    """Bytes a second over a finished transfer's whole run (what a reader compares)."""
    took = duration(t)
    if t.state is not TransferState.DONE or not took:
        return None
    return t.bytes_total / took


def size_text(t: Transfer) -> str:
    """'12 MiB / 40 MiB' until done, then the size."""
    total = human_size(t.bytes_total)
    if t.state is TransferState.DONE:
        return total
    return f"{human_size(t.progress.bytes_done)} / {total}"


def state_text(t: Transfer) -> str:
    """'running', 'done', 'failed: <reason>'…"""
    if t.state is TransferState.FAILED and t.error:
        return f"failed: {t.error}"
    return t.state.value


RIGHT_ALIGNED = (COL_CHUNKS, COL_SIZE, COL_SPEED, COL_ETA)


def transfer_data(t: Transfer, col: int, role: int) -> Any:
    """What a transfer's row shows in one cell for one role."""
    p = t.progress
    if role == Qt.ItemDataRole.DisplayRole:
        return cell_text(t, col)
    if role == TransferRole:
        return t
    if role == ProgressRole:
        return bar(t)
    if role == CaptionRole:
        return caption(t)
    if role == SortRole:
        return {
            COL_NAME: t.name,
            COL_PROGRESS: percent(t),
            COL_CHUNKS: p.chunks_done,
            COL_SIZE: t.bytes_total,
            COL_SPEED: t.speed,
            COL_ETA: t.eta if t.eta is not None else float("inf"),
        }.get(col, cell_text(t, col))
    if role == Qt.ItemDataRole.ToolTipRole:
        arrow = "→" if t.is_upload else "←"
        tip = f"{t.bucket}/{t.name} {arrow} {t.local_path}"
        return "\n".join(x for x in (tip, t.note, t.error) if x)
    if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
        return icon("upload" if t.is_upload else "download")
    if role == Qt.ItemDataRole.TextAlignmentRole and col in RIGHT_ALIGNED:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


@dataclass(frozen=True)
class RowFacts:
    """What a row says, the same way for one transfer and for a folder of them."""

    name: str
    upload: bool
    percent: int
    chunks: str
    size: str
    state: str
    active: bool  # under way: live speed and time left, else average and duration
    speed: float = 0.0
    left: float | None = None
    average: float | None = None
    took: float | None = None


def row_text(f: RowFacts, col: int) -> str:
    """A row's cell text."""
    if col == COL_NAME:
        return f.name
    if col == COL_DIRECTION:
        return "Upload" if f.upload else "Download"
    if col == COL_PROGRESS:
        return f"{f.percent}%"
    if col == COL_CHUNKS:
        return f.chunks
    if col == COL_SIZE:
        return f.size
    if col == COL_SPEED:
        if f.active:
            return human_rate(f.speed) if f.speed > 0 else ""
        return f"{human_rate(f.average)} avg" if f.average is not None else ""
    if col == COL_ETA:
        if f.active:
            return f"{human_duration(f.left)} left" if f.left is not None else ""
        return f"took {human_duration(f.took)}" if f.took is not None else ""
    if col == COL_STATE:
        return f.state
    return ""


def transfer_facts(t: Transfer) -> RowFacts:
    p = t.progress
    return RowFacts(
        name=t.name,
        upload=t.is_upload,
        percent=percent(t),
        chunks=f"{p.chunks_done}/{p.chunks_total}",
        size=size_text(t),
        state=state_text(t),
        active=t.state is TransferState.RUNNING,
        speed=t.speed,
        left=t.eta,
        average=average_speed(t),
        took=duration(t),
    )


def group_facts(g: TransferGroup) -> RowFacts:
    s = g.summary()
    total = human_size(s.bytes_total)
    done = s.finished and s.state is TransferState.DONE
    return RowFacts(
        name=g.title(),
        upload=g.is_upload,
        percent=_group_percent(s),
        chunks=f"{s.chunks_done}/{s.chunks_total}",
        size=total if s.finished else f"{human_size(s.bytes_done)} / {total}",
        state=s.state_text(),
        active=not s.finished,
        speed=s.speed,
        left=(s.bytes_total - s.bytes_done) / s.speed if s.speed > 0 else None,
        average=s.bytes_total / s.seconds if done and s.seconds else None,
        took=s.seconds,
    )


def cell_text(t: Transfer, col: int) -> str:
    """A transfer's cell text."""
    return row_text(transfer_facts(t), col)


def group_data(g: TransferGroup, col: int, role: int) -> Any:
    """What a folder row shows: its files added up."""
    s = g.summary()
    if role == Qt.ItemDataRole.DisplayRole:
        return row_text(group_facts(g), col)
    if role == GroupRole:
        return g
    if role == ProgressRole:
        if s.finished and s.state is TransferState.DONE:
            return (1, 1)
        return bar_values(s.bytes_done, s.bytes_total) if s.bytes_total > 0 else (0, 1)
    if role == CaptionRole:
        return f"{_group_percent(s)}%"
    if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
        return icon("open-folder")
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"{g.title()}: {s.state_text()}"
    if role == Qt.ItemDataRole.TextAlignmentRole and col in RIGHT_ALIGNED:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


def _group_percent(s: Any) -> int:
    if s.finished and s.state is TransferState.DONE:
        return 100
    return min(100, s.bytes_done * 100 // s.bytes_total) if s.bytes_total > 0 else 0
