"""The chunks of one upload in flight: published ahead, counted in order as their acks land."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from . import errors as E
from . import wire
from .connection import Connection
from .jsraw.publish import AckInbox, ack_inbox, chunk_lines, publish
from .types import Progress

ACK_TIMEOUT = 10.0
# How often a wait for acks checks for a denial, a lost connection or the ack timeout.
TICK = 0.25


class AckWindow:
    """Publishes chunks to one subject with at most `size` unacknowledged, reporting progress.

    No Future per chunk: acks come from the parser (jsraw.publish.AckInbox) and are
    counted in order; the sending task waits only when the window is full. Progress is
    counted when an ack lands, not when the source yields its next chunk (a slow source
    would hold it back by a whole window). After `abandon`, nothing more is counted: the
    rollback owns what is still in flight.
    """

    def __init__(
        self,
        conn: Connection,
        bucket: str,
        subject: str,
        *,
        size: int,
        chunk: int,
        total_bytes: int | None,
        progress: Callable[[Progress], None] | None,
        slots: asyncio.Semaphore | None = None,
        first: int = 0,
        msg_ids: tuple[str, str] | None = None,
        idle: Callable[[], bool] | None = None,
    ) -> None:
        self.conn, self.bucket, self.subject = conn, bucket, subject
        self.size = max(1, size)
        self.chunk = chunk
        self.total_bytes = total_bytes
        self.progress = progress
        # Chunks in flight across several puts at once (put_many): one slot per chunk.
        self.slots = slots
        self._held = 0  # slots taken for chunks not yet landed
        # A resumed put starts at its first chunk not stored (all before it are full).
        self.first = first
        self.sent_chunks = self.acked_chunks = first
        self.sent_bytes = self.acked_bytes = first * chunk
        self.inflight = 0  # published, neither acked nor refused yet
        self._sizes: deque[int] = deque()  # of the chunks from acked_chunks on, as sent
        self._early: set[int] = set()  # acked while an earlier chunk was not
        # Each chunk's message id (`Nats-Msg-Id`) is before + index + after: a re-sent
        # chunk is deduplicated.
        self.msg_ids = msg_ids
        self.failed = False
        self.error: BaseException | None = None  # the first refusal (or progress error)
        self._callback_error: Exception | None = None
        self._since = time.monotonic()  # when the oldest chunk in flight became the oldest
        self._waiter: asyncio.Future[None] | None = None
        self._ticker: asyncio.TimerHandle | None = None  # wakes a waiter every TICK
        self._ticked = False  # the ticker fired: a waiter checks for a denial or a timeout
        self._want = 0  # wake the waiter once at most this many are in flight
        self._landed: asyncio.Future[None] | None = None  # after abandon: all landed
        self._inbox: AckInbox | None = None
        self._reply = ""
        self._line: Callable[[int, int], bytes] | None = None  # chunk_lines, once registered
        self._task = asyncio.current_task()
        # Work to do instead of waiting for acks (True: some was done): the put's hash.
        self.idle = idle

    async def send(self, data: bytes) -> None:
        """Publish one chunk, first waiting while the window is full."""
        if self.error is not None:
            await self._raise()
        slots = self.slots
        if slots is not None:
            # Our own acks free slots too; waiting for them keeps the wait bounded in time.
            while slots.locked() and self.inflight:
                await self._wait_until(self.inflight - 1)
            await slots.acquire()
            self._held += 1
        index = self.sent_chunks
        n = len(data)
        if not self.inflight:
            self._since = time.monotonic()
        # Counted first: its ack may land before publish returns (a forced flush), and once
        # queued it is on its way, so a rollback must wait for it.
        self.inflight += 1
        self._sizes.append(n)
        self.sent_chunks = index + 1
        self.sent_bytes += n
        try:
            line = self._line
            if line is None:
                self._inbox = await ack_inbox(self.conn.nc)
                self._reply = self._inbox.register(self._on_ack)
                line = self._line = chunk_lines(self.subject, self._reply, self.msg_ids)
            await publish(self.conn.nc, self.subject, "", data, line=line(index, n))
        except BaseException as exc:
            # Refused before it was queued: not sent.
            self.inflight -= 1
            self._sizes.pop()
            self.sent_chunks = index
            self.sent_bytes -= n
            if slots is not None:
                slots.release()
                self._held -= 1
            if not isinstance(exc, Exception):
                raise
            raise self.conn.translate(exc, bucket=self.bucket, subject=self.subject) from exc
        if self._task is not None and self._task.cancelling():
            # nats-py swallows CancelledError while it waits for a forced flush.
            raise asyncio.CancelledError
        if self.conn.lost_for() is not None:
            raise E.ConnectionLostError()  # what was in flight is lost with it
        if self.inflight >= self.size:
            await self._wait_until(self.size - 1)
        if self.error is not None:
            await self._raise()

    async def drain(self) -> None:
        """Wait for every chunk's ack."""
        await self._wait_until(0)
        if self.error is not None:
            await self._raise()
        self._let_go()

    def abandon(self, *, cancel: bool = False) -> list[asyncio.Future]:
        """Stop counting and hand over the chunks in flight as one future that is done
        once they all landed (cancelled: they are never to be acked)."""
        self.failed = True
        if not self.inflight:
            self._let_go()
            return []
        if self._landed is None:
            self._landed = asyncio.get_running_loop().create_future()
            self._landed.add_done_callback(lambda _fut: self._let_go())
        if cancel:
            self._landed.cancel()
        return [self._landed]

    def _let_go(self) -> None:
        """Free what the window holds: its slots, its acks' token and its timer."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self.slots is not None:
            for _ in range(self._held):
                self.slots.release()
            self._held = 0
        if self._inbox is not None:
            self._inbox.unregister(self._reply)
            self._inbox = None
            self._line = None

    def _total_chunks(self) -> int:
        if self.total_bytes is None:
            return max(self.sent_chunks, self.acked_chunks)
        return -(-self.total_bytes // self.chunk)

    def _on_ack(self, index: int, err: BaseException | None) -> None:
        """One chunk landed (stored, or refused with `err`); called from the parser."""
        if index < self.acked_chunks or index in self._early or index >= self.sent_chunks:
            return  # a repeated ack, or not one of ours
        self.inflight -= 1
        if self._held:
            self._held -= 1
            assert self.slots is not None
            self.slots.release()
        if err is not None:
            if self.error is None and not self.failed:
                self.error = err
            self._early.add(index)  # landed, never counted: the put fails
        elif index != self.acked_chunks:
            self._early.add(index)
        elif not self.failed:
            self._count(index)
        self._wake()

    def _count(self, index: int) -> None:
        """Count the chunk at the head of the window and those acked early behind it."""
        sizes, early = self._sizes, self._early
        while True:
            n = sizes.popleft()
            self.acked_bytes += n
            self.acked_chunks = index = index + 1
            if self.progress and not self._callback_error:
                total = self.total_bytes if self.total_bytes is not None else self.sent_bytes
                progress = Progress(
                    self.acked_chunks,
                    self._total_chunks(),
                    self.acked_bytes,
                    max(total, self.acked_bytes),
                )
                try:
                    self.progress(progress)
                except Exception as exc:
                    # A failing progress callback must fail the put, not vanish.
                    self._callback_error = exc
                    self.error = self.error or exc
            if index not in early:
                break
            early.discard(index)
        self._since = time.monotonic()

    def _tick(self) -> None:
        """TICK passed since the timer was armed: wake a waiter for its checks."""
        self._ticker = None
        self._ticked = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake(self) -> None:
        if self.inflight <= self._want or self.error is not None:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        if not self.inflight and self._landed is not None and not self._landed.done():
            self._landed.set_result(None)

    async def _wait_until(self, most: int) -> None:
        """Wait until at most `most` chunks are in flight; a refusal, a denial, a lost
        connection or ACK_TIMEOUT without an ack end the wait with an error."""
        loop = asyncio.get_running_loop()
        idle = self.idle
        while self.inflight > most and self.error is None:
            if idle is not None and idle():
                await asyncio.sleep(0)  # read the acks that landed meanwhile
                continue
            waiter = self._waiter = loop.create_future()
            self._want = most
            # One timer re-armed every TICK rather than asyncio.wait's timeout, done
            # callback and set per wait (~9 us a chunk): an ack wakes the waiter, the
            # timer marks a tick and wakes it for the checks below.
            if self._ticker is None:
                self._ticker = loop.call_later(TICK, self._tick)
            try:
                await waiter
            finally:
                self._waiter = None
            if not self._ticked:
                continue
            self._ticked = False
            denial = self.conn.recent_denial(self.subject.rsplit(".", 1)[0])
            if denial:
                raise E.PermissionDeniedError(denial)
            if self.conn.lost_for() is not None:
                raise E.ConnectionLostError()  # the acks, if any, went to the dead connection
            if time.monotonic() - self._since > ACK_TIMEOUT:
                raise E.ServerTimeoutError(f"no acknowledgement for a chunk on {self.subject}")
        if self.error is not None:
            await self._raise()

    async def _raise(self) -> None:
        """Raise the first refusal as the core's error (a progress error as it is)."""
        exc = self.error
        assert exc is not None
        if exc is self._callback_error:
            raise exc
        err = self.conn.translate(exc, bucket=self.bucket, subject=self.subject)
        if isinstance(err, E.BucketNotFoundError) and await _bucket_exists(self.conn, self.bucket):
            # Nobody stored the chunk, yet the stream is there: a clustered stream between
            # leaders drops its subjects' interest for a moment. Not a deleted bucket.
            err = E.BucketUnavailableError(self.bucket)
        raise err from exc


def stop_waiting(inflight: list[asyncio.Future]) -> None:
    """After a wait for `abandon`'s chunks: give up on those not landed (freeing the window's
    slots), and mark failed acks as seen (the put failed already, or checks the stream)."""
    for fut in inflight:
        if not fut.done():
            fut.cancel()
        elif not fut.cancelled():
            fut.exception()


async def _bucket_exists(conn: Connection, bucket: str) -> bool:
    """False only when the server says the bucket's stream is gone."""
    try:
        await conn.api(f"STREAM.INFO.{wire.stream_name(bucket)}", bucket=bucket)
    except E.BucketNotFoundError:
        return False
    except E.JetStreamNotEnabledError:
        raise  # no stream at all: what a put learns first now that it looks nothing up
    except E.ObjectStoreError:
        return True  # no answer (e.g. the meta leader is being elected): it was there
    return True
