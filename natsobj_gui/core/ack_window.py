"""The chunks of one upload in flight: published ahead, counted in order as their acks land."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from . import errors as E
from . import wire
from .connection import Connection
from .types import Progress

ACK_TIMEOUT = 10.0
MSG_ID_HEADER = "Nats-Msg-Id"


class AckWindow:
    """Publishes chunks to one subject with at most `size` unacknowledged, reporting progress.

    Progress is counted when an ack lands, not when the source yields its next chunk (a
    slow source would hold it back by a whole window). After `abandon`, nothing more is
    counted: the rollback owns what is still in flight.
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
        msg_id: Callable[[int], str] | None = None,
    ) -> None:
        self.conn, self.bucket, self.subject = conn, bucket, subject
        self.size = max(1, size)
        self.chunk = chunk
        self.total_bytes = total_bytes
        self.progress = progress
        # Chunks in flight across several puts at once (put_many): one slot per chunk.
        self.slots = slots
        self.pending: deque[tuple[asyncio.Future, int]] = deque()
        # A resumed put starts at its first chunk not stored (all before it are full).
        self.first = first
        self.sent_chunks = self.acked_chunks = first
        self.sent_bytes = self.acked_bytes = first * chunk
        # Each chunk's message id (`Nats-Msg-Id`) by index: a re-sent chunk is deduplicated.
        self.msg_id = msg_id
        self.failed = False
        self._callback_errors: list[Exception] = []
        self._task = asyncio.current_task()

    async def send(self, data: bytes) -> None:
        """Publish one chunk, first waiting while the window is full."""
        slots = self.slots
        if slots is not None:
            # Our own acks free slots too; waiting for them keeps the wait bounded in time.
            while slots.locked() and self.pending:
                await self._ack_oldest()
            await slots.acquire()
        try:
            headers = {MSG_ID_HEADER: self.msg_id(self.sent_chunks)} if self.msg_id else None
            fut = await self.conn.js.publish_async(self.subject, data, headers=headers)
        except BaseException as exc:
            if slots is not None:
                slots.release()
            if not isinstance(exc, Exception):
                raise
            raise self.conn.translate(exc, bucket=self.bucket, subject=self.subject) from exc
        # Track the chunk first: it is already on its way, so a rollback must wait for it.
        self.pending.append((fut, len(data)))
        if slots is not None:
            fut.add_done_callback(lambda _fut: slots.release())  # acked, failed or cancelled
        fut.add_done_callback(self._on_ack)
        if self._task is not None and self._task.cancelling():
            # nats-py swallows CancelledError while it waits for a forced flush.
            raise asyncio.CancelledError
        if self.conn.lost_for() is not None:
            raise E.ConnectionLostError()  # what was in flight is lost with it
        self.sent_bytes += len(data)
        self.sent_chunks += 1
        pending = self.pending
        while len(pending) >= self.size or (pending and pending[0][0].done()):
            await self._ack_oldest()
        self._raise_callback_error()

    async def drain(self) -> None:
        """Wait for every chunk's ack."""
        while self.pending:
            await self._ack_oldest()
        self._raise_callback_error()

    def abandon(self, *, cancel: bool = False) -> list[asyncio.Future]:
        """Stop counting and hand over the chunks in flight (cancelled: never to be acked)."""
        self.failed = True
        inflight = [f for f, _ in self.pending]
        if cancel:
            for fut in inflight:
                fut.cancel()
        return inflight

    def _total_chunks(self) -> int:
        if self.total_bytes is None:
            return max(self.sent_chunks, self.acked_chunks)
        return -(-self.total_bytes // self.chunk)

    def _count_acked(self) -> None:
        """Count the acked chunks at the head of the window, reporting each one."""
        pending = self.pending
        while not self.failed and pending:
            fut, n = pending[0]
            if not fut.done() or fut.cancelled() or fut.exception() is not None:
                return  # errors are raised (and translated) by _ack_oldest
            pending.popleft()
            self.acked_bytes += n
            self.acked_chunks += 1
            if self.progress:
                total = self.total_bytes if self.total_bytes is not None else self.sent_bytes
                self.progress(
                    Progress(
                        self.acked_chunks,
                        self._total_chunks(),
                        self.acked_bytes,
                        max(total, self.acked_bytes),
                    )
                )

    def _on_ack(self, _fut: asyncio.Future) -> None:
        # A failing progress callback must fail the put, not vanish into the loop's log.
        try:
            self._count_acked()
        except Exception as exc:
            self._callback_errors.append(exc)

    def _raise_callback_error(self) -> None:
        if self._callback_errors:
            raise self._callback_errors[0]

    async def _ack_oldest(self) -> None:
        await await_ack(self.conn, self.pending[0][0], self.bucket, self.subject)
        self._count_acked()


async def await_ack(conn: Connection, fut: asyncio.Future, bucket: str, subject: str) -> None:
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
        if conn.lost_for() is not None:
            raise E.ConnectionLostError()  # the ack, if any, went to the dead connection
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
    except E.JetStreamNotEnabledError:
        raise  # no stream at all: what a put learns first now that it looks nothing up
    except E.ObjectStoreError:
        return True  # no answer (e.g. the meta leader is being elected): it was there
    return True
