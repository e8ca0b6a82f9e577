"""Read stdin for an upload without blocking the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from typing import BinaryIO

READ_SIZE = 256 * 1024
QUEUE_DEPTH = 8  # at most this many reads wait for the uploader: bounded memory


def _read_function(stream: BinaryIO) -> Callable[[int], bytes]:
    # os.read on the descriptor, not the buffered object: a daemon thread left blocked in
    # a BufferedReader at exit would hold its lock and abort interpreter shutdown.
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream.read
    return lambda n: os.read(fd, n)


async def read_in_thread(stream: BinaryIO, size: int = READ_SIZE) -> AsyncIterator[bytes]:
    """The stream's bytes as they arrive, read on a daemon thread.

    A pipe read on the loop would stall acknowledgements, pings and Ctrl-C until the
    writer produced more; the thread never keeps the process alive after an interrupt.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(QUEUE_DEPTH)
    read = _read_function(stream)
    stop = threading.Event()

    def deliver(item: bytes | BaseException | None) -> bool:
        try:
            asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()
        except Exception:  # the loop is gone or the upload was abandoned
            return False
        return not stop.is_set()

    def pump() -> None:
        try:
            while True:
                data = read(size)
                if not data:
                    deliver(None)
                    return
                if not deliver(data):
                    return
        except BaseException as exc:
            deliver(exc)

    threading.Thread(target=pump, name="natsobj-stdin", daemon=True).start()
    try:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        # Unblock a pump waiting for room so it can notice the stop.
        while not queue.empty():
            queue.get_nowait()
