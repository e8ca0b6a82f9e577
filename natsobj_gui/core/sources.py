"""Turn what a caller wants to upload into a stream of chunks of at most `chunk_size`."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import BinaryIO, Protocol, Union

PutSource = Union[  # noqa: UP007 - readable in signatures and docs
    str,
    os.PathLike,
    bytes,
    bytearray,
    memoryview,
    BinaryIO,
    AsyncIterable[bytes],
    Iterable[bytes],
]


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def is_regular_path(path: str | os.PathLike) -> bool:
    """False for a FIFO, `<(command)`, a device or a socket: they stream, with no size."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # missing or unreadable: let the open report it


def source_size(source: PutSource) -> int | None:
    """The number of bytes a source will yield, when it can be known up front."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    if isinstance(source, (str, os.PathLike)):
        st = os.stat(source)  # one stat: a missing file fails here, as its open would
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        # 0 is also what /proc and /sys files report, whatever they hold: read to the end.
        return size or None
    if hasattr(source, "seek") and hasattr(source, "tell") and hasattr(source, "read"):
        try:
            pos = source.tell()  # type: ignore[union-attr]
            end = source.seek(0, os.SEEK_END)  # type: ignore[union-attr]
            source.seek(pos)  # type: ignore[union-attr]
            return end - pos
        except (OSError, ValueError):
            return None
    return None


async def _rechunk(parts: AsyncIterator[bytes], chunk_size: int) -> AsyncIterator[bytes]:
    buf = bytearray()
    async for part in parts:
        if not part:
            continue
        if not buf and len(part) == chunk_size:
            yield bytes(part)
            continue
        buf += part
        while len(buf) >= chunk_size:
            yield bytes(buf[:chunk_size])
            del buf[:chunk_size]
    if buf:
        yield bytes(buf)


async def _from_sync(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


# Reads a worker thread may run ahead of the upload: bounds its memory to a few chunks.
THREAD_QUEUE_DEPTH = 4


def is_fast_reader(reader: object) -> bool:
    """True for readers that never block for long: regular files and in-memory buffers."""
    if isinstance(reader, io.BytesIO):
        return True
    try:
        fd = reader.fileno()  # type: ignore[attr-defined]
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except (AttributeError, OSError, ValueError):
        return False  # no descriptor (a socket wrapper, a custom stream): assume it may wait


async def _from_reader(reader: _Readable, chunk_size: int) -> AsyncIterator[bytes]:
    while True:
        data = reader.read(chunk_size)
        if not data:
            return
        yield data


async def read_in_thread(reader: _Readable, chunk_size: int) -> AsyncIterator[bytes]:
    """The reader's bytes as they arrive, read on a daemon thread.

    A pipe, terminal or socket read on the loop would stall acknowledgements, pings,
    progress and cancellation until the writer produced more. The thread is a daemon, so
    a read still blocked after a cancel never keeps the process alive; it stops at its
    next delivery. For stdin pass an unbuffered file on its descriptor, not
    sys.stdin.buffer: a thread blocked inside a BufferedReader at exit holds its lock, and
    the interpreter aborts when it finalizes stdin.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
    # Bounds the read-ahead. Not a bounded asyncio.Queue fed by run_coroutine_threadsafe:
    # a put still scheduled when the loop closes (an exit after a signal) is dropped
    # unawaited, and Python prints a RuntimeWarning over the CLI's one-line error.
    slots = threading.Semaphore(THREAD_QUEUE_DEPTH)
    # read1 returns what a pipe has now instead of waiting to fill the whole request.
    read: Callable[[int], bytes] = getattr(reader, "read1", None) or reader.read
    stop = threading.Event()

    def deliver(item: bytes | BaseException | None) -> bool:
        while not slots.acquire(timeout=0.5):
            if stop.is_set():
                return False
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed
            return False
        return not stop.is_set()

    def pump() -> None:
        try:
            while True:
                data = read(chunk_size)
                if not data:
                    deliver(None)
                    return
                if not deliver(data):
                    return
        except BaseException as exc:
            deliver(exc)

    threading.Thread(target=pump, name="natsobj-reader", daemon=True).start()
    try:
        while True:
            item = await queue.get()
            slots.release()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        slots.release()  # a pump waiting for room notices the stop at once


async def _from_path(
    path: str | os.PathLike, chunk_size: int, offset: int = 0
) -> AsyncIterator[bytes]:
    """A regular file's chunks of exactly `chunk_size` bytes but the last.

    A regular file's read is short only at its end; one that is not (a file growing
    meanwhile) is filled up here, so no _rechunk layer runs per chunk.
    """
    with open(path, "rb", buffering=0) as f:
        if offset:
            f.seek(offset)
        read = f.read
        while data := read(chunk_size):
            while len(data) < chunk_size:
                more = read(chunk_size - len(data))
                if not more:
                    break
                data += more
            yield data


