"""SHA-256 of a put's chunks, on a worker thread once the put is big enough."""

from __future__ import annotations

import asyncio
import hashlib
import queue
import threading
from concurrent.futures import Future
from typing import Any

# Hashed inline up to this many bytes: a small put does not pay for a thread.
THREAD_AFTER = 4 << 20
# Chunks handed to the thread and not hashed yet, at most: memory stays flat, and the loop
# waits (a few milliseconds at most) only when the thread fell that far behind.
AHEAD = 32


class ChunkHash:
    """Feeds chunks, in order, to one SHA-256 (`sha`), on a daemon thread after the first
    THREAD_AFTER bytes.

    hashlib lets go of the GIL for buffers over 2 KiB, so the thread hashes while the loop
    reads the file and writes the frames; the loop lets go of the GIL at each read and
    socket write, so the thread gets it back soon after each chunk. `finish` waits for it.
    """

    def __init__(self, sha: Any = None) -> None:
        self.sha = sha if sha is not None else hashlib.sha256()
        self._inline_left = THREAD_AFTER
        self._queue: queue.SimpleQueue[Any] | None = None
        # Chunks queued and chunks hashed: two counters, not a Semaphore, whose acquire and
        # release run a Condition in Python for every chunk on both threads. Each counter
        # has one writer; the GIL orders the reads.
        self._queued = self._hashed = 0
        self._waiting = False  # the loop waits for room: the thread wakes it
        self._room = threading.Event()
        self._failed: BaseException | None = None
        self.thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        """Add the next chunk (hashed later, in order, once the thread runs)."""
        if self._queue is None:
            if self.thread is not None:
                return  # closed: the hash is not wanted
            if self._inline_left > 0:
                self.sha.update(data)
                self._inline_left -= len(data)
                return
            self._start()
        assert self._queue is not None
        if self._queued - self._hashed >= AHEAD:
            self._wait_for_room()
        self._queued += 1
        self._queue.put(data)

    def _wait_for_room(self) -> None:
        """Block until the thread is less than AHEAD chunks behind (milliseconds at most)."""
        self._waiting = True
        try:
            while True:
                self._room.clear()  # before the check: a chunk hashed after it sets it again
                if self._queued - self._hashed < AHEAD or self._failed is not None:
                    return
                self._room.wait(0.1)
        finally:
            self._waiting = False

    async def finish(self) -> Any:
        """Wait (off the loop) until every chunk added is hashed; returns `sha`."""
        if self._queue is not None:
            done: Future[None] = Future()
            self._queue.put(done)
            await asyncio.wrap_future(done)
        if self._failed is not None:
            raise self._failed
        return self.sha

    def close(self) -> None:
        """Stop the thread (chunks still queued are dropped: the hash is not wanted)."""
        if self._queue is not None:
            self._queue.put(None)
            self._queue = None

    def _start(self) -> None:
        self._queue = queue.SimpleQueue()
        self.thread = threading.Thread(
            target=self._run, args=(self._queue,), name="natsobj-hash", daemon=True
        )
        self.thread.start()

    def _run(self, items: queue.SimpleQueue[Any]) -> None:
        update = self.sha.update
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
            self._hashed += 1
            if self._waiting:
                self._room.set()
