"""Long async work as jobs with a handle: a final state, signals, cancel, keyed replacement.

Usage (the qasync loop must be the current loop)::

    runner = JobRunner(parent=window)
    job = runner.run(store.list(), key="listing")   # a new "listing" cancels the old one
    job.succeeded.connect(model.set_rows)            # result object
    job.failed.connect(status_bar.showMessage)       # human message
    job.cancelled.connect(...)
    job.done.connect(...)                            # after any of the three
    job.cancel()

    # closeEvent: runner.cancel_all(), then (in a coroutine) `await runner.shutdown()`.

Errors: ObjectStoreError and OSError give a sentence (core/sentences.py); anything else gives
"unexpected error: ..." and its traceback is logged. Signals are never emitted on a Job or
runner whose C++ object was already deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from .core.errors import ObjectStoreError
from .core.sentences import describe_error
from .qt_compat import is_alive, safe_emit

log = logging.getLogger(__name__)


class JobState(StrEnum):
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    CANCELLED = "cancelled"


def error_message(exc: BaseException) -> str:
    """A message for the user: the core's sentences (scrubbed), anything else flagged."""
    return describe_error(exc)


class Job(QObject):
    """One running coroutine: ends OK (result), ERROR (message) or CANCELLED."""

    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, task: asyncio.Task[Any], key: str | None = None) -> None:
        super().__init__()
        self.task = task
        self.key = key
        self.state = JobState.RUNNING
        self.result: Any = None
        self.error: str = ""
        self.exception: BaseException | None = None
        task.add_done_callback(self._finish)

    @property
    def running(self) -> bool:
        return self.state is JobState.RUNNING

    def cancel(self) -> None:
        """Ask the coroutine to stop; `cancelled` follows once it has cleaned up."""
        if not self.task.done():
            self.task.cancel()

    async def wait(self) -> JobState:
        """Wait for the end (without raising) and return the final state."""
        if not self.task.done():
            await asyncio.wait([self.task])
        # The done callback runs one loop step after the task completes.
        while self.state is JobState.RUNNING:
            await asyncio.sleep(0)
        return self.state

    def _finish(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self.state = JobState.CANCELLED
            safe_emit(self, self.cancelled)
        else:
            exc = task.exception()
            if exc is None:
                self.result = task.result()
                self.state = JobState.OK
                safe_emit(self, self.succeeded, self.result)
            else:
                self.exception = exc
                self.error = error_message(exc)
                if not isinstance(exc, ObjectStoreError | OSError):
                    log.error("job %s failed", self.key or task.get_name(), exc_info=exc)
                self.state = JobState.ERROR
                safe_emit(self, self.failed, self.error)
        safe_emit(self, self.done)


class JobRunner(QObject):
    """Starts jobs, keeps strong references until they end, cancels stale keyed jobs."""

    countChanged = Signal(int)  # number of running jobs, for a busy indicator

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: set[Job] = set()
        self._keyed: dict[str, Job] = {}

    def run(self, coro: Coroutine[Any, Any, Any], *, key: str | None = None) -> Job:
        """Start `coro` as a job; an unfinished job with the same key is cancelled."""
        if key is not None:
            old = self._keyed.get(key)
            if old is not None:
                old.cancel()
        task = asyncio.ensure_future(coro)
        job = Job(task, key)
        self._jobs.add(job)
        if key is not None:
            self._keyed[key] = job
        task.add_done_callback(lambda _t, j=job: self._forget(j))
        safe_emit(self, self.countChanged, len(self._jobs))
        return job

    def _forget(self, job: Job) -> None:
        self._jobs.discard(job)
        if job.key is not None and self._keyed.get(job.key) is job:
            del self._keyed[job.key]
        if is_alive(self):
            safe_emit(self, self.countChanged, len(self._jobs))

    def job(self, key: str) -> Job | None:
        """The unfinished job bound to `key`, if any."""
        return self._keyed.get(key)

    def jobs(self) -> list[Job]:
        """Unfinished jobs."""
        return list(self._jobs)

    def cancel(self, key: str) -> None:
        """Cancel the job bound to `key`, if any."""
        job = self._keyed.get(key)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        """Cancel every unfinished job (closeEvent)."""
        for job in list(self._jobs):
            job.cancel()

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything and wait (bounded) until the jobs have cleaned up."""
        self.cancel_all()
        tasks = [j.task for j in self._jobs if not j.task.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            if pending:
                log.warning("%d job(s) did not stop within %ss", len(pending), timeout)
        # Let the done callbacks (signals, bookkeeping) run.
        await asyncio.sleep(0)
