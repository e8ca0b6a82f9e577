"""Streaming put and get: pipelined chunk publishes, ordered chunk reads, progress per chunk."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from . import errors as E
from . import wire
from .ack_window import ACK_TIMEOUT, AckWindow
from .connection import Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .meta_io import (
    encode_meta,
    new_nuid,
    purge_chunks,
    read_meta,
    replace_meta,
    replaced_chunks,
)
from .sources import PutSource, iter_chunks, source_size
from .types import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectMeta, Progress

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]
# 64 × 128 KiB in flight keeps the server busy without unbounded client buffers.
DEFAULT_WINDOW = 64
DEFAULT_IDLE_TIMEOUT = 10.0

T = TypeVar("T")


def clamp_chunk_size(requested: int | None, max_payload: int) -> int:
    size = requested if requested and requested > 0 else DEFAULT_CHUNK_SIZE
    return max(1, min(size, max_payload))


async def put(
    conn: Connection,
    bucket: str,
    meta: ObjectMeta,
    source: PutSource,
    *,
    old: ObjectInfo | None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    window: int = DEFAULT_WINDOW,
    slots: asyncio.Semaphore | None = None,
) -> ObjectInfo:
    """Upload `source` as a new version of `meta.name`; rolls back on any failure or cancel.

    `slots` bounds the chunks in flight across puts that share it (one slot per chunk).
    """
    subject_meta = wire.meta_subject(bucket, meta.name)  # validates the name first
    if old is not None and old.subject:
        subject_meta = old.subject  # where the name was found (nats.js encodes some apart)
    size_hint = source_size(source)
    chunk = clamp_chunk_size(chunk_size, conn.max_payload)
    nuid = new_nuid()
    # Refuse an unstorable info before uploading anything; a full-length digest and large
    # counts stand in for the real ones.
    digest, big = wire.digest_string(hashlib.sha256()), 2**53
    # Other clients' fields survive a new version, unless their info cannot be trusted.
    extra = old.extra if old is not None and not old.damaged else {}
    draft = ObjectInfo(meta.name, bucket, nuid, big, big, digest, meta.description)
    encode_meta(conn, replace(draft, headers=meta.headers, metadata=meta.metadata, extra=extra))
    sha = hashlib.sha256()
    acks = AckWindow(
        conn,
        bucket,
        wire.chunk_subject(bucket, nuid),
        size=window,
        chunk=chunk,
        total_bytes=size_hint,
        progress=progress,
        slots=slots,
    )
    try:
        async for data in iter_chunks(source, chunk):
            sha.update(data)
            await acks.send(data)
        await acks.drain()
        if size_hint is not None and acks.sent_bytes != size_hint:
            raise E.ObjectStoreError(
                f"the source changed while uploading ({acks.sent_bytes} bytes read, "
                f"{size_hint} expected)"
            )
        info = ObjectInfo(
            name=meta.name,
            bucket=bucket,
            nuid=nuid,
            size=acks.sent_bytes,
            chunks=acks.sent_chunks,
            digest=wire.digest_string(sha),
            description=meta.description,
            headers=meta.headers,
            metadata=meta.metadata,
            max_chunk_size=chunk,
            extra=extra,
            subject=subject_meta,
        )
        if progress and acks.sent_chunks == 0:
            progress(Progress(0, 0, 0, 0))
    except BaseException as exc:
        # A denied publish is never acknowledged: don't wait (and free nats-py's slots).
        inflight = acks.abandon(cancel=isinstance(exc, E.PermissionDeniedError))
        await _finish(_rollback(conn, bucket, nuid, inflight))
        raise
    # Every chunk is stored: the info publish and what follows run to their end even when
    # cancelled meanwhile, as a torn publish could leave a stored info without its chunks.
    return await _finish(_commit(conn, bucket, subject_meta, old, info))


async def _finish(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end whatever cancels arrive, then honour a cancel if one came.

    A repeated cancel (another click, every progress tick) must not end it early either;
    the work itself is bounded in time.
    """
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()  # seen: the cancel is what the caller asked about
        raise asyncio.CancelledError
    return task.result()


