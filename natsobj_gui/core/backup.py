"""Whole-bucket backup and restore through the server's stream snapshot API (no Qt).

A backup file is our own small envelope around the server's snapshot (an s2-compressed tar
that carries the server's own checksums):

    NATSOBJ-BACKUP 1\\n
    {one line of JSON: bucket, stream config and state at snapshot time}\\n
    <the snapshot bytes, exactly as the server sent them>
    NATSOBJ-SHA256 <64 hex> <16 digits: snapshot length>\\n

The trailer's SHA-256 covers every byte before it, so a corrupt or truncated file is found
before anything is sent to a server. Files are written to an exclusive temporary name and
renamed into place only once complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import nats.js.errors

from . import errors as E
from . import wire
from .buckets import BucketInfo, Buckets, bucket_info
from .connection import Connection
from .partial import _hash_prefix, open_temp
from .types import Progress

MAGIC = b"NATSOBJ-BACKUP 1\n"
TRAILER_TAG = b"NATSOBJ-SHA256 "
TRAILER_LEN = len(TRAILER_TAG) + 64 + 1 + 16 + 1
MAX_HEADER = 16 * 1024 * 1024  # a stream config is a few KiB; anything bigger is not ours
SNAPSHOT_CHUNK = 128 * 1024
RESTORE_WINDOW = 8  # restore chunks in flight: hides round trips, bounded memory
IDLE_TIMEOUT = 30.0  # no snapshot chunk for this long: the server gave up
FINISH_TIMEOUT = 120.0  # the server unpacks and checks the whole snapshot before answering

ProgressCallback = Callable[[Progress], None]


class BackupFileError(E.ObjectStoreError):
    """A backup file that is not ours, truncated or corrupt; nothing was restored."""


@dataclass(frozen=True)
class BackupHeader:
    """What a backup file says about itself (read and verified before any restore)."""

    bucket: str
    config: dict[str, Any]
    state: dict[str, Any]
    snapshot_offset: int  # where the snapshot bytes start in the file
    snapshot_size: int
    sha256: str  # hex, over every byte before the trailer

    @property
    def messages(self) -> int:
        return int(self.state.get("messages") or 0)

    @property
    def bytes(self) -> int:
        return int(self.state.get("bytes") or 0)


def _trailer(sha: str, size: int) -> bytes:
    return TRAILER_TAG + sha.encode() + b" " + f"{size:016d}".encode() + b"\n"


def read_header(path: str | os.PathLike[str]) -> BackupHeader:
    """Parse a backup file's header and trailer and check its SHA-256 (blocking: use a thread)."""
    path = Path(path)
    name = path.name
    try:
        total = path.stat().st_size
        f = path.open("rb")
    except FileNotFoundError:
        raise BackupFileError(f"backup file {name} does not exist") from None
    with f:
        if f.read(len(MAGIC)) != MAGIC:
            raise BackupFileError(f"{name} is not a natsobj backup file")
        line = f.readline(MAX_HEADER)
        if not line.endswith(b"\n"):
            raise BackupFileError(f"backup file {name} is truncated or corrupt (no header)")
        try:
            doc = json.loads(line)
            bucket = wire.validate_bucket(str(doc["bucket"]))
            config, state = doc["config"], doc["state"]
            if not isinstance(config, dict) or not isinstance(state, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError, E.InvalidNameError):
            raise BackupFileError(f"backup file {name} is corrupt (unreadable header)") from None
        offset = len(MAGIC) + len(line)
        if total < offset + TRAILER_LEN:
            raise BackupFileError(f"backup file {name} is truncated: it ends before its checksum")
        f.seek(total - TRAILER_LEN)
        trailer = f.read(TRAILER_LEN)
        try:
            if not trailer.startswith(TRAILER_TAG) or not trailer.endswith(b"\n"):
                raise ValueError
            sha, size_text = trailer[len(TRAILER_TAG) : -1].decode("ascii").split(" ")
            size = int(size_text)
            bytes.fromhex(sha)
        except ValueError:
            raise BackupFileError(
                f"backup file {name} is truncated or corrupt: its checksum trailer is missing"
            ) from None
        if size != total - offset - TRAILER_LEN:
            raise BackupFileError(
                f"backup file {name} is truncated or corrupt: it holds "
                f"{total - offset - TRAILER_LEN:,} snapshot bytes, its trailer says {size:,}"
            )
        h, have = _hash_prefix(f, total - TRAILER_LEN)
        if have < total - TRAILER_LEN:
            raise BackupFileError(f"backup file {name} changed while it was checked")
    if h.hexdigest() != sha:
        raise BackupFileError(f"backup file {name} is corrupt: its SHA-256 does not match")
    return BackupHeader(bucket, config, state, offset, size, sha)


