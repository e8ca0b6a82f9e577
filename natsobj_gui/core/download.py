"""Streaming get: ordered chunk reads into a file, a stream or nowhere, verified as they come."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from . import errors as E
from . import wire
from .connection import Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .partial import TEMP_GLOB, NoteCallback, Partial, open_partial, open_temp
from .transfer import ProgressCallback
from .types import ObjectInfo, Progress
from .workers import DoneBeforeCancel, run_to_end

DEFAULT_IDLE_TIMEOUT = 10.0
OUTAGE_ROOM = 1.0
# Failures that make a partial worthless (bad content, or gone with its bucket): it is
# deleted, not kept to resume from.
UNUSABLE = (
    E.DigestMismatchError,
    E.SizeMismatchError,
    E.MissingChunksError,
    E.BucketNotFoundError,
)
__all__ = [
    "TEMP_GLOB",
    "NoteCallback",
    "chunk_consumer",
    "get_to_file",
    "is_stream_target",
    "open_temp",
    "read_chunks",
]


class _Sink:
    """Where received chunks go: hashed and written inline, in order.

    A chunk arrives as a view of the socket's read buffer (chunk_consumer), valid only
    during `add`: it is hashed and written there and never kept.

    A worker thread for hashing and writing was measured slower here (hand-off and GIL
    cost more than they overlap on two cores), so only fsync/rename leave the loop. A
    hashing thread was no faster either, fed 1 MiB batches (256 MiB verify, A/B in one
    session: 0.59-0.70x of the raw-read ceiling inline, 0.60-0.71x threaded) or joined
    1 MiB blocks (child processes, 7 rounds at load ~6: 373 MB/s inline, 378 threaded, for
    0.08 s more CPU): nats-server keeps the other core busy sending, so there is no idle
    core to overlap with. Tried again once reads stopped copying (chunks now arrive as
    views, so no join; 8 rounds at load ~1.1, fresh buffers per read so the thread could
    keep them): 898 MB/s threaded vs 1019 inline, 0.29 s vs 0.22 s CPU. A resumed download
    starts from its kept partial's position and hash.
    """

    def __init__(self, out: BinaryIO | None, keep: Partial | None = None) -> None:
        self.out = out
        self.keep = keep
        self.sha = keep.sha if keep else hashlib.sha256()
        self.size = keep.state.bytes if keep else 0
        # Chunk messages received (empty ones too: some writers end with one, NATS.Net).
        self.received = keep.state.chunks if keep else 0
        self.chunks = self.received  # of them with data
        self.last_seq = keep.state.last_seq if keep else 0

    def add(self, data: bytes | memoryview, seq: int) -> None:
        self.received += 1
        self.last_seq = seq
        if data:
            self.sha.update(data)
            if self.out is not None:
                self.out.write(data)
            self.size += len(data)
            self.chunks += 1
        if self.keep is not None:
            self.checkpoint()

    def checkpoint(self, now: bool = False) -> None:
        assert self.keep is not None
        self.keep.record(self.size, self.received, self.last_seq, self.sha, now=now)


async def read_chunks(
    conn: Connection,
    info: ObjectInfo,
    out: BinaryIO | None,
    *,
    progress: ProgressCallback | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> None:
    """Stream the chunks of a resolved (non-link) object into `out` and verify them."""
    await _fill(conn, info, _Sink(out), progress, idle_timeout)


async def _fill(
    conn: Connection,
    info: ObjectInfo,
    sink: _Sink,
    progress: ProgressCallback | None,
    idle_timeout: float,
) -> None:
    """Receive what the sink lacks, then check the whole content's size and digest."""

    def on_msg(msg: JsMsg) -> bool:
        sink.add(msg.data, msg.stream_seq)
        if progress:
            total = max(info.chunks, sink.received)
            progress(Progress(sink.received, total, sink.size, max(info.size, sink.size)))
        return msg.pending == 0

    if info.size <= 0 and info.chunks <= 0:
        if progress:
            progress(Progress(0, 0, 0, 0))
    elif sink.received < info.chunks or sink.size < info.size or not sink.received:
        await _receive(conn, info, sink, on_msg, idle_timeout)
    elif progress:  # a kept partial that already had everything
        progress(Progress(sink.received, info.chunks, sink.size, info.size))
    if sink.size != info.size:
        if sink.size < info.size and sink.chunks < info.chunks:
            raise E.MissingChunksError(info.name, sink.chunks, info.chunks, 0)
        raise E.SizeMismatchError(info.name, info.size, sink.size)
    actual = wire.digest_string(sink.sha)
    if info.digest and not wire.digests_equal(info.digest, actual):
        raise E.DigestMismatchError(info.name, info.digest, actual)


def _lost(name: str) -> str:
    return f"the connection to the server was lost while downloading {name!r} and did not come back"


async def _receive(
    conn: Connection,
    info: ObjectInfo,
    sink: _Sink,
    on_msg: Callable[[JsMsg], bool],
    idle_timeout: float,
) -> None:
    """Read the chunks the sink lacks into `on_msg`, riding out a lost connection at start."""
    # A resumed download asks only for the chunks after the last one it kept.
    first = sink.last_seq + 1 if sink.last_seq else 0
    had = sink.received

    consumer = chunk_consumer(
        conn,
        info,
        on_msg,
        start_seq=first,
        idle_timeout=idle_timeout,
        # Less the watchdog's tick, so a get ends within the bound like a put does.
        outage_timeout=max(0.5, conn.profile.outage_timeout - OUTAGE_ROOM),
    )
    while True:
        try:
            pending = await consumer.start()
            break
        except Exception as exc:
            err = conn.translate(exc, bucket=info.bucket)
            if not isinstance(err, E.ConnectionLostError):
                raise err from exc
            # Nothing received yet (else a second start would repeat it): wait for the
            # connection within the bound and create the consumer again.
            if sink.received > had or not await conn.wait_back(conn.outage_left() - OUTAGE_ROOM):
                raise E.ConnectionLostError(_lost(info.name)) from exc
    if pending == 0:
        await consumer.close()
        return
    try:
        await consumer.wait()
    except OrderedConsumer.IdleTimeout:
        if conn.lost_for() is not None:
            raise E.ConnectionLostError(_lost(info.name)) from None
        raise E.MissingChunksError(info.name, sink.chunks, info.chunks, idle_timeout) from None


