"""Everything below nats-py's public API lives here, so an upgrade is a one-file change.

An ordered push consumer with immediate flow-control replies (nats-py's own replies wait
for a 0.25 s timer, which stalls downloads), reply-subject parsing for sequences and
pending counts, and gap/heartbeat recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import nats.aio.client as _nats_client
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.manager import JetStreamManager

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


# nats-py reads the socket 32 KiB at a time and its StreamReader pauses the socket at 64 KiB
# buffered, so every 128 KiB chunk costs several event-loop turns (expensive on qasync).
READ_BUFFER_SIZE = 1024 * 1024


def tune_nats_client() -> bool:
    """Raise nats-py's socket read size; False if this nats-py no longer has the knob."""
    current = getattr(_nats_client, "DEFAULT_BUFFER_SIZE", None)
    if not isinstance(current, int):
        return False
    _nats_client.DEFAULT_BUFFER_SIZE = max(current, READ_BUFFER_SIZE)
    return True


def fix_publish_async_errors(js: Any) -> None:
    """Make nats-py fail a publish_async future when the server answers with an error.

    nats-py (2.x) raises the APIError out of its reply handler instead of setting it on the
    future, so a full or sealed bucket looked like a 10 s ack timeout.
    """
    original = getattr(js, "_handle_async_reply", None)
    if original is None or getattr(original, "_natsobj_fixed", False):
        return

    async def handle(msg: Any) -> None:
        try:
            await original(msg)
        except nats.js.errors.APIError as exc:
            futures = getattr(js, "_publish_async_futures", None) or {}
            prefix = getattr(js, "_async_reply_prefix", None) or b""
            fut = futures.get(msg.subject[len(prefix) :])
            if fut is not None and not fut.done():
                fut.set_exception(exc)

    handle._natsobj_fixed = True  # type: ignore[attr-defined]
    # _init_async_reply subscribes with `cb=self._handle_async_reply`, looked up lazily.
    js._handle_async_reply = handle


def refuse_plaintext(nc: NATS, reason: str) -> None:
    """Stop before CONNECT (and its credentials) when the server does not offer TLS.

    nats-py upgrades only when the server's INFO asks for TLS, so a tls:// URL to a plain
    server (or a downgrading middlebox) would otherwise send the password in clear text.
    """
    original = nc._process_info

    async def process_info(info: dict[str, Any], initial_connection: bool = False) -> None:
        # tls_available (allow_non_tls) is not enough: nats-py only upgrades on tls_required.
        first = nc.options.get("tls_handshake_first")
        if initial_connection and not first and not info.get("tls_required"):
            raise nats.errors.Error(f"nats: {reason}: the server does not offer TLS")
        await original(info, initial_connection=initial_connection)

    nc._process_info = process_info  # type: ignore[method-assign]


def server_info(nc: NATS) -> dict[str, Any]:
    """The INFO the server sent (version, name, max_payload, ...); nats-py has no accessor."""
    info = getattr(nc, "_server_info", None)
    return dict(info) if isinstance(info, dict) else {}


class Deliver(StrEnum):
    ALL = "all"
    LAST_PER_SUBJECT = "last_per_subject"
    NEW = "new"


@dataclass(slots=True)
class JsMsg:
    """A stream message as delivered to a push consumer (headers are not parsed)."""

    data: bytes
    stream_seq: int
    consumer_seq: int
    pending: int
    timestamp_ns: int


def parse_ack_reply(reply: str | bytes) -> tuple[int, int, int, int] | None:
    """(stream_seq, consumer_seq, timestamp_ns, pending) from a `$JS.ACK...` reply subject."""
    tokens = reply.split(b"." if isinstance(reply, bytes) else ".")  # type: ignore[arg-type]
    n = len(tokens)
    if n == 9:  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>
        base = 5
    elif n >= 11:  # $JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>...
        base = 7
    else:
        return None
    try:
        return (
            int(tokens[base]),
            int(tokens[base + 1]),
            int(tokens[base + 2]),
            int(tokens[base + 3]),
        )
    except ValueError:
        return None


