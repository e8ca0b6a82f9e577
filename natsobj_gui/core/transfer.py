"""Streaming put and get: pipelined chunk publishes, ordered chunk reads, progress per chunk."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from nats.nuid import NUID

from . import errors as E
from . import wire
from .connection import Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .sources import PutSource, iter_chunks, source_size
from .types import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectMeta, Progress

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]
# 64 × 128 KiB in flight keeps the server busy without unbounded client buffers.
DEFAULT_WINDOW = 64
ACK_TIMEOUT = 10.0
DEFAULT_IDLE_TIMEOUT = 10.0

_nuid = NUID()
T = TypeVar("T")


def new_nuid() -> str:
    return _nuid.next().decode()


def clamp_chunk_size(requested: int | None, max_payload: int) -> int:
    size = requested if requested and requested > 0 else DEFAULT_CHUNK_SIZE
    return max(1, min(size, max_payload))


async def purge_chunks(conn: Connection, bucket: str, nuid: str) -> None:
    """Remove one object's chunks; used to roll back and to drop replaced versions."""
    # chunk_subject refuses a nuid that is not a plain token: never a filter like `>`.
    await conn.api(
        f"STREAM.PURGE.{wire.stream_name(bucket)}",
        {"filter": wire.chunk_subject(bucket, nuid)},
        bucket=bucket,
    )


# Room in a meta message for the rollup header and the protocol's own header lines.
META_HEADER_ROOM = 128


def encode_meta(conn: Connection, info: ObjectInfo) -> bytes:
    """The info's bytes, or InvalidMetaError if they cannot be stored on this server."""
    data = wire.encode_info(info)
    if len(data) + META_HEADER_ROOM > conn.max_payload:
        raise E.InvalidMetaError(
            f"the info of {info.name!r} is {len(data):,} bytes, more than the server accepts "
            f"in one message ({conn.max_payload:,}): shorten its description, headers or "
            "metadata"
        )
    return data


# The server refuses a publish whose expected last subject sequence is not the last.
ERR_WRONG_LAST_SEQUENCE = 10071
EXPECTED_SEQ_HEADER = "Nats-Expected-Last-Subject-Sequence"
# Each refusal means another writer got in first; a name written this often is contested.
META_ATTEMPTS = 20


def meta_subject_of(info: ObjectInfo) -> str:
    """Where an info goes: the subject it was read from, else its name's own subject."""
    return info.subject or wire.meta_subject(info.bucket, info.name)


async def publish_meta(conn: Connection, info: ObjectInfo, *, expected: int | None = None) -> int:
    """Publish an object's info with a subject rollup, so only the newest stays.

    With `expected` (a stream sequence, 0 for none), the server stores it only if that is
    still the subject's last message; otherwise ConcurrentUpdateError. Returns its sequence.
    """
    subject = meta_subject_of(info)
    data = encode_meta(conn, info)
    headers = dict(wire.ROLLUP_HEADERS)
    if expected is not None:
        headers[EXPECTED_SEQ_HEADER] = str(expected)
    try:
        ack = await conn.guarded(conn.js.publish(subject, data, headers=headers), subject)
    except Exception as exc:
        if getattr(exc, "err_code", None) == ERR_WRONG_LAST_SEQUENCE:
            raise E.ConcurrentUpdateError(
                f"object {info.name!r} was changed by another client meanwhile"
            ) from exc
        raise conn.translate(exc, bucket=info.bucket, subject=subject) from exc
    return ack.seq