def chunk_consumer(
    conn: Connection,
    info: ObjectInfo,
    on_msg: Callable[[JsMsg], bool],
    *,
    start_seq: int = 0,
    idle_timeout: float | None = None,
    outage_timeout: float | None = None,
) -> OrderedConsumer:
    """An ordered consumer of an object's chunks, from stream sequence `start_seq` on (0:
    all of them); the bench's raw-read ceiling reads through the same one."""
    return OrderedConsumer(
        conn.nc,
        conn.jsm,
        wire.stream_name(info.bucket),
        wire.chunk_subject(info.bucket, info.nuid),
        on_msg,
        # Each chunk is hashed (and written) before on_msg returns: no copy is needed.
        views=True,
        deliver=Deliver.BY_START_SEQUENCE if start_seq else Deliver.ALL,
        start_seq=start_seq,
        idle_timeout=idle_timeout,
        outage_timeout=outage_timeout,
    )


def is_stream_target(dest: Path) -> bool:
    """True for an existing destination that is not a regular file (a device, a FIFO).

    Such a target is written into, never replaced: renaming a file over /dev/null would
    leave a regular file there for everyone.
    """
    try:
        mode = os.stat(dest).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


async def get_to_file(
    conn: Connection,
    info: ObjectInfo,
    dest: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    resume: bool = True,
    note: NoteCallback | None = None,
) -> Path:
    """Download into a part file beside `dest`, verify size and digest, then rename onto it.

    `dest` is untouched on any failure. An interrupted download keeps its part file, and
    the next one to the same `dest` continues it (unless `resume` is False); `note` hears
    why one starts over instead. A device or FIFO is streamed into directly (and verified
    on the way) instead.
    """
    dest = Path(dest)
    if is_stream_target(dest):
        return await _get_to_stream_target(conn, info, dest, progress, idle_timeout)
    keep = await open_partial(info, dest, resume=resume, note=note)
    sink = _Sink(keep.f, keep)
    kept = False
    try:
        with keep.f as f:
            try:
                await _fill(conn, info, sink, progress, idle_timeout)
            except BaseException as exc:
                # A nats-py error is typed by the caller: type it here to judge it.
                typed = conn.translate(exc, bucket=info.bucket) if _untyped(exc) else exc
                kept = keep.resumable and sink.size > 0 and not isinstance(typed, UNUSABLE)
                if kept:
                    sink.checkpoint(now=True)
                raise
            f.flush()
            # fsync of a large file takes long enough to stall a GUI loop: use a thread.
            await asyncio.to_thread(os.fsync, f.fileno())
        # The rename runs in a thread, which a cancel cannot stop: once it is under way the
        # download ends as done, and a cancel that came meanwhile says so.
        await run_to_end(_place(keep, dest), stopped=SavedBeforeCancel)
    except SavedBeforeCancel:
        raise
    except BaseException as exc:
        if not kept:
            keep.discard()  # ours: created exclusively, or checked to be ours
        if isinstance(exc, E.ConnectionLostError):
            again = "; the next get of it continues where this one stopped" if kept else ""
            _add_to_message(exc, f"{dest} was not changed{again}")
        raise
    return dest


class SavedBeforeCancel(DoneBeforeCancel):
    """A download cancelled while its verified file was renamed onto `dest`: it is there."""

    def __init__(self, dest: Path) -> None:
        super().__init__(dest, f"{dest} was saved before the cancel took effect")
        self.dest = dest


async def _place(keep: Partial, dest: Path) -> Path:
    """Rename the verified part file onto `dest`; its sidecar goes with it."""
    await asyncio.to_thread(os.replace, keep.path, dest)
    keep.finished()
    return dest


async def _get_to_stream_target(
    conn: Connection,
    info: ObjectInfo,
    dest: Path,
    progress: ProgressCallback | None,
    idle_timeout: float,
) -> Path:
    # No O_CREAT or O_TRUNC: the target exists and stays what it is. A FIFO's open waits
    # for its reader; it is polled without blocking so a cancel still ends the wait.
    flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    while True:
        try:
            fd = os.open(dest, flags)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: a FIFO with no reader yet
                raise
            await asyncio.sleep(0.1)
    os.set_blocking(fd, True)
    try:
        with os.fdopen(fd, "wb") as f:
            await read_chunks(conn, info, f, progress=progress, idle_timeout=idle_timeout)
    except E.ObjectStoreError as exc:
        _add_to_message(exc, f"what was written to {dest} cannot be trusted")
        raise
    return dest


def _untyped(exc: BaseException) -> bool:
    """An error not yet typed as the core's (nats-py's, which store.get_file translates)."""
    return isinstance(exc, Exception) and not isinstance(exc, E.ObjectStoreError)


def _add_to_message(exc: Exception, state: str) -> None:
    """Say what a failed download left behind, keeping the error's type."""
    exc.args = (f"{exc}; {state}",)