async def _commit(
    conn: Connection, bucket: str, subject: str, old: ObjectInfo | None, info: ObjectInfo
) -> ObjectInfo:
    """Publish a new version's info over `old`, then purge what it replaced; else roll back.

    When the publish fails, the subject is read back: an info stored whose ack was lost
    is a finished put, and its chunks must stay.
    """
    make = _Replacing(info)
    try:
        # Expecting the version we read: if another writer published meanwhile, we learn
        # which version we really replace, and purge its chunks rather than leave them.
        published, replaced = await replace_meta(conn, bucket, subject, old, make)
    except Exception as exc:
        stored = await _stored(conn, bucket, subject, info.nuid)
        if stored is None:
            log.warning("could not tell whether the info of %r was stored: %s", info.name, exc)
            raise  # keep the chunks: an orphan is found later, a chunkless info is lost
        if not stored:
            await _rollback(conn, bucket, info.nuid, [])
            raise
        published, replaced = make(make.tried), make.tried
    stale = replaced_chunks(replaced, info.nuid)
    if stale is not None:
        try:
            await purge_chunks(conn, bucket, stale)
        except E.ObjectStoreError as exc:
            # The new version is in place; an old chunk left behind is only wasted space.
            log.warning("could not purge the previous chunks of %r: %s", info.name, exc)
    # Not read back (a round trip): the ack gave the sequence, and the time is this
    # client's, where a reader sees the server's.
    return replace(published, modified=datetime.now(UTC))


async def _stored(conn: Connection, bucket: str, subject: str, nuid: str) -> bool | None:
    """Whether the subject's last info is ours, asking the stream leader; None: no answer."""
    try:
        current = await read_meta(conn, bucket, subject, direct=False)
    except E.ObjectStoreError:
        return None
    return current is not None and current.nuid == nuid


class _Replacing:
    """A new version's info for replace_meta: never over another name's live object.

    Takes the other clients' fields of the version it replaces (the caller may not have
    read it: a put of a name believed new learns it from the expected-sequence check).
    Remembers the version it was last asked to replace, which is what a publish whose ack
    was lost replaced.
    """

    def __init__(self, info: ObjectInfo) -> None:
        self.info = info
        self.tried: ObjectInfo | None = None

    def __call__(self, current: ObjectInfo | None) -> ObjectInfo:
        info = self.info
        # Two encodings can share a subject (nats.js's Latin-1 "Ã©" is our UTF-8 "é"): a
        # live object there under another name is not a version of ours.
        if (
            current is not None
            and current.name != info.name
            and not current.deleted
            and not current.damaged
        ):
            raise E.ObjectExistsError(
                f"{info.name!r} would replace the object {current.name!r}, which another "
                "client stored under the same subject; nothing was stored"
            )
        self.tried = current
        # Other clients' fields survive a new version, unless their info cannot be trusted.
        same = current is not None and current.name == info.name and not current.damaged
        extra = current.extra if same else {}
        return info if extra == info.extra else replace(info, extra=extra)


async def _rollback(conn: Connection, bucket: str, nuid: str, inflight: list) -> None:
    """Wait for chunks still in flight to land, then purge every chunk of this nuid."""
    if inflight:
        await asyncio.wait(inflight, timeout=ACK_TIMEOUT)
        for fut in inflight:
            if not fut.done():
                fut.cancel()  # frees nats-py's in-flight slot; the purge below still runs
            elif not fut.cancelled():
                fut.exception()  # mark failed acks as seen: the put already failed
    for attempt in range(3):
        try:
            await purge_chunks(conn, bucket, nuid)
            return
        except (E.BucketSealedError, E.BucketNotFoundError):
            return  # nothing can be purged from a sealed or deleted bucket: don't retry
        except Exception as exc:
            log.warning("rollback purge of %s failed (attempt %d): %s", nuid, attempt + 1, exc)
            await asyncio.sleep(0.5)


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
    )
    try:
        pending = await consumer.start()
    except Exception as exc:
        raise conn.translate(exc, bucket=info.bucket) from exc
    if pending == 0:
        await consumer.close()
        return
    try:
        await consumer.wait()
    except OrderedConsumer.IdleTimeout:
        raise E.MissingChunksError(info.name, sink.chunks, info.chunks, idle_timeout) from None


def partial_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".partial")


async def get_to_file(
    conn: Connection,
    info: ObjectInfo,
    dest: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> Path:
    """Download into `<dest>.partial`, verify size and digest, then rename onto `dest`."""
    dest = Path(dest)
    tmp = partial_path(dest)
    try:
        with open(tmp, "wb") as f:
            await read_chunks(conn, info, f, progress=progress, idle_timeout=idle_timeout)
            f.flush()
            # fsync of a large file takes long enough to stall a GUI loop: use a thread.
            await asyncio.to_thread(os.fsync, f.fileno())
        await asyncio.to_thread(os.replace, tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dest
