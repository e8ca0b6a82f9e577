"""A put's chunks: sent with message ids, checked in the stream, re-sent after an outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from . import errors as E
from . import wire
from .ack_window import AckWindow, stop_waiting
from .chunk_hash import ChunkHash
from .connection import Connection
from .jsraw import OrderedConsumer
from .jsraw.fastpath import JsMsg
from .sources import Reread
from .types import Progress

log = logging.getLogger(__name__)

# What a re-readable put rides out (within the outage bound): a lost connection, a stream
# between leaders, acknowledgements that stopped coming.
RESUMABLE = (E.ConnectionLostError, E.BucketUnavailableError, E.ServerTimeoutError)
# Not worth waiting for: the stream reading them again would only say so again.
FINAL = (E.BucketNotFoundError, E.PermissionDeniedError, E.BucketSealedError)
# After a reconnect, how long chunks still in flight get to land before the stream is read.
SETTLE = 1.0
# Between attempts to read the stream while it has no leader.
RETRY_PAUSE = 0.5


def chunk_index(ident: str, nuid: str) -> int | None:
    """The chunk index in a message id `<nuid>.<index>[.<round>]`, or None."""
    parts = ident.split(".")
    if len(parts) in (2, 3) and parts[0] == nuid and parts[1].isdigit():
        return int(parts[1])
    return None


def clean_prefix(stored: list[tuple[int, str]], nuid: str) -> tuple[int, list[int]]:
    """How many chunks the stream holds in order from the first, and the sequences of the
    others (a gap's later chunks, duplicates): a reader must not meet those."""
    expected, junk = 0, []
    for seq, ident in stored:
        if chunk_index(ident, nuid) == expected:
            expected += 1
        else:
            junk.append(seq)
    return expected, junk


async def stored_chunks(conn: Connection, bucket: str, nuid: str) -> list[tuple[int, str]]:
    """(stream sequence, message id) of every chunk of `nuid`, in stream order."""
    found: list[tuple[int, str]] = []

    def on_msg(msg: JsMsg) -> bool:
        found.append((msg.stream_seq, msg.msg_id))
        return msg.pending == 0

    consumer = OrderedConsumer(
        conn.nc,
        conn.jsm,
        wire.stream_name(bucket),
        wire.chunk_subject(bucket, nuid),
        on_msg,
        headers_only=True,
        idle_timeout=conn.profile.request_timeout,
    )
    try:
        await consumer.run_pending()
    except OrderedConsumer.IdleTimeout as exc:
        raise E.ServerTimeoutError(f"reading the chunks of {nuid}") from exc
    except Exception as exc:
        raise conn.translate(exc, bucket=bucket) from exc
    return found


class ChunkSender:
    """Publishes a put's chunks and hashes them; with a Reread, carries them across outages.

    Each chunk of a re-readable source has a message id, so a chunk sent twice is stored
    once. After an interruption (or any reconnect meanwhile: an acknowledged chunk may be
    lost by a server that crashed before writing it) the stream is read back, chunks out
    of order are deleted, and what is missing is sent again, until the outage bound.
    """

    def __init__(
        self,
        conn: Connection,
        bucket: str,
        nuid: str,
        chunk: int,
        *,
        size_hint: int | None,
        progress: Callable[[Progress], None] | None,
        window: int,
        slots: asyncio.Semaphore | None,
        reread: Reread | None,
    ) -> None:
        self.conn, self.bucket, self.nuid, self.chunk = conn, bucket, nuid, chunk
        self.size_hint, self.progress, self.window, self.slots = size_hint, progress, window, slots
        self.reread = reread
        # Hashed on the loop after each chunk's frame was written, while the window waits
        # (chunk_hash says why not on a thread).
        self.hash = ChunkHash()
        self.sha = self.hash.sha  # complete once run() returned
        self.hashed = 0  # chunks fed to the hash: a re-sent chunk is not hashed again
        self.rounds = 0  # bumped when chunks were deleted: their message ids are spent
        self.resumed = 0  # how many times the upload continued after an interruption
        self._reconnects = _reconnects(conn)
        self.acks = self._window(0)

    @property
    def size(self) -> int:
        return self.reread.size if self.reread else self.acks.sent_bytes

    @property
    def chunks(self) -> int:
        return self.reread.chunks_total if self.reread else self.acks.sent_chunks

    def _window(self, first: int) -> AckWindow:
        return AckWindow(
            self.conn,
            self.bucket,
            wire.chunk_subject(self.bucket, self.nuid),
            size=self.window,
            chunk=self.chunk,
            total_bytes=self.size_hint,
            progress=self.progress,
            slots=self.slots,
            first=first,
            # `<nuid>.<index>[.<round>]`, as chunk_index reads it back.
            msg_ids=(f"{self.nuid}.", f".{self.rounds}" if self.rounds else "")
            if self.reread
            else None,
            idle=self.hash.pump,  # hashes sent chunks instead of waiting for acks
        )

    async def run(self, chunks: AsyncIterator[bytes]) -> None:
        """Send every chunk; a re-readable source continues after outages within the bound."""
        try:
            await self._run(chunks)
            self.hash.finish()
        finally:
            self.hash.close()

    async def _run(self, chunks: AsyncIterator[bytes]) -> None:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            try:
                await self._send(chunks)
                if self.reread is None or not self._interrupted():
                    return
                first = await self._check(loop.time() + self.conn.profile.outage_timeout, None)
                if first >= self.reread.chunks_total:
                    return
                log.info("the stream lost chunks of %s from %d on: sending again", self.nuid, first)
            except Exception as exc:
                if self.reread is None or not isinstance(exc, RESUMABLE):
                    raise
                # A new outage once the last one's resume made progress: a full bound again.
                if deadline is None or self.acks.acked_chunks > self._first:
                    deadline = loop.time() + self.conn.profile.outage_timeout
                elif self.conn.lost_for() is None:
                    await asyncio.sleep(RETRY_PAUSE)  # no progress: don't spin on the stream
                log.info("upload of %s interrupted (%s): resuming", self.nuid, exc)
                first = await self._recover(exc, deadline)
            self.resumed += 1
            chunks = self.reread.chunks(first)

    @property
    def _first(self) -> int:
        return self.acks.first

    async def _send(self, chunks: AsyncIterator[bytes]) -> None:
        acks = self.acks
        index = acks.sent_chunks
        async for data in chunks:
            if index == self.hashed:
                self.hash.update(data)
                self.hashed += 1
            index += 1
            await acks.send(data)
        await acks.drain()
        if self.size_hint is not None and acks.sent_bytes != self.size_hint:
            raise E.ObjectStoreError(
                f"the source changed while uploading ({acks.sent_bytes} bytes read, "
                f"{self.size_hint} expected)"
            )

    async def still_stored(self, deadline: float) -> bool:
        """After a failed info publish: whether the stream still holds every chunk in order
        (nothing is re-sent here: the info publish is not cancellable)."""
        assert self.reread is not None
        try:
            first = await self._check(deadline, None)
        except E.ObjectStoreError as exc:
            log.info("could not read the chunks of %s back: %s", self.nuid, exc)
            return False
        return first >= self.reread.chunks_total

    def _interrupted(self) -> bool:
        return bool(self.resumed) or _reconnects(self.conn) != self._reconnects

    async def _recover(self, exc: Exception, deadline: float) -> int:
        """Once the server is back, the index of the first chunk to send again."""
        inflight = self.acks.abandon()
        if not await self.conn.wait_back(deadline - asyncio.get_running_loop().time()):
            raise exc
        if inflight:
            # Chunks nats-py held back are re-sent on the reconnect: let them land first.
            await asyncio.wait(inflight, timeout=SETTLE)
            stop_waiting(inflight)  # the stream is checked instead
        return await self._check(deadline, exc)

    async def _check(self, deadline: float, exc: Exception | None) -> int:
        """Read back what the stream holds of this upload, drop what is out of order, and
        start a new window at the first chunk it lacks; retried until `deadline`."""
        assert self.reread is not None
        if self.reread.changed():
            raise E.ObjectStoreError(
                "the file changed while uploading, so the upload cannot continue after the "
                "interruption: nothing was stored"
            )
        loop = asyncio.get_running_loop()
        while True:
            try:
                first, junk = clean_prefix(
                    await stored_chunks(self.conn, self.bucket, self.nuid), self.nuid
                )
                for seq in junk:
                    await self.conn.api(
                        f"STREAM.MSG.DELETE.{wire.stream_name(self.bucket)}",
                        {"seq": seq, "no_erase": True},
                        bucket=self.bucket,
                    )
                break
            except E.ObjectStoreError as err:
                if isinstance(err, FINAL) or loop.time() > deadline:
                    if exc is None:
                        raise
                    raise exc from err
                log.info("reading the chunks of %s back: %s; trying again", self.nuid, err)
                await asyncio.sleep(RETRY_PAUSE)
                await self.conn.wait_back(deadline - loop.time())
        if junk:
            log.info("deleted %d chunk(s) of %s stored out of order", len(junk), self.nuid)
            self.rounds += 1
        self.acks = self._window(first)
        return first


def _reconnects(conn: Connection) -> int:
    return int(conn.nc.stats.get("reconnects", 0))
