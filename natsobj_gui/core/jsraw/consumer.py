"""An ordered push consumer: in-order delivery, immediate flow control, gap and loss recovery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.manager import JetStreamManager

from .fastpath import JsMsg, _parse_headers, _router, msg_id, msg_size, parse_ack_reply

STATUS = "Status"
DESCRIPTION = "Description"
CONSUMER_STALLED = "Nats-Consumer-Stalled"
LAST_CONSUMER = "Nats-Last-Consumer"
STREAM_NOT_FOUND = 10059  # JetStream API err_code
# Enough for many MiB of chunks in flight; the server's flow control bounds it anyway.
SUB_PENDING_BYTES = 256 * 1024 * 1024
SUB_PENDING_MSGS = 1_000_000
# How many consumer re-creations in a row (no data in between) restart the idle clock.
IDLE_GRACE_RESETS = 3


def _honour_cancel() -> None:
    """Raise a cancel nats-py swallowed: it drops one that lands while it flushes."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _outcome_unused(task: asyncio.Future[object]) -> None:
    if not task.cancelled():
        task.exception()


class Deliver(StrEnum):
    ALL = "all"
    LAST_PER_SUBJECT = "last_per_subject"
    NEW = "new"
    BY_START_SEQUENCE = "by_start_sequence"  # from `start_seq` on (a resumed download)


