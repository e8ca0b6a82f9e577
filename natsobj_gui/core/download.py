"""Streaming get: ordered chunk reads into a file, a stream or nowhere, verified as they come."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

from . import errors as E
from . import wire
from .connection import Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .transfer import ProgressCallback
from .types import ObjectInfo, Progress

DEFAULT_IDLE_TIMEOUT = 10.0
OUTAGE_ROOM = 1.0


class _Sink:
    """Where received chunks go: hashed and written inline, in order.

    A worker thread for hashing and writing was measured slower here (hand-off and GIL
    cost more than they overlap on two cores), so only fsync/rename leave the loop.
    """

    def __init__(self, out: BinaryIO | None) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0
        self.chunks = 0

    def add(self, data: bytes) -> None:
        self.sha.update(data)
        if self.out is not None:
            self.out.write(data)
        self.size += len(data)
        self.chunks += 1


async def read_chunks(
    conn: Connection,
    info: ObjectInfo,
    out: BinaryIO | None,
    *,
    progress: ProgressCallback | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> None:
    """Stream the chunks of a resolved (non-link) object into `out` and verify them."""
    sink = _Sink(out)
    await _receive(conn, info, sink, progress, idle_timeout)
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
    progress: ProgressCallback | None,
    idle_timeout: float,
) -> None:
    if info.size <= 0 and info.chunks <= 0:
        if progress:
            progress(Progress(0, 0, 0, 0))
        return

    received = 0

    def on_msg(msg: JsMsg) -> bool:
        nonlocal received
        received += 1  # empty chunks count too: some writers end with one (NATS.Net)
        if msg.data:
            sink.add(msg.data)
        if progress:
            total = max(info.chunks, received)
            progress(Progress(received, total, sink.size, max(info.size, sink.size)))
        return msg.pending == 0

    consumer = OrderedConsumer(
        conn.nc,
        conn.jsm,
        wire.stream_name(info.bucket),
        wire.chunk_subject(info.bucket, info.nuid),
        on_msg,
        deliver=Deliver.ALL,
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
            if sink.chunks or not await conn.wait_back(conn.outage_left() - OUTAGE_ROOM):
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


# Downloads land in `.natsobj-<8 hex>.tmp` beside the destination: short, so a name that
# fits the file system still does with its temp file, and never a name a user may own.
TEMP_PREFIX = ".natsobj-"
TEMP_SUFFIX = ".tmp"
TEMP_GLOB = f"{TEMP_PREFIX}*{TEMP_SUFFIX}"
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL  # never an existing file, nor a symlink planted under the name
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def open_temp(folder: Path) -> tuple[Path, BinaryIO]:
    """A new file of our own in `folder`, created exclusively under a unique short name."""
    for _ in range(20):
        tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            fd = os.open(tmp, _TEMP_FLAGS, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        except OSError as exc:
            # Name the folder, not our temp file: that is what the user can fix.
            reason = (exc.strerror or type(exc).__name__).lower()
            raise type(exc)(exc.errno, f"cannot create a file in {folder}: {reason}") from None
        return tmp, os.fdopen(fd, "wb")
    raise FileExistsError(f"cannot create a temporary file in {folder}")


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
) -> Path:
    """Download into a temp file beside `dest`, verify size and digest, then rename onto it.

    `dest` is untouched on any failure. A device or FIFO is streamed into directly (and
    verified on the way) instead.
    """
    dest = Path(dest)
    if is_stream_target(dest):
        return await _get_to_stream_target(conn, info, dest, progress, idle_timeout)
    tmp, f = open_temp(dest.parent)
    try:
        with f:
            await read_chunks(conn, info, f, progress=progress, idle_timeout=idle_timeout)
            f.flush()
            # fsync of a large file takes long enough to stall a GUI loop: use a thread.
            await asyncio.to_thread(os.fsync, f.fileno())
        await asyncio.to_thread(os.replace, tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()  # ours: created exclusively above
        if isinstance(exc, E.ConnectionLostError):
            _add_to_message(exc, f"{dest} was not changed")
        raise
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


def _add_to_message(exc: Exception, state: str) -> None:
    """Say what a failed download left behind, keeping the error's type."""
    exc.args = (f"{exc}; {state}",)
