"""A folder transfer as one row: its files' transfers and their aggregate progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.transfers import Transfer, TransferState
from ..formatting import count_text


@dataclass(frozen=True)
class GroupSummary:
    """The sums a folder row shows, computed once per change of its members."""

    files: int
    bytes_done: int
    bytes_total: int
    chunks_done: int
    chunks_total: int
    speed: float  # bytes/s of the running members together
    states: dict[TransferState, int]
    seconds: float | None  # first start to last end, once every member has finished

    @property
    def finished(self) -> bool:
        active = self.states.get(TransferState.QUEUED, 0) + self.states.get(
            TransferState.RUNNING, 0
        )
        return active == 0

    @property
    def state(self) -> TransferState:
        """The state a reader takes the folder to be in."""
        for s in (TransferState.RUNNING, TransferState.QUEUED, TransferState.FAILED):
            if self.states.get(s):
                return s
        if self.states.get(TransferState.CANCELLED):
            return TransferState.CANCELLED
        return TransferState.DONE

    def state_text(self) -> str:
        """'done', or the count per state: '3 running, 5 done, 1 failed'."""
        if self.states.get(TransferState.DONE, 0) == self.files:
            return "done"
        order = (
            TransferState.RUNNING,
            TransferState.QUEUED,
            TransferState.DONE,
            TransferState.FAILED,
            TransferState.CANCELLED,
        )
        return ", ".join(f"{self.states[s]} {s.value}" for s in order if self.states.get(s))


@dataclass(eq=False)
class TransferGroup:
    """The transfers of one folder upload or download (one row that expands to its files)."""

    id: int
    label: str  # the folder, as the user named it
    members: list[Transfer] = field(default_factory=list)
    _summary: GroupSummary | None = None

    @property
    def is_upload(self) -> bool:
        return bool(self.members) and self.members[0].is_upload

    def title(self) -> str:
        return f"{self.label} ({count_text(len(self.members), 'file')})"

    def changed(self) -> None:
        self._summary = None

    def summary(self) -> GroupSummary:
        if self._summary is None:
            self._summary = summarize(self.members)
        return self._summary


def summarize(members: list[Transfer]) -> GroupSummary:
    """Add up a group's transfers."""
    states: dict[TransferState, int] = {}
    done = total = chunks_done = chunks_total = 0
    speed = 0.0
    for t in members:
        states[t.state] = states.get(t.state, 0) + 1
        total += t.bytes_total
        done += t.bytes_total if t.state is TransferState.DONE else t.progress.bytes_done
        chunks_done += t.progress.chunks_done
        chunks_total += t.progress.chunks_total
        if t.state is TransferState.RUNNING:
            speed += t.speed
    seconds = None
    if members and all(t.is_finished for t in members):
        starts = [t.started for t in members if t.started is not None]
        ends = [t.finished for t in members if t.finished is not None]
        if starts and ends:
            seconds = max(0.0, (max(ends) - min(starts)).total_seconds())
    return GroupSummary(
        len(members), done, total, chunks_done, chunks_total, speed, states, seconds
    )
