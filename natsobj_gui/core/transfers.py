"""A queue of uploads and downloads with a concurrency limit, progress, speed and ETA (no Qt).

Usage::

    queue = TransferQueue(client, limit=3, on_change=print)
    t = queue.upload("bucket", "/tmp/a.iso", "isos/a.iso", description="install image")
    queue.upload_paths("bucket", ["/home/me/photos"], prefix="backup/")   # folders expand
    queue.download("bucket", "isos/a.iso", safe_local_path(Path("~/Downloads"), "isos/a.iso"))
    queue.cancel(t.id); queue.retry(t.id); queue.clear_finished()
    await queue.wait_idle(); await queue.close()

Listeners (`subscribe(on_added=..., on_change=..., on_removed=...)`) are called on the loop
thread after every state or progress change; a Transfer record is mutated in place and keeps
its id across retries. The caller decides the overwrite policy before enqueueing. A
cancelled upload leaves nothing behind (the core purges its chunks); a cancelled download
keeps its partial file, which a retry (or another download to the same place) continues.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConnectionFailedError, NotConnectedError, ServerTimeoutError
from .queue_file import take_source_change
from .safe_path import safe_local_path
from .transfer_record import (
    ACTIVE,
    FINISHED,
    Transfer,
    TransferKind,
    TransferState,
    error_message,
)
from .types import ObjectInfo, ObjectMeta, Progress
from .uploads import PlannedUpload, plan_uploads
from .workers import DoneBeforeCancel

if TYPE_CHECKING:
    from .client import Client

# A small upload is bound by round trips, not bandwidth: this many of them share one slot
# of the limit (a folder drop of small files then runs 8 at once per slot). Their chunks
# (8 at most each) stay within one put's window.
SMALL_UPLOAD = 1024 * 1024
SMALL_PER_SLOT = 8
# Errors that mean the server could not be reached rather than that the request was wrong.
CONNECTION_ERRORS = (NotConnectedError, ConnectionFailedError, ServerTimeoutError)
log = logging.getLogger(__name__)

__all__ = [
    "ACTIVE",
    "FINISHED",
    "Transfer",
    "TransferKind",
    "TransferQueue",
    "TransferState",
    "safe_local_path",
]

RETRYABLE = frozenset({TransferState.FAILED, TransferState.CANCELLED, TransferState.PAUSED})
Listener = Callable[[Transfer], None]
RemovedListener = Callable[[list[Transfer]], None]


class TransferQueue:
    """Runs queued transfers through a Client, at most `limit` at a time.

    `client` may be None (or replaced later through the attribute): transfers that start
    while it is None fail with "not connected".
    """

    def __init__(
        self,
        client: Client | None,
        *,
        limit: int = 3,
        on_change: Listener | None = None,
        clock: Callable[[], float] = time.monotonic,
        small_size: int = SMALL_UPLOAD,
    ) -> None:
        self.client = client
        self._small_size = small_size
        self._limit = max(1, limit)
        self._clock = clock
        self._next_id = 1
        self._transfers: dict[int, Transfer] = {}
        self._order: deque[int] = deque()  # queued ids, in start order
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._weights: dict[int, int] = {}  # running ids: SMALL_PER_SLOT per whole slot
        self._added: list[Listener] = []
        self._changed: list[Listener] = [on_change] if on_change else []
        self._removed: list[RemovedListener] = []
        self._idle = asyncio.Event()
        self._idle.set()

    # -- listeners -----------------------------------------------------------------------

    def subscribe(
        self,
        *,
        on_added: Listener | None = None,
        on_change: Listener | None = None,
        on_removed: RemovedListener | None = None,
    ) -> Callable[[], None]:
        """Register listeners; returns a function that unregisters them."""
        pairs = [(self._added, on_added), (self._changed, on_change), (self._removed, on_removed)]
        for lst, fn in pairs:
            if fn is not None:
                lst.append(fn)

        def unsubscribe() -> None:
            for lst, fn in pairs:
                if fn is not None and fn in lst:
                    lst.remove(fn)

        return unsubscribe

    def _emit(self, listeners: list, arg: object) -> None:
        for fn in list(listeners):
            try:
                fn(arg)
            except Exception:
                # A broken view must not stop the transfers.
                log.exception("transfer listener failed")

    # -- queries -------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, n: int) -> None:
        self._limit = max(1, int(n))
        self._pump()

    def transfers(self) -> list[Transfer]:
        """All records, oldest first."""
        return list(self._transfers.values())

    def get(self, tid: int) -> Transfer | None:
        return self._transfers.get(tid)

    def running(self) -> list[Transfer]:
        return [t for t in self._transfers.values() if t.state is TransferState.RUNNING]

    @property
    def active(self) -> int:
        """Queued plus running."""
        return sum(1 for t in self._transfers.values() if t.state in ACTIVE)

    # -- enqueue -------------------------------------------------------------------------

    def _add(self, t: Transfer) -> Transfer:
        t._reset()
        self._transfers[t.id] = t
        self._order.append(t.id)
        self._emit(self._added, t)
        self._pump()
        return t

    def _new_id(self) -> int:
        tid, self._next_id = self._next_id, self._next_id + 1
        return tid

    def upload(
        self,
        bucket: str,
        path: str | os.PathLike[str],
        name: str,
        *,
        description: str = "",
        chunk_size: int | None = None,
        size: int | None = None,
    ) -> Transfer:
        """Queue one file to be stored as `bucket`/`name`."""
        path = Path(path)
        if size is None:
            try:
                size = path.stat().st_size
            except OSError:
                size = 0  # reported as a failure when it runs
        return self._add(
            Transfer(
                self._new_id(),
                TransferKind.UPLOAD,
                bucket,
                name,
                path,
                size=size,
                description=description,
                chunk_size=chunk_size,
            )
        )

    def upload_planned(
        self,
        bucket: str,
        planned: Iterable[PlannedUpload],
        *,
        description: str = "",
        chunk_size: int | None = None,
    ) -> list[Transfer]:
        """Queue uploads planned by `plan_uploads` (which may run in a thread)."""
        return [
            self.upload(
                bucket,
                p.path,
                p.name,
                description=description,
                chunk_size=chunk_size,
                size=p.size,
            )
            for p in planned
        ]

    def upload_paths(
        self,
        bucket: str,
        paths: Iterable[str | os.PathLike[str]],
        prefix: str = "",
        *,
        description: str = "",
        chunk_size: int | None = None,
    ) -> list[Transfer]:
        """Queue files and folders (expanded to their files) under a folder prefix."""
        return self.upload_planned(
            bucket,
            plan_uploads(paths, prefix),
            description=description,
            chunk_size=chunk_size,
        )

    def download(
        self, bucket: str, name: str, dest: str | os.PathLike[str], *, size: int = 0
    ) -> Transfer:
        """Queue `bucket`/`name` to be written to the local file `dest`."""
        return self._add(
            Transfer(self._new_id(), TransferKind.DOWNLOAD, bucket, name, Path(dest), size=size)
        )

    def download_to(self, bucket: str, info: ObjectInfo, root: str | os.PathLike[str]) -> Transfer:
        """Queue a download into folder `root`, at a path made safe from the object name."""
        dest = safe_local_path(Path(root), info.name)
        return self.download(bucket, info.name, dest, size=info.size)

    # -- control -------------------------------------------------------------------------

    def cancel(self, tid: int) -> None:
        """Stop a queued or running transfer; it ends CANCELLED."""
        t = self._transfers.get(tid)
        if t is None or t.is_finished:
            return
        task = self._tasks.get(tid)
        if task is not None:
            task.cancel()  # _run records CANCELLED once the core has cleaned up
            return
        if tid in self._order:
            self._order.remove(tid)
        t.state = TransferState.CANCELLED
        t.finished = datetime.now(UTC)
        self._emit(self._changed, t)
        self._update_idle()

    def cancel_all(self) -> None:
        """Cancel every queued and running transfer (queued ones first, so none starts)."""
        queued = [tid for tid in self._order]
        for tid in queued:
            self.cancel(tid)
        for tid in list(self._tasks):
            self.cancel(tid)

    def retry(self, tid: int) -> bool:
        """Queue a failed, cancelled or paused transfer again (same id); False if not."""
        t = self._transfers.get(tid)
        if t is None or t.state not in RETRYABLE:
            return False
        t._reset()
        self._order.append(tid)
        self._emit(self._changed, t)
        self._pump()
        return True

    def restore(self, t: Transfer) -> Transfer:
        """Add a transfer saved by the last session, paused (Resume queues it)."""
        t.id = self._new_id()
        t.state = TransferState.PAUSED
        self._transfers[t.id] = t
        self._emit(self._added, t)
        return t

    def resume_paused(self) -> int:
        """Queue every paused transfer; returns how many."""
        ids = [t.id for t in self._transfers.values() if t.state is TransferState.PAUSED]
        return sum(self.retry(tid) for tid in ids)

    def retry_failed(self) -> int:
        """Retry every failed transfer; returns how many."""
        ids = [t.id for t in self._transfers.values() if t.state is TransferState.FAILED]
        return sum(self.retry(tid) for tid in ids)

    def clear_finished(self) -> list[Transfer]:
        """Forget done, failed and cancelled transfers; returns them."""
        gone = [t for t in self._transfers.values() if t.is_finished]
        for t in gone:
            del self._transfers[t.id]
        if gone:
            self._emit(self._removed, gone)
        return gone

    async def wait_idle(self) -> None:
        """Wait until nothing is queued or running."""
        await self._idle.wait()

    async def close(self) -> None:
        """Cancel everything and wait for the cleanups (purges, temp file removal)."""
        self.cancel_all()
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks)

    # -- running -------------------------------------------------------------------------

    def _update_idle(self) -> None:
        if self._order or self._tasks:
            self._idle.clear()
        else:
            self._idle.set()

    def _weight(self, t: Transfer) -> int:
        """The share of a slot a transfer takes: a whole one, or one small upload's part."""
        return 1 if t.is_upload and t.size <= self._small_size else SMALL_PER_SLOT

    def _pump(self) -> None:
        # In queue order: a transfer that does not fit waits, and so does everything after.
        while self._order:
            tid = self._order[0]
            t = self._transfers.get(tid)
            if t is None or t.state is not TransferState.QUEUED:
                self._order.popleft()
                continue
            weight = self._weight(t)
            if sum(self._weights.values()) + weight > self._limit * SMALL_PER_SLOT:
                break
            self._order.popleft()
            self._weights[tid] = weight
            t.state = TransferState.RUNNING
            t.started = datetime.now(UTC)
            t._samples.append((self._clock(), 0))
            task = asyncio.ensure_future(self._run(t))
            self._tasks[tid] = task
            task.add_done_callback(lambda tk, t=t: self._task_done(t, tk))
            self._emit(self._changed, t)
        self._update_idle()

    def _on_progress(self, t: Transfer, p: Progress) -> None:
        if t.state is not TransferState.RUNNING:
            return
        t.progress = p
        t._sample(self._clock())
        self._emit(self._changed, t)

    def _note(self, t: Transfer, text: str) -> None:
        t.note = text
        self._emit(self._changed, t)

    async def _run(self, t: Transfer) -> None:
        def progress(p: Progress) -> None:
            self._on_progress(t, p)

        reconnects = self._reconnects()
        try:
            if self.client is None:
                raise NotConnectedError()
            store = self.client.store(t.bucket)
            if t.is_upload:
                if changed := take_source_change(t):
                    self._note(t, changed)
                meta = ObjectMeta(t.name, t.description)
                t.result = await store.put(
                    meta, t.local_path, chunk_size=t.chunk_size, progress=progress
                )
            else:
                await asyncio.to_thread(t.local_path.parent.mkdir, parents=True, exist_ok=True)
                t.result = await store.get_file(
                    t.name, t.local_path, progress=progress, note=lambda s: self._note(t, s)
                )
        except DoneBeforeCancel as stop:
            # Stored or saved before the cancel took effect: the row says what is true.
            t.result = stop.result
            self._done(t)
        except asyncio.CancelledError:
            t.state = TransferState.CANCELLED
        except Exception as exc:
            t.state = TransferState.FAILED
            t.error = error_message(exc)
            t.dropped = isinstance(exc, CONNECTION_ERRORS) or self._reconnects() != reconnects
        else:
            self._done(t)
        finally:
            self._end(t)

    @staticmethod
    def _done(t: Transfer) -> None:
        t.state = TransferState.DONE
        # Show a full bar even when the last progress call was coalesced or absent.
        if isinstance(t.result, ObjectInfo):
            n, size = t.result.chunks, t.result.size
        else:
            n = max(t.progress.chunks_total, t.progress.chunks_done)
            size = t.progress.bytes_total
        t.progress = Progress(n, n, size, size)

    def _reconnects(self) -> int:
        """How often the connection was lost so far (-1 while it is down, or no client)."""
        nc = self.client.conn.nc if self.client is not None else None
        if nc is None or not nc.is_connected:
            return -1
        return int(nc.stats.get("reconnects", 0))

    def _end(self, t: Transfer) -> None:
        t.finished = datetime.now(UTC)
        if t.state is TransferState.RUNNING:  # BaseException other than cancel
            t.state = TransferState.CANCELLED
        self._tasks.pop(t.id, None)
        self._weights.pop(t.id, None)
        self._emit(self._changed, t)
        self._pump()

    def _task_done(self, t: Transfer, task: asyncio.Task[None]) -> None:
        # A task cancelled before its first step never enters _run's try/finally.
        if self._tasks.get(t.id) is task:
            self._end(t)