def _parse_headers(raw: bytes) -> dict[str, str]:
    """Key/value lines of a (rare) status message's header block."""
    out: dict[str, str] = {}
    for line in raw.decode(errors="replace").split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


RawHandler = Callable[[bytes, bytes, "bytes | None"], "Awaitable | None"]


class _Router:
    """Hands messages for our consumers' subscriptions (by sid) straight from the parser.

    nats-py parses every header block into a dict, builds a Msg, queues it and wakes a
    task per subscription: about half the cost of listing 100,000 objects. Chunks and
    object infos need none of that, so known deliver subjects bypass it.
    """

    def __init__(self, nc: NATS) -> None:
        self.handlers: dict[int, RawHandler] = {}
        original = nc._process_msg
        handlers = self.handlers

        async def process_msg(
            sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
        ) -> None:
            handler = handlers.get(sid)
            if handler is None:
                await original(sid, subject, reply, data, headers)
                return
            pending = handler(reply, data, headers)
            if pending is not None:
                await pending

        nc._process_msg = process_msg  # type: ignore[method-assign]


def _router(nc: NATS) -> _Router | None:
    """The connection's router, installed on first use; None if nats-py changed shape."""
    router = nc.__dict__.get("_natsobj_router")
    if router is None:
        try:
            params = list(inspect.signature(nc._process_msg).parameters)
        except (AttributeError, TypeError, ValueError):
            return None
        if params != ["sid", "subject", "reply", "data", "headers"]:
            return None
        router = _Router(nc)
        nc.__dict__["_natsobj_router"] = router
        _install_fast_parser(nc, router)
    return router


def _split_msg_line(line: bytes) -> tuple[bytes, int, bytes, int, int] | None:
    """(subject, sid, reply, header_len, total_len) of a MSG/HMSG line; None if malformed."""
    parts = line.split()
    try:
        if parts[0] == b"HMSG":
            if len(parts) == 6:
                return parts[1], int(parts[2]), parts[3], int(parts[4]), int(parts[5])
            if len(parts) == 5:
                return parts[1], int(parts[2]), b"", int(parts[3]), int(parts[4])
        elif len(parts) == 5:
            return parts[1], int(parts[2]), parts[3], 0, int(parts[4])
        elif len(parts) == 4:
            return parts[1], int(parts[2]), b"", 0, int(parts[3])
    except (ValueError, IndexError):
        pass
    return None


def _install_fast_parser(nc: NATS, router: _Router) -> bool:
    """Parse MSG/HMSG ourselves and hand routed ones over directly; nats-py does the rest.

    nats-py matches two regular expressions and fills a dict per message; for a 100,000
    object listing that is a third of the time. Anything but a complete MSG/HMSG at the
    front of the buffer (PING, INFO, -ERR, a partial payload) goes to nats-py's parser,
    which shares the same buffer and state.
    """
    ps = getattr(nc, "_ps", None)
    original = getattr(ps, "parse", None)
    if (
        ps is None
        or original is None
        or not all(hasattr(ps, a) for a in ("buf", "state", "needed", "header_needed"))
    ):
        return False
    idle_state = ps.state  # the parser starts awaiting a control line
    handlers = router.handlers

    async def parse(data: bytes = b"") -> None:
        buf = ps.buf
        if data:
            buf.extend(data)
        while buf:
            if ps.state != idle_state or not (buf.startswith(b"HMSG ") or buf.startswith(b"MSG ")):
                await original(b"")
                return
            end = buf.find(b"\r\n")
            if end < 0:
                return  # the rest of the line has not arrived yet
            args = _split_msg_line(bytes(buf[:end]))
            if args is None:
                await original(b"")  # let nats-py report the protocol error
                return
            subject, sid, reply, hlen, total = args
            start = end + 2
            if len(buf) < start + total + 2:
                return  # wait for the payload; the line stays in the buffer
            if hlen:
                hdr: bytes | None = bytes(buf[start : start + hlen])
                payload = bytes(buf[start + hlen : start + total])
            else:
                hdr = None
                payload = bytes(buf[start : start + total])
            del buf[: start + total + 2]
            handler = handlers.get(sid)
            if handler is None:
                await nc._process_msg(sid, subject, reply, payload, hdr)
            else:
                pending = handler(reply, payload, hdr)
                if pending is not None:
                    await pending

    ps.parse = parse
    return True


