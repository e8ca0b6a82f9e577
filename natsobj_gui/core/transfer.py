"""Streaming put: pipelined chunk publishes, progress per ack, rollback on any failure."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from . import errors as E
from . import wire
from .ack_window import ACK_TIMEOUT, stop_waiting
from .connection import Connection
from .meta_io import (
    encode_meta,
    new_nuid,
    purge_chunks,
    read_meta,
    replace_meta,
    replaced_chunks,
)
from .put_resume import RESUMABLE, RETRY_PAUSE, ChunkSender
from .sources import PutSource, Reread, iter_chunks, may_wait, source_size
from .types import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectMeta, Progress
from .workers import DoneBeforeCancel, run_to_end

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]
# 64 × 128 KiB in flight keeps the server busy without unbounded client buffers.
DEFAULT_WINDOW = 64


# Room in a resumable chunk's message for its `Nats-Msg-Id` header (about 70 bytes).
MSG_ID_ROOM = 128


class StoredBeforeCancel(DoneBeforeCancel):
    """A put cancelled while its info was published: it is stored, as `info` says."""

    def __init__(self, info: ObjectInfo) -> None:
        super().__init__(info, f"{info.name} was stored before the cancel took effect")
        self.info = info


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
    chunk = clamp_chunk_size(chunk_size, conn.max_payload)
    reread = Reread.of(source, chunk)  # stats a path once: a folder of small files pays per file
    size_hint = reread.size if reread is not None else source_size(source)
    nuid = new_nuid()
    # Refuse an unstorable info before uploading anything; a full-length digest and large
    # counts stand in for the real ones.
    digest, big = wire.digest_string(hashlib.sha256()), 2**53
    # Other clients' fields survive a new version, unless their info cannot be trusted.
    extra = old.extra if old is not None and not old.damaged else {}
    draft = ObjectInfo(meta.name, bucket, nuid, big, big, digest, meta.description)
    encode_meta(conn, replace(draft, headers=meta.headers, metadata=meta.metadata, extra=extra))
    if reread is not None and chunk > conn.max_payload - MSG_ID_ROOM:
        # A resumable chunk carries a message id, and headers count against max_payload.
        chunk = reread.chunk_size = max(1, conn.max_payload - MSG_ID_ROOM)
    sender = ChunkSender(
        conn,
        bucket,
        nuid,
        chunk,
        size_hint=size_hint,
        progress=progress,
        window=window,
        slots=slots,
        reread=reread,
    )
    try:
        if reread is not None:
            chunks = reread.chunks(0)
        else:
            chunks = iter_chunks(source, chunk)
            if may_wait(source):  # a slow source must not hide an outage until it yields
                chunks = conn.while_connected(chunks)
        await sender.run(chunks)
        info = ObjectInfo(
            name=meta.name,
            bucket=bucket,
            nuid=nuid,
            size=sender.size,
            chunks=sender.chunks,
            digest=wire.digest_string(sender.sha),
            description=meta.description,
            headers=meta.headers,
            metadata=meta.metadata,
            max_chunk_size=chunk,
            extra=extra,
            subject=subject_meta,
        )
        if progress and sender.chunks == 0:
            progress(Progress(0, 0, 0, 0))
    except BaseException as exc:
        # A denied publish is never acknowledged: don't wait (and free the window's slots).
        inflight = sender.acks.abandon(cancel=isinstance(exc, E.PermissionDeniedError))
        purged = await run_to_end(_rollback(conn, bucket, nuid, inflight))
        if isinstance(exc, E.ConnectionLostError):
            exc.args = (_lost_upload(conn, meta.name, old, purged),)
        raise
    # Every chunk is stored: the info publish and what follows run to their end even when
    # cancelled meanwhile, as a torn publish could leave a stored info without its chunks.
    commit = _commit(conn, bucket, subject_meta, old, info, sender if reread else None)
    return await run_to_end(commit, stopped=StoredBeforeCancel)


async def _commit(
    conn: Connection,
    bucket: str,
    subject: str,
    old: ObjectInfo | None,
    info: ObjectInfo,
    sender: ChunkSender | None = None,
) -> ObjectInfo:
    """Publish a new version's info over `old`, then purge what it replaced; else roll back.

    When the publish fails, the subject is read back (once the connection is back, within
    the outage bound): an info stored whose ack was lost is a finished put, and its chunks
    must stay. With a `sender` (a re-readable put) an info that was not stored is published
    again within the bound, once the stream still holds every chunk.
    """
    make = _Replacing(info)
    loop = asyncio.get_running_loop()
    deadline: float | None = None
    while True:
        try:
            # Expecting the version we read: if another writer published meanwhile, we learn
            # which version we really replace, and purge its chunks rather than leave them.
            published, replaced = await replace_meta(conn, bucket, subject, old, make)
            break
        except Exception as exc:
            patient = sender is not None and isinstance(exc, RESUMABLE)
            if patient and deadline is None:
                deadline = loop.time() + conn.profile.outage_timeout
            stored = await _stored(conn, bucket, subject, info.nuid, deadline if patient else None)
            lost = isinstance(exc, E.ConnectionLostError)
            if stored is None:
                log.warning("could not tell whether the info of %r was stored: %s", info.name, exc)
                if lost:
                    exc.args = (_lost_meta(info.name),)
                raise  # keep the chunks: an orphan is found later, a chunkless info is lost
            if stored:
                published, replaced = make(make.tried), make.tried
                break
            if patient and sender is not None and await sender.still_stored(deadline):
                log.info("the info of %r was not stored (%s): publishing it again", info.name, exc)
                continue
            purged = await _rollback(conn, bucket, info.nuid, [])
            if lost:
                exc.args = (_lost_upload(conn, info.name, old, purged),)
            raise
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


async def _stored(
    conn: Connection, bucket: str, subject: str, nuid: str, deadline: float | None = None
) -> bool | None:
    """Whether the subject's last info is ours, asking the stream leader; None: no answer.

    After a lost connection it waits for it within the outage bound; with a `deadline` it
    also asks again while the stream has no leader.
    """
    loop = asyncio.get_running_loop()
    while True:
        if not await conn.wait_back(conn.outage_left() - PURGE_ROOM):
            return None
        try:
            current = await read_meta(conn, bucket, subject, direct=False)
            return current is not None and current.nuid == nuid
        except E.ObjectStoreError:
            if deadline is None or loop.time() > deadline:
                return None
        await asyncio.sleep(RETRY_PAUSE)


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


# Of the outage bound, what a rollback keeps for its purge after the connection is back.
PURGE_ROOM = 1.0
# After a reconnect, how long re-sent chunks get to be acknowledged before the purge.
RESENT_SETTLE = 1.0


async def _rollback(conn: Connection, bucket: str, nuid: str, inflight: list) -> bool:
    """Wait for chunks still in flight to land, then purge every chunk of this nuid.

    True once purged (or nothing could be left: a sealed or deleted bucket). A lost
    connection is waited for within the profile's outage bound, then given up.
    """
    was_lost = conn.lost_for() is not None
    back = await conn.wait_back(conn.outage_left() - PURGE_ROOM)
    if inflight:
        if back:
            # After a reconnect nats-py re-sends the chunks it held back, and the server may
            # store them after a purge sent right behind them: let their acks land first.
            # Chunks written to the dead connection are never acknowledged: wait briefly.
            await asyncio.wait(inflight, timeout=RESENT_SETTLE if was_lost else ACK_TIMEOUT)
        stop_waiting(inflight)  # the purge below still runs
    for attempt in range(3):
        if not await conn.wait_back(conn.outage_left() - PURGE_ROOM):
            log.info("rollback purge of %s skipped: the connection is lost", nuid)
            return False
        try:
            await purge_chunks(conn, bucket, nuid)
            return True
        except (E.BucketSealedError, E.BucketNotFoundError):
            return True  # nothing can be purged from a sealed or deleted bucket: don't retry
        except Exception as exc:
            log.warning("rollback purge of %s failed (attempt %d): %s", nuid, attempt + 1, exc)
            await asyncio.sleep(0.5)
    return False


def _lost_upload(conn: Connection, name: str, old: ObjectInfo | None, purged: bool) -> str:
    """What a put cut off by a lost connection left behind, as a sentence."""
    gone = "" if conn.lost_for() is None else " and did not come back"
    text = f"the connection to the server was lost while uploading {name!r}{gone}: "
    if old is None:  # not looked up (a new name's put asks nothing first)
        text += "any previous version is intact; nothing was stored"
    elif not old.deleted:
        text += "the previous version is intact; nothing was stored"
    else:
        text += "nothing was stored"
    if not purged:
        text += " (the chunks sent so far could not be removed; `natsobj gc` finds them)"
    return text


def _lost_meta(name: str) -> str:
    return (
        f"the connection to the server was lost while storing the info of {name!r} and did "
        "not come back: whether the new version replaced the previous one is unknown; check "
        "with `natsobj info` (if it did not, its chunks stay until `natsobj gc` removes them)"
    )