async def replace_meta(
    conn: Connection,
    bucket: str,
    subject: str,
    current: ObjectInfo | None,
    make: Callable[[ObjectInfo | None], ObjectInfo],
) -> tuple[ObjectInfo, ObjectInfo | None]:
    """Publish `make(current)` over the subject's last message, `current` as the caller read it.

    When another writer published since, the newest is read again and `make` asked again,
    so the caller learns exactly which version (and chunks) it superseded, even in a race.
    Returns what was published and what it replaced (None: nothing).
    """
    from .store import read_meta  # local: store builds on this module

    for _ in range(META_ATTEMPTS):
        info = make(current)
        try:
            await publish_meta(conn, info, expected=current.revision if current else 0)
            return info, current
        except E.ConcurrentUpdateError:
            # From the stream leader, not a direct get that a lagging replica may answer.
            current = await read_meta(conn, bucket, subject, direct=False)
    raise E.ConcurrentUpdateError(
        f"object {info.name!r} is being rewritten by other clients continuously; try again"
    )


def replaced_chunks(replaced: ObjectInfo | None, keep: str = "") -> str | None:
    """The nuid whose chunks a new meta makes unreachable, when it is safe to purge."""
    if replaced is None or replaced.deleted or replaced.link is not None or replaced.damaged:
        return None  # nothing to purge, or not ours to judge (a damaged info lies)
    nuid = replaced.nuid
    return nuid if wire.is_token(nuid) and nuid != keep else None


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
) -> ObjectInfo:
    """Upload `source` as a new version of `meta.name`; rolls back on any failure or cancel."""
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
    subject = wire.chunk_subject(bucket, nuid)
    sha = hashlib.sha256()
    pending: deque[tuple[asyncio.Future, int]] = deque()
    sent_bytes = sent_chunks = acked_bytes = acked_chunks = 0
    failed = False  # no progress after a failure: the rollback owns what is in flight
    task = asyncio.current_task()

    def total_chunks() -> int:
        if size_hint is None:
            return max(sent_chunks, acked_chunks)
        return -(-size_hint // chunk)

    def count_acked() -> None:
        """Count the acked chunks at the head of the window, reporting each one."""
        nonlocal acked_bytes, acked_chunks
        while not failed and pending:
            fut, n = pending[0]
            if not fut.done() or fut.cancelled() or fut.exception() is not None:
                return  # errors are raised (and translated) by ack_oldest
            pending.popleft()
            acked_bytes += n
            acked_chunks += 1
            if progress:
                total = size_hint if size_hint is not None else sent_bytes
                progress(
                    Progress(acked_chunks, total_chunks(), acked_bytes, max(total, acked_bytes))
                )

    callback_errors: list[Exception] = []

    def on_ack(_fut: asyncio.Future) -> None:
        # A failing progress callback must fail the put, not vanish into the loop's log.
        try:
            count_acked()
        except Exception as exc:
            callback_errors.append(exc)

    def raise_callback_error() -> None:
        if callback_errors:
            raise callback_errors[0]

    async def ack_oldest() -> None:
        await _await_ack(conn, pending[0][0], bucket, subject)
        count_acked()

    try:
        async for data in iter_chunks(source, chunk):
            sha.update(data)
            try:
                fut = await conn.js.publish_async(subject, data)
            except Exception as exc:
                raise conn.translate(exc, bucket=bucket, subject=subject) from exc
            # Track the chunk first: it is already on its way, so a rollback must wait for it.
            pending.append((fut, len(data)))
            # Count an ack when it lands, not when the source yields its next chunk (a slow
            # source would hold the progress back by a whole window).
            fut.add_done_callback(on_ack)
            if task is not None and task.cancelling():
                # nats-py swallows CancelledError while it waits for a forced flush.
                raise asyncio.CancelledError
            sent_bytes += len(data)
            sent_chunks += 1
            while len(pending) >= window or (pending and pending[0][0].done()):
                await ack_oldest()
            raise_callback_error()
        while pending:
            await ack_oldest()
        raise_callback_error()
        if size_hint is not None and sent_bytes != size_hint:
            raise E.ObjectStoreError(
                f"the source changed while uploading ({sent_bytes} bytes read, "
                f"{size_hint} expected)"
            )
        info = ObjectInfo(
            name=meta.name,
            bucket=bucket,
            nuid=nuid,
            size=sent_bytes,
            chunks=sent_chunks,
            digest=wire.digest_string(sha),
            description=meta.description,
            headers=meta.headers,
            metadata=meta.metadata,
            max_chunk_size=chunk,
            extra=extra,
            subject=subject_meta,
        )
        if progress and sent_chunks == 0:
            progress(Progress(0, 0, 0, 0))
    except BaseException as exc:
        failed = True
        inflight = [f for f, _ in pending]
        if isinstance(exc, E.PermissionDeniedError):
            # A denied publish is never acknowledged: don't wait (and free nats-py's slots).
            for fut in inflight:
                fut.cancel()
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
        _, replaced = await replace_meta(conn, bucket, subject, old, make)
    except Exception as exc:
        stored = await _stored(conn, bucket, subject, info.nuid)
        if stored is None:
            log.warning("could not tell whether the info of %r was stored: %s", info.name, exc)
            raise  # keep the chunks: an orphan is found later, a chunkless info is lost
        if not stored:
            await _rollback(conn, bucket, info.nuid, [])
            raise
        replaced = make.tried
    stale = replaced_chunks(replaced, info.nuid)
    if stale is not None:
        try:
            await purge_chunks(conn, bucket, stale)
        except E.ObjectStoreError as exc:
            # The new version is in place; an old chunk left behind is only wasted space.
            log.warning("could not purge the previous chunks of %r: %s", info.name, exc)
    stamped = await _stamp(conn, bucket, subject)
    # A writer that published after us is current now (and purges ours): report our own.
    return stamped if stamped is not None and stamped.nuid == info.nuid else info


async def _stored(conn: Connection, bucket: str, subject: str, nuid: str) -> bool | None:
    """Whether the subject's last info is ours, asking the stream leader; None: no answer."""
    from .store import read_meta  # local: store builds on this module

    try:
        current = await read_meta(conn, bucket, subject, direct=False)
    except E.ObjectStoreError:
        return None
    return current is not None and current.nuid == nuid


class _Replacing:
    """A new version's info for replace_meta: never over another name's live object.

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
        return info


async def _await_ack(conn: Connection, fut: asyncio.Future, bucket: str, subject: str) -> None:
    """Wait for one publish ack; a permissions violation ends the wait early."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ACK_TIMEOUT
    while not fut.done():
        await asyncio.wait((fut,), timeout=0.25)
        if fut.done():
            break
        denial = conn.recent_denial(subject.rsplit(".", 1)[0])
        if denial:
            raise E.PermissionDeniedError(denial)
        if loop.time() > deadline:
            raise E.ServerTimeoutError(f"no acknowledgement for a chunk on {subject}")
    try:
        fut.result()
    except Exception as exc:
        err = conn.translate(exc, bucket=bucket, subject=subject)
        if isinstance(err, E.BucketNotFoundError) and await _bucket_exists(conn, bucket):
            # Nobody stored the chunk, yet the stream is there: a clustered stream between
            # leaders drops its subjects' interest for a moment. Not a deleted bucket.
            err = E.BucketUnavailableError(bucket)
        raise err from exc


async def _bucket_exists(conn: Connection, bucket: str) -> bool:
    """False only when the server says the bucket's stream is gone."""
    try:
        await conn.api(f"STREAM.INFO.{wire.stream_name(bucket)}", bucket=bucket)
    except E.BucketNotFoundError:
        return False
    except E.ObjectStoreError:
        return True  # no answer (e.g. the meta leader is being elected): it was there
    return True


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


async def _stamp(conn: Connection, bucket: str, subject: str) -> ObjectInfo | None:
    """The stored info with the server's timestamp, as readers will see it."""
    from .store import read_meta  # local: store builds on this module

    with contextlib.suppress(E.ObjectStoreError):
        return await read_meta(conn, bucket, subject)
    return None


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