class _OpenOnRead:
    """A file opened by its first read, on the reading thread: a FIFO's open waits for a
    writer, which must not block the loop. The file closes when that thread lets go of it
    (closing it under a thread still blocked in a read could close a reused descriptor)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self._path = path
        self._file: io.FileIO | None = None

    def read(self, n: int = -1, /) -> bytes:
        if self._file is None:
            self._file = open(self._path, "rb", buffering=0)  # noqa: SIM115 - see above
        return self._file.read(n) or b""


def may_wait(source: PutSource) -> bool:
    """True for a source whose next chunk may take long: a pipe, a terminal, a stream."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return False
    if isinstance(source, (str, os.PathLike)):
        return not is_regular_path(source)
    if hasattr(source, "read"):
        return not is_fast_reader(source)
    return True  # an async or sync iterable of our caller's: assume it may


def iter_chunks(source: PutSource, chunk_size: int) -> AsyncIterator[bytes]:
    """Chunks of exactly `chunk_size` bytes but the last; none for empty input."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = bytes(source)
        return _from_sync(view[i : i + chunk_size] for i in range(0, len(view), chunk_size))
    if isinstance(source, (str, os.PathLike)):
        if not is_regular_path(source):  # streams like stdin, read on a thread
            return _rechunk(read_in_thread(_OpenOnRead(source), chunk_size), chunk_size)
        return _from_path(source, chunk_size)
    if hasattr(source, "read"):
        # Regular files are read inline (fast); anything that may wait, in a thread.
        reader = _from_reader if is_fast_reader(source) else read_in_thread
        return _rechunk(reader(source, chunk_size), chunk_size)  # type: ignore[arg-type]
    if hasattr(source, "__aiter__"):
        return _rechunk(aiter(source), chunk_size)  # type: ignore[arg-type]
    if hasattr(source, "__iter__"):
        return _rechunk(_from_sync(source), chunk_size)  # type: ignore[arg-type]
    raise TypeError(f"cannot upload from {type(source).__name__}")


class Reread:
    """A source whose chunks can be read again from any one: bytes, a regular file, or a
    seekable file object. A resumed put re-sends from the first chunk the stream lacks."""

    def __init__(
        self,
        source: PutSource,
        size: int,
        chunk_size: int,
        stamp: tuple[int, int, int] | None = None,
    ) -> None:
        self.source, self.size, self.chunk_size = source, size, chunk_size
        self._origin = 0
        self._stamp: tuple[int, int, int] | None = None
        if isinstance(source, (str, os.PathLike)):
            self._stamp = stamp or _stamp(source)
        elif not isinstance(source, (bytes, bytearray, memoryview)):
            self._origin = source.tell()  # type: ignore[union-attr]

    @classmethod
    def of(cls, source: PutSource, chunk_size: int) -> Reread | None:
        """The source as a Reread, or None for a stream (a pipe, stdin, an iterator).

        A file object has a size only when it can seek and tell.
        """
        if isinstance(source, (str, os.PathLike)):
            # One stat for size, kind and stamp: a folder of small files pays it per file.
            st = os.stat(source)
            if not stat.S_ISREG(st.st_mode) or not st.st_size:
                return None  # a FIFO streams; a size of 0 may be a /proc file
            return cls(source, st.st_size, chunk_size, (st.st_size, st.st_mtime_ns, st.st_ino))
        size = source_size(source)
        if not size or may_wait(source):
            return None  # a size of 0 may be a /proc file: it streams
        return cls(source, size, chunk_size)

    @property
    def chunks_total(self) -> int:
        return -(-self.size // self.chunk_size)

    def changed(self) -> bool:
        """True when a file was modified since the put began (its bytes may differ)."""
        return self._stamp is not None and _stamp(self.source) != self._stamp  # type: ignore[arg-type]

    def chunks(self, first: int) -> AsyncIterator[bytes]:
        """The chunks from index `first` on."""
        offset = first * self.chunk_size
        source, size = self.source, self.chunk_size
        if isinstance(source, (bytes, bytearray, memoryview)):
            view = bytes(source)
            return _from_sync(view[i : i + size] for i in range(offset, len(view), size))
        if isinstance(source, (str, os.PathLike)):
            return _from_path(source, size, offset)
        source.seek(self._origin + offset)  # type: ignore[union-attr]
        return _rechunk(_from_reader(source, size), size)  # type: ignore[arg-type]


def _stamp(path: str | os.PathLike) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino
