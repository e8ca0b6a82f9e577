"""The record of one upload or download, as the TransferQueue updates it (no Qt).

A Transfer is mutated in place by its queue (state, progress, speed) and keeps its id across
retries; views read it and never write it.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from .errors import ObjectStoreError
from .sentences import describe_error
from .types import DEFAULT_CHUNK_SIZE, ObjectInfo, Progress

log = logging.getLogger(__name__)

SPEED_WINDOW = 3.0  # seconds of samples the speed is averaged over


class TransferKind(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"


class TransferState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"  # restored from the last session: waits for Resume


FINISHED = frozenset({TransferState.DONE, TransferState.FAILED, TransferState.CANCELLED})
ACTIVE = frozenset({TransferState.QUEUED, TransferState.RUNNING})


def error_message(exc: BaseException) -> str:
    """The user-facing reason: the core's sentence, or "unexpected error: ..." (logged)."""
    if isinstance(exc, ObjectStoreError | OSError):
        return describe_error(exc)
    log.error("transfer failed unexpectedly", exc_info=exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


@dataclass(eq=False)
class Transfer:
    """One upload or download; mutated in place by the queue as it progresses."""

    id: int
    kind: TransferKind
    bucket: str
    name: str
    local_path: Path
    size: int = 0
    description: str = ""
    chunk_size: int | None = None
    state: TransferState = TransferState.QUEUED
    error: str = ""
    # A remark from the last run that is no error: "resuming ... 60 % already downloaded",
    # or why it started over.
    note: str = ""
    # Failed because the connection dropped (not because of the request): worth retrying
    # by itself once the connection is back.
    dropped: bool = False
    progress: Progress = field(default_factory=lambda: Progress(0, 0, 0, 0))
    speed: float = 0.0  # bytes/s, averaged over the last few seconds
    started: datetime | None = None
    finished: datetime | None = None
    result: ObjectInfo | Path | None = None
    # An upload's source file as (size, mtime_ns) when first saved with the queue: a
    # resumed upload that finds it changed says so.
    source_stamp: tuple[int, int] | None = None
    _samples: deque[tuple[float, int]] = field(default_factory=deque, repr=False)

    @property
    def is_upload(self) -> bool:
        return self.kind is TransferKind.UPLOAD

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    @property
    def bytes_total(self) -> int:
        return max(self.progress.bytes_total, self.size)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current speed; None when unknown or not running."""
        if self.state is not TransferState.RUNNING or self.speed <= 0:
            return None
        return max(0.0, (self.bytes_total - self.progress.bytes_done) / self.speed)

    def _reset(self) -> None:
        self.state = TransferState.QUEUED
        self.error = ""
        self.note = ""
        self.dropped = False
        # An estimate for the "0 / N chunks" display; the core reports the real count.
        chunk = self.chunk_size or DEFAULT_CHUNK_SIZE
        chunks = -(-self.size // chunk) if self.is_upload else 0
        self.progress = Progress(0, chunks, 0, self.size)
        self.speed = 0.0
        self.started = self.finished = None
        self.result = None
        self._samples.clear()

    def _sample(self, now: float) -> None:
        done = self.progress.bytes_done
        samples = self._samples
        samples.append((now, done))
        while len(samples) > 2 and now - samples[0][0] > SPEED_WINDOW:
            samples.popleft()
        t0, b0 = samples[0]
        if now - t0 > 0:
            self.speed = (done - b0) / (now - t0)