async def verify(path: str | os.PathLike[str]) -> BackupHeader:
    """Read and check a backup file without blocking the event loop."""
    return await asyncio.to_thread(read_header, path)


@dataclass(frozen=True)
class BackupResult:
    """A finished backup."""

    bucket: str
    path: Path
    size: int  # bytes of the whole file
    snapshot_size: int
    messages: int
    sha256: str


async def _stream_info(conn: Connection, bucket: str) -> dict[str, Any] | None:
    try:
        return await conn.api(f"STREAM.INFO.{wire.stream_name(bucket)}", bucket=bucket)
    except E.BucketNotFoundError:
        return None


async def backup(
    conn: Connection,
    bucket: str,
    dest: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    chunk_size: int = SNAPSHOT_CHUNK,
) -> BackupResult:
    """Write a snapshot of the bucket's stream to `dest`; `dest` appears only when complete."""
    wire.validate_bucket(bucket)
    dest = Path(dest)
    if dest.is_dir():
        raise E.ObjectStoreError(f"{dest} is a folder: give a file name for the backup")
    if dest.exists() and not overwrite:
        raise E.ObjectStoreError(f"{dest} already exists")
    await Buckets(conn).status(bucket)  # a missing bucket fails with its own sentence
    tmp, f = open_temp(dest.parent)  # exclusive, never through a planted link
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def on_msg(msg: Any) -> None:
        queue.put_nowait(msg)

    sub = await conn.nc.subscribe(conn.nc.new_inbox(), cb=on_msg)
    try:
        with f:
            request = {
                "deliver_subject": sub.subject,
                "chunk_size": chunk_size,
                # Consumers are not part of a bucket: watchers and listings make their own.
                "no_consumers": True,
            }
            resp = await conn.api(
                f"STREAM.SNAPSHOT.{wire.stream_name(bucket)}", request, bucket=bucket
            )
            state = resp.get("state") or {}
            header = {"bucket": bucket, "config": resp.get("config") or {}, "state": state}
            sha = hashlib.sha256()
            for part in (MAGIC, json.dumps(header, separators=(",", ":")).encode() + b"\n"):
                f.write(part)
                sha.update(part)
            size, chunks = await _receive(conn, queue, f, sha, state, progress)
            f.write(_trailer(sha.hexdigest(), size))
            f.flush()
            # fsync of a large file takes long enough to stall a GUI loop: use a thread.
            await asyncio.to_thread(os.fsync, f.fileno())
        if dest.exists() and not overwrite:
            raise E.ObjectStoreError(f"{dest} already exists")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        # Unsubscribing tells the server nobody listens: it stops a snapshot we abandon.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    if progress is not None:
        progress(Progress(chunks, chunks, size, size))
    total = dest.stat().st_size
    return BackupResult(bucket, dest, total, size, int(state.get("messages") or 0), sha.hexdigest())


async def _receive(
    conn: Connection,
    queue: asyncio.Queue[Any],
    f: BinaryIO,
    sha: Any,
    state: dict[str, Any],
    progress: ProgressCallback | None,
) -> tuple[int, int]:
    """Write snapshot chunks until the empty end message; answer each for flow control."""
    # The snapshot is compressed: the stream's size is only an upper bound for the bar.
    estimate = int(state.get("bytes") or 0)
    size = chunks = 0
    while True:
        try:
            msg = await asyncio.wait_for(queue.get(), IDLE_TIMEOUT)
        except TimeoutError:
            raise E.ObjectStoreError(
                f"the server stopped sending the snapshot (nothing for {IDLE_TIMEOUT:g}s)"
            ) from None
        if not msg.data:
            status = (msg.headers or {}).get("Status")
            if status and status not in ("200", "204"):
                detail = (msg.headers or {}).get("Description") or f"status {status}"
                raise E.ObjectStoreError(f"the server ended the snapshot early: {detail}")
            return size, chunks
        f.write(msg.data)
        sha.update(msg.data)
        size += len(msg.data)
        chunks += 1
        if msg.reply:
            await conn.nc.publish(msg.reply, b"")
        if progress is not None:
            progress(Progress(chunks, 0, size, max(estimate, size + 1)))
        # Queued chunks are read without suspending: let the loop (a GUI, a cancel) run.
        await asyncio.sleep(0)