class OrderedConsumer:
    """Delivers a stream's messages in order to `on_msg`, once each, across resets.

    `on_msg` returns True to finish. `run()` returns when it did, raises what it raised,
    and raises `IdleTimeout` when no data message came for `idle_timeout` seconds.
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
        heartbeat: float = 2.0,
        idle_timeout: float | None = None,
    ) -> None:
        self._nc = nc
        self._jsm = jsm
        self._stream = stream
        self._filter = filter_subject
        self._on_msg = on_msg
        self._deliver = deliver
        self._headers_only = headers_only
        self._heartbeat = heartbeat
        self._idle_timeout = idle_timeout
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
        self._idle_grace = IDLE_GRACE_RESETS
        self.initial_pending = 0

    async def start(self) -> int:
        """Create the consumer; returns how many messages it had pending at creation."""
        self._done = asyncio.get_running_loop().create_future()
        self._last_data = self._last_any = time.monotonic()
        await self._create(start_seq=0)
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

    def finish(self, exc: BaseException | None = None) -> None:
        if self._done is not None and not self._done.done():
            if exc is None:
                self._done.set_result(None)
            else:
                self._done.set_exception(exc)

    async def close(self) -> None:
        router = _router(self._nc)
        if router is not None and self._sid is not None:
            router.handlers.pop(self._sid, None)
            self._sid = None
        sub, self._sub = self._sub, None
        consumer, self._consumer = self._consumer, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if consumer and not self._nc.is_closed and self._nc.is_connected:
            # Ephemeral consumers expire on their own; deleting early frees server memory.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._jsm.delete_consumer(self._stream, consumer), 2.0)

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
        if not start_seq:
            self.initial_pending = info.num_pending or 0
            if self._deliver is Deliver.NEW and not self._positioned:
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
            await self.close()
            self._last_any = time.monotonic()
            await self._create(start_seq=self._last_sseq + 1 if self._positioned else 0)
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

    def _on_raw(self, reply: bytes, data: bytes, headers: bytes | None) -> Awaitable | None:
        """Fast path, called from nats-py's parser: no header parsing, no Msg, no queue."""
        if headers is not None and headers.startswith(b"NATS/1.0 100"):
            return self._control(reply.decode() if reply else "", _parse_headers(headers))
        self._on_data(reply, data)
        return None

    async def _handle(self, msg: Msg) -> None:
        """Public-API path (when the router is unavailable): same logic, parsed Msg."""
        hdrs = msg.headers
        if not msg.data and hdrs and hdrs.get(STATUS) == "100":
            await self._control(msg.reply, hdrs)
        elif msg.reply:
            self._on_data(msg.reply, msg.data)

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

    def _on_data(self, reply: str | bytes, data: bytes) -> None:
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
            finished = self._on_msg(JsMsg(data, sseq, dseq, pending, ts))
        except BaseException as exc:
            self.finish(exc)
            return
        if finished:
            self.finish()

    def _schedule_reset(self) -> None:
        # Never reset inline: we may be running inside nats-py's read loop, which must keep
        # reading to receive the answer to the consumer re-creation.
        if self._reset_task is None or self._reset_task.done():
            self._reset_task = asyncio.ensure_future(self._reset())

    async def _watchdog(self) -> None:
        tick = max(0.05, min(self._heartbeat, self._idle_timeout or self._heartbeat) / 2)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            # A re-creation in progress is bounded by its request timeout: let it finish.
            idle = now - self._last_data
            if self._idle_timeout and idle > self._idle_timeout and not self._resetting:
                self.finish(self.IdleTimeout())
                return
            if now - self._last_any > 3 * self._heartbeat:
                self._schedule_reset()