class OrderedConsumer:
    """Delivers a stream's messages in order to `on_msg`, once each, across resets.

    `on_msg` returns True to finish. `run()` returns when it did, raises what it raised,
    and raises `IdleTimeout` when no data message came for `idle_timeout` seconds, or when
    the connection stayed down for more than `outage_timeout` (until then an outage does
    not count as idle: the consumer resumes where it was once the connection is back).
    With `headers_only` the server sends no payloads: each JsMsg carries its stored `size`.
    With `views` each JsMsg's `data` is a memoryview of the socket read, valid only until
    `on_msg` returns (no copy per message): for a handler that consumes it at once.
    """

    class IdleTimeout(Exception):
        pass

    def __init__(
        self,
        nc: NATS,
        jsm: JetStreamManager,
        stream: str,
        filter_subject: str,
        on_msg: Callable[[JsMsg], bool | None],
        *,
        deliver: Deliver = Deliver.ALL,
        headers_only: bool = False,
        views: bool = False,
        heartbeat: float = 2.0,
        idle_timeout: float | None = None,
        outage_timeout: float | None = None,
        start_seq: int = 0,
    ) -> None:
        self._nc = nc
        self._jsm = jsm
        self._stream = stream
        self._filter = filter_subject
        self._on_msg = on_msg
        self._deliver = deliver
        self._headers_only = headers_only
        self._views = views
        self._heartbeat = heartbeat
        self._idle_timeout = idle_timeout
        # While the connection is down the idle clock waits, up to this long.
        self._outage_timeout = outage_timeout
        self._lost_since: float | None = None
        self._sub = None
        self._sid: int | None = None
        self._consumer: str | None = None
        self._done: asyncio.Future[None] | None = None
        self._last_sseq = 0
        # Whether _last_sseq is a position to resume after (set by data, or by a NEW start).
        self._positioned = False
        self._expect_dseq = 1
        self._last_data = 0.0
        self._last_any = 0.0
        self._resetting = False
        self._reset_task: asyncio.Task | None = None
        self._closed = False
        self._idle_grace = IDLE_GRACE_RESETS
        self.initial_pending = 0
        self._created_pending = 0  # what the newest consumer had pending when created
        if deliver is Deliver.BY_START_SEQUENCE:
            if start_seq < 1:
                raise ValueError("Deliver.BY_START_SEQUENCE needs a start_seq of 1 or more")
            # Positioned before it from the start: a reset before any data resumes there.
            self._last_sseq = start_seq - 1
            self._positioned = True

    async def start(self) -> int:
        """Create the consumer; returns how many messages it had pending at creation.

        On failure it has cleaned up after itself (no subscription or consumer left).
        """
        self._done = asyncio.get_running_loop().create_future()
        self._closed = False
        self._last_data = self._last_any = time.monotonic()
        try:
            await self._create(start_seq=self._first_seq())
            self.initial_pending = self._created_pending
            _honour_cancel()
        except BaseException:
            await self.close()
            raise
        return self.initial_pending

    async def wait(self) -> None:
        """Wait until `on_msg` finished it, or raise its error or IdleTimeout."""
        assert self._done is not None
        watchdog = asyncio.ensure_future(self._watchdog())
        try:
            await self._done
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            await self.close()

    async def run(self) -> None:
        await self.start()
        await self.wait()

    async def run_pending(self) -> None:
        """Read what was pending at creation: for a scan whose `on_msg` returns
        `msg.pending == 0` (the last one), so it ends there, at once when nothing was
        pending, or with IdleTimeout when the rest was purged meanwhile (or never came).
        """
        if not self._idle_timeout:
            raise ValueError("run_pending needs an idle_timeout: it must end")
        if await self.start() == 0:
            await self.close()
            return
        await self.wait()

    def finish(self, exc: BaseException | None = None) -> None:
        if self._done is not None and not self._done.done():
            if exc is None:
                self._done.set_result(None)
            else:
                self._done.set_exception(exc)

    async def close(self) -> None:
        """Unsubscribe and delete the consumer; a re-creation in progress is stopped too."""
        self._closed = True
        reset = self._reset_task
        if reset is not None and not reset.done() and reset is not asyncio.current_task():
            reset.cancel()
            reset.add_done_callback(_outcome_unused)
            # Its subscription, if it got that far, is torn down below (or by itself).
            await asyncio.wait((reset,))
        await self._teardown()

    async def _teardown(self) -> None:
        router = _router(self._nc)
        if router is not None and self._sid is not None:
            router.handlers.pop(self._sid, None)
            router.views.discard(self._sid)
            self._sid = None
        sub, self._sub = self._sub, None
        consumer, self._consumer = self._consumer, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if consumer and not self._nc.is_closed and self._nc.is_connected:
            # Ephemeral consumers expire on their own; deleting early frees server memory.
            # Shielded, its outcome always consumed: a delete cut short by a cancelled close
            # still ends (often "stream not found" after a bucket delete), and an error no
            # one retrieves is reported by the loop.
            delete = asyncio.ensure_future(self._jsm.delete_consumer(self._stream, consumer))
            delete.add_done_callback(_outcome_unused)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(delete), 2.0)

    def _first_seq(self) -> int:
        return self._last_sseq + 1 if self._deliver is Deliver.BY_START_SEQUENCE else 0

    async def _create(self, start_seq: int) -> None:
        inbox = self._nc.new_inbox()
        self._sub = await self._nc.subscribe(
            inbox,
            cb=self._handle,
            pending_msgs_limit=SUB_PENDING_MSGS,
            pending_bytes_limit=SUB_PENDING_BYTES,
        )
        router = _router(self._nc)
        sid = getattr(self._sub, "_id", None)
        if router is not None and isinstance(sid, int):
            router.handlers[sid] = self._on_raw
            if self._views:
                router.views.add(sid)
            self._sid = sid
        cfg = ConsumerConfig(
            deliver_subject=inbox,
            ack_policy=AckPolicy.NONE,
            max_deliver=1,
            flow_control=True,
            idle_heartbeat=self._heartbeat,
            headers_only=self._headers_only or None,
            filter_subject=self._filter,
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=300.0,
        )
        if start_seq:
            cfg.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            cfg.opt_start_seq = start_seq
        elif self._deliver is Deliver.LAST_PER_SUBJECT:
            cfg.deliver_policy = DeliverPolicy.LAST_PER_SUBJECT
        elif self._deliver is Deliver.NEW:
            cfg.deliver_policy = DeliverPolicy.NEW
        else:
            cfg.deliver_policy = DeliverPolicy.ALL
        self._expect_dseq = 1
        info = await self._jsm.add_consumer(self._stream, config=cfg)
        self._consumer = info.name
        self._created_pending = info.num_pending or 0
        if not start_seq and self._deliver is Deliver.NEW and not self._positioned:
            # Resume after the stream's end at creation: a reset that asked for "new"
            # again would skip what was written while the consumer was lost.
            delivered = info.delivered
            self._last_sseq = (delivered.stream_seq if delivered else 0) or 0
            self._positioned = True

    async def _reset(self) -> None:
        """Recreate the consumer after a gap or lost heartbeats, from the next sequence."""
        if self._resetting:
            return
        self._resetting = True
        try:
            await self._teardown()
            self._last_any = time.monotonic()
            await self._create(start_seq=self._last_sseq + 1 if self._positioned else 0)
            if self._closed:
                # Closed meanwhile (nats-py may swallow the cancel): keep no interest alive.
                await self._teardown()
                return
            if self._idle_grace:
                # The old consumer was lost (leader change, reconnect), not drained: give
                # the new one a full idle period. Only a few times without data in between,
                # so a consumer that keeps failing still ends.
                self._idle_grace -= 1
                self._last_data = time.monotonic()
        except Exception as exc:
            # A deleted stream never comes back by retrying: end with the reason. Anything
            # else (server restarting, no connection yet) is retried on the next tick.
            if getattr(exc, "err_code", None) == STREAM_NOT_FOUND:
                self.finish(exc)
        finally:
            self._resetting = False

    def _on_raw(
        self, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
    ) -> Awaitable | None:
        """Fast path, called from nats-py's parser: no header parsing, no Msg, no queue."""
        if headers is not None and headers.startswith(b"NATS/1.0 100"):
            return self._control(reply.decode() if reply else "", _parse_headers(headers))
        if self._headers_only:
            self._on_data(subject, reply, data, msg_size(headers), msg_id(headers))
        else:
            self._on_data(subject, reply, data)
        return None

    async def _handle(self, msg: Msg) -> None:
        """Public-API path (when the router is unavailable): same logic, parsed Msg."""
        hdrs = msg.headers
        if not msg.data and hdrs and hdrs.get(STATUS) == "100":
            await self._control(msg.reply, hdrs)
        elif msg.reply:
            size = hdrs.get("Nats-Msg-Size") if hdrs and self._headers_only else None
            ident = hdrs.get("Nats-Msg-Id", "") if hdrs and self._headers_only else ""
            self._on_data(
                msg.subject,
                msg.reply,
                msg.data,
                int(size) if size and size.isdigit() else None,
                ident,
            )

    async def _control(self, reply: str, hdrs: dict[str, str]) -> None:
        self._last_any = time.monotonic()
        if self._done is None or self._done.done():
            return
        if reply:  # flow control request: answer at once (nats-py waits for a timer)
            await self._nc.publish(reply, b"")
            return
        stalled = hdrs.get(CONSUMER_STALLED)
        if stalled:
            await self._nc.publish(stalled, b"")
        last = hdrs.get(LAST_CONSUMER)
        if last and last.isdigit() and int(last) != self._expect_dseq - 1:
            self._schedule_reset()

    def _on_data(
        self,
        subject: str | bytes,
        reply: str | bytes,
        data: bytes,
        size: int | None = None,
        ident: str = "",
    ) -> None:
        now = time.monotonic()
        self._last_any = now
        if self._done is None or self._done.done():
            return
        meta = parse_ack_reply(reply)
        if meta is None:
            return
        sseq, dseq, ts, pending = meta
        if dseq != self._expect_dseq:
            self._schedule_reset()
            return
        self._expect_dseq = dseq + 1
        self._last_sseq = sseq
        self._positioned = True
        self._last_data = now
        self._idle_grace = IDLE_GRACE_RESETS
        try:
            if subject.__class__ is bytes:
                subject = subject.decode()  # type: ignore[union-attr]
            msg = JsMsg(data, sseq, dseq, pending, ts, size, subject, ident)  # type: ignore[arg-type]
            finished = self._on_msg(msg)
        except BaseException as exc:
            self.finish(exc)
            return
        if finished:
            self.finish()

    def _schedule_reset(self) -> None:
        # Never reset inline: we may be running inside nats-py's read loop, which must keep
        # reading to receive the answer to the consumer re-creation.
        if self._closed:
            return
        if self._reset_task is None or self._reset_task.done():
            self._reset_task = asyncio.ensure_future(self._reset())

    def _outage_too_long(self, now: float) -> bool:
        """Hold the idle clock while the connection is down; True once down too long."""
        if self._outage_timeout is None:
            return False
        if self._nc.is_connected:
            if self._lost_since is not None:
                # Back: what was pushed meanwhile is lost, so resume from our position now
                # rather than after missed heartbeats, with a full idle period to do it.
                self._lost_since = None
                self._last_data = now
                self._schedule_reset()
            return False
        if self._lost_since is None:
            self._lost_since = now
        self._last_data = now  # a lost connection is not a stalled stream
        return now - self._lost_since > self._outage_timeout

    async def _watchdog(self) -> None:
        tick = max(0.05, min(self._heartbeat, self._idle_timeout or self._heartbeat) / 2)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if self._outage_too_long(now):
                self.finish(self.IdleTimeout())
                return
            # A re-creation in progress is bounded by its request timeout: let it finish.
            idle = now - self._last_data
            if self._idle_timeout and idle > self._idle_timeout and not self._resetting:
                self.finish(self.IdleTimeout())
                return
            if now - self._last_any > 3 * self._heartbeat:
                self._schedule_reset()
