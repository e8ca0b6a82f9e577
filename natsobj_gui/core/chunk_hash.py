"""SHA-256 of a transfer's chunks, on a worker thread once the transfer is big enough."""

from __future__ import annotations

import asyncio
import hashlib
import queue
import threading
from concurrent.futures import Future
from typing import Any

# Hashed inline up to this many bytes: a small transfer does not pay for a thread.
THREAD_AFTER = 4 << 20
# The thread gets one contiguous block of about this many bytes at a time: each update
# returns to the GIL, which a busy loop holds for up to a switch interval, so one update
# per 128 KiB chunk left the thread waiting more than hashing. The join costs a tenth.
BLOCK = 1 << 20
# Blocks handed to the thread and not hashed yet, at most: memory stays flat, and the loop
# waits (a few milliseconds at most) only when the thread fell that far behind.
AHEAD = 4


class ChunkHash:
    """Feeds chunks, in order, to one SHA-256 (`sha`), on a daemon thread after the first
    THREAD_AFTER bytes.

    hashlib lets go of the GIL for buffers over 2 KiB, so the thread hashes while the loop
    reads, frames and writes the next chunks (a quarter to a half of a transfer's CPU time
    is the hash). `block` is how many bytes to join per hand-off (0: each chunk as it is,
    for a loop that lets go of the GIL at every chunk anyway, like a put reading a file),
    `ahead` how many hand-offs may wait. `hexdigest` and `finish` wait for the thread.
    """

    def __init__(
        self, sha: Any = None, *, block: int | None = None, ahead: int | None = None
    ) -> None:
        self.sha = sha if sha is not None else hashlib.sha256()
        self._inline_left = THREAD_AFTER
        self._queue: queue.SimpleQueue[Any] | None = None
        self._room = threading.Semaphore(AHEAD if ahead is None else ahead)
        self._failed: BaseException | None = None
        self._batch: list[bytes] = []
        self._batch_bytes = 0
        self._block = BLOCK if block is None else block
        self.thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        """Add the next chunk (hashed later, in order, when a thread runs)."""
        if self._queue is None:
            if self._inline_left > 0:
                self.sha.update(data)
                self._inline_left -= len(data)
                return
            self._start()
        self._batch.append(data)
        self._batch_bytes += len(data)
        if self._batch_bytes >= self._block:
            self._hand_off()

    def _hand_off(self) -> None:
        batch = self._batch
        if not batch or self._queue is None:
            return
        block = batch[0] if len(batch) == 1 else b"".join(batch)
        self._batch, self._batch_bytes = [], 0
        self._room.acquire()
        self._queue.put(block)

    def hexdigest(self) -> str:
        """The hex digest of every chunk added so far."""
        self._sync()
        return self.sha.hexdigest()

    async def finish(self) -> Any:
        """Wait (off the loop) until every chunk added is hashed; returns `sha`."""
        if self._queue is not None:
            self._hand_off()
            done: Future[None] = Future()
            self._queue.put(done)
            await asyncio.wrap_future(done)
        self._check()
        return self.sha

    def close(self) -> None:
        """Stop the thread (chunks still queued are dropped: the hash is not wanted)."""
        if self._queue is not None:
            self._queue.put(None)
            self._queue = None
            self._batch = []

    def _start(self) -> None:
        self._queue = queue.SimpleQueue()
        self.thread = threading.Thread(
            target=self._run, args=(self._queue,), name="natsobj-hash", daemon=True
        )
        self.thread.start()

    def _sync(self) -> None:
        if self._queue is not None:
            self._hand_off()
            done: Future[None] = Future()
            self._queue.put(done)
            done.result()
        self._check()

    def _check(self) -> None:
        if self._failed is not None:
            raise self._failed

    def _run(self, items: queue.SimpleQueue[Any]) -> None:
        update, room = self.sha.update, self._room
        while True:
            item = items.get()
            if item is None:
                return
            if isinstance(item, Future):
                item.set_result(None)
                continue
            try:
                update(item)
            except BaseException as exc:  # never seen; reported by finish, not lost
                self._failed = exc
            room.release()