async def restore(
    conn: Connection,
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    chunk_size: int = SNAPSHOT_CHUNK,
) -> BucketInfo:
    """Restore a backup file under its bucket's own name; never over an existing bucket.

    The file is checked completely first; a restore that fails or is cancelled after the
    server accepted it deletes the stream again, so no half bucket is left.
    """
    header = await verify(path)
    bucket = header.bucket
    stream = wire.stream_name(bucket)
    if await _stream_info(conn, bucket) is not None:
        raise E.ObjectStoreError(
            f"bucket {bucket!r} already exists: delete it first, or restore on another server"
        )
    resp = await conn.api(
        f"STREAM.RESTORE.{stream}", {"config": header.config, "state": header.state}, bucket=bucket
    )
    deliver = resp.get("deliver_subject")
    if not deliver:
        raise E.ObjectStoreError("the server did not accept the restore (no deliver subject)")
    try:
        result = await _send(conn, path, header, deliver, chunk_size, progress)
    except BaseException:
        await asyncio.shield(_discard(conn, bucket))
        raise
    return bucket_info(result)


async def _discard(conn: Connection, bucket: str) -> None:
    """Delete what a failed restore may have created (best effort)."""
    with contextlib.suppress(Exception):
        await conn.api(f"STREAM.DELETE.{wire.stream_name(bucket)}", bucket=bucket)


def _reply_error(data: bytes, bucket: str, conn: Connection) -> Exception | None:
    """The error a restore reply carries (an API error, or a `-ERR` text), if any."""
    if not data:
        return None
    try:
        doc = json.loads(data)
    except ValueError:
        return E.ObjectStoreError(
            f"the server refused the restore: {data.decode(errors='replace')}"
        )
    err = doc.get("error") if isinstance(doc, dict) else None
    if not err:
        return None
    api = nats.js.errors.APIError(
        code=err.get("code"), description=err.get("description"), err_code=err.get("err_code")
    )
    return conn.translate(api, bucket=bucket)


async def _send(
    conn: Connection,
    path: str | os.PathLike[str],
    header: BackupHeader,
    deliver: str,
    chunk_size: int,
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Send the snapshot's chunks, each answered, with a bounded window; then the end."""
    bucket = header.bucket
    chunk_size = max(1024, min(chunk_size, conn.max_payload))
    total = header.snapshot_size
    count = max(1, -(-total // chunk_size))
    inbox = conn.nc.new_inbox()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_reply(msg: Any) -> None:
        replies.put_nowait(msg.data)

    sub = await conn.nc.subscribe(inbox + ".*", cb=on_reply)
    timeout = max(conn.profile.request_timeout, 10.0)

    async def next_reply(wait: float) -> None:
        try:
            data = await asyncio.wait_for(replies.get(), wait)
        except TimeoutError:
            raise E.ServerTimeoutError("restore") from None
        err = _reply_error(data, bucket, conn)
        if err is not None:
            raise err

    try:
        with open(path, "rb") as f:
            f.seek(header.snapshot_offset)
            sent = acked = done = 0
            while sent * chunk_size < total:
                block = f.read(min(chunk_size, total - sent * chunk_size))
                if not block:
                    raise BackupFileError("the backup file changed while it was restored")
                if sent - acked >= RESTORE_WINDOW:
                    await next_reply(timeout)
                    acked += 1
                await conn.nc.publish(deliver, block, reply=f"{inbox}.{sent}")
                sent += 1
                done += len(block)
                if progress is not None:
                    progress(Progress(sent, count, done, total))
                await asyncio.sleep(0)  # a publish may not suspend: let the loop run
            while acked < sent:
                await next_reply(timeout)
                acked += 1
        end = await conn.nc.request(deliver, b"", timeout=FINISH_TIMEOUT)
    except Exception as exc:
        raise conn.translate(exc, bucket=bucket) from exc
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    err = _reply_error(end.data, bucket, conn)
    if err is not None:
        raise err
    return json.loads(end.data or b"{}")
