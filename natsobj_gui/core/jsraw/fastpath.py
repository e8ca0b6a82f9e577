"""A lean path for consumer messages: our MSG/HMSG parsing and routing by subscription id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats.protocol.parser as _nats_parser
from nats.aio.client import Client as NATS


@dataclass(slots=True)
class JsMsg:
    """A stream message as delivered to a push consumer (headers are not parsed).

    From a headers-only consumer `data` is empty and `size` is the stored payload's length
    (the server's `Nats-Msg-Size`); otherwise `size` is None. From a consumer made with
    `views`, `data` is a memoryview valid only while its handler runs.
    """

    data: bytes | memoryview
    stream_seq: int
    consumer_seq: int
    pending: int
    timestamp_ns: int
    size: int | None = None
    subject: str = ""  # the stream message's own subject (which meta, which chunk set)
    msg_id: str = ""  # its `Nats-Msg-Id`, from a headers-only consumer


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


MSG_SIZE = b"Nats-Msg-Size:"


def msg_size(raw: bytes | None) -> int | None:
    """The `Nats-Msg-Size` a headers-only consumer adds, from a raw header block."""
    if not raw:
        return None
    at = raw.find(MSG_SIZE)
    if at < 0:
        return None
    end = raw.find(b"\r\n", at)
    try:
        return int(raw[at + len(MSG_SIZE) : end if end >= 0 else None])
    except ValueError:
        return None


MSG_ID = b"Nats-Msg-Id:"


def msg_id(raw: bytes | None) -> str:
    """The `Nats-Msg-Id` of a raw header block ('' when it has none)."""
    at = raw.find(MSG_ID) if raw else -1
    if at < 0:
        return ""
    assert raw is not None
    end = raw.find(b"\r\n", at)
    return raw[at + len(MSG_ID) : end if end >= 0 else None].strip().decode(errors="replace")


def _parse_headers(raw: bytes) -> dict[str, str]:
    """Key/value lines of a (rare) status message's header block."""
    out: dict[str, str] = {}
    for line in raw.decode(errors="replace").split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


# (subject, reply, data, headers) of one message, straight from the parser.
RawHandler = Callable[[bytes, bytes, bytes, "bytes | None"], "Awaitable | None"]


class _Router:
    """Hands messages for our consumers' subscriptions (by sid) straight from the parser.

    nats-py parses every header block into a dict, builds a Msg, queues it and wakes a
    task per subscription: about half the cost of listing 100,000 objects. Chunks and
    object infos need none of that, so known deliver subjects bypass it.
    Upstream: https://github.com/nats-io/nats.py/issues/703 (object store gets are slow).
    """

    def __init__(self, nc: NATS) -> None:
        self.handlers: dict[int, RawHandler] = {}
        # Sids whose handler takes its payload as a memoryview valid only during the call.
        self.views: set[int] = set()
        original = nc._process_msg
        handlers = self.handlers

        async def process_msg(
            sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
        ) -> None:
            handler = handlers.get(sid)
            if handler is None:
                await original(sid, subject, reply, data, headers)
                return
            pending = handler(subject, reply, data, headers)
            if pending is not None:
                await pending

        nc._process_msg = process_msg  # type: ignore[method-assign]


def _router(nc: NATS) -> _Router:
    """The connection's router, installed on first use (pins.py checked nats-py's shape)."""
    router = nc.__dict__.get("_natsobj_router")
    if router is None:
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


# The longest the parser works through one socket read before yielding to the loop.
PARSE_SLICE = 0.005
_MSG = b"MSG "
_HMSG = b"HMSG "
_CRLF = b"\r\n"


def _first_msg_end(buf: bytearray) -> int | None:
    """Where the MSG/HMSG at the front of `buf` ends (its payload's CRLF included); None
    when its control line is incomplete or it is not a MSG/HMSG at all."""
    if not (buf.startswith(_HMSG) or buf.startswith(_MSG)):
        return None
    end = buf.find(_CRLF)
    if end < 0:
        return None
    args = _split_msg_line(bytes(buf[:end]))
    return None if args is None else end + 2 + args[4] + 2


def _install_fast_parser(nc: NATS, router: _Router) -> None:
    """Parse MSG/HMSG ourselves and hand routed ones over directly; nats-py does the rest.

    nats-py matches two regular expressions and fills a dict per message; for a 100,000
    object listing that is a third of the time. Anything but a complete MSG/HMSG at the
    front of the buffer (PING, INFO, -ERR, a partial payload) goes to nats-py's parser,
    which shares the same buffer and state.

    Messages wholly inside one socket read are cut out of it, not copied into nats-py's
    buffer first: only a message split across reads is assembled there. A handler whose
    sid is in `router.views` gets its payload as a memoryview of the read, valid only
    until it returns; every other handler gets bytes.
    """
    ps = nc._ps
    original = ps.parse
    # nats-py's own constant, not the state at install: installed mid-payload, a captured
    # state would read payload bytes as control lines.
    idle_state = _nats_parser.AWAITING_CONTROL_LINE
    handlers = router.handlers
    views = router.views

    def deliver(
        sid: int, subject: bytes, reply: bytes, data: bytes | memoryview, hdr: bytes | None
    ) -> Awaitable | None:
        """To the sid's handler, else to nats-py (`data` is bytes unless the sid takes views);
        what to await, if anything (no coroutine per message for a plain handler)."""
        handler = handlers.get(sid)
        if handler is None:  # bytes() of bytes is the same object: a copy only of a view
            return nc._process_msg(sid, subject, reply, bytes(data), hdr)
        return handler(subject, reply, data, hdr)  # type: ignore[arg-type]

    async def parse(data: bytes | memoryview = b"") -> None:
        buf = ps.buf
        pos = 0
        if buf or ps.state != idle_state:
            # Something is left from the last read: finish its first message in the buffer,
            # taking from `data` no more than it lacks, then go on in `data` itself.
            whole = _first_msg_end(buf) if ps.state == idle_state else None
            if whole is None or len(buf) + len(data) < whole:
                await parse_buffer(data)
                return
            pos = whole - len(buf)
            buf += memoryview(data)[:pos]
            await parse_buffer(b"")
            if buf or ps.state != idle_state:  # not expected: let the buffered path go on
                await parse_buffer(data[pos:])
                return
        await parse_read(data, pos)

    async def parse_read(data: bytes | memoryview, pos: int) -> None:
        """Messages straight out of one read; the incomplete rest goes to the buffer.

        `data` is bytes, or a memoryview of the start of a reused buffer (reads.read_loop):
        views handed out are valid until this returns, bytes are copies.
        """
        src: bytes | bytearray
        if data.__class__ is memoryview:
            src, size = data.obj, len(data)  # type: ignore[union-attr]
        else:
            src, size = data, len(data)  # type: ignore[assignment]
        view = memoryview(src)
        handled = 0
        slice_end = time.perf_counter() + PARSE_SLICE
        while pos < size:
            if not (src.startswith(_HMSG, pos, size) or src.startswith(_MSG, pos, size)):
                ps.buf += view[pos:size]
                await original(b"")
                return
            end = src.find(_CRLF, pos, size)
            if end < 0:
                break  # the rest of the line has not arrived yet
            args = _split_msg_line(bytes(view[pos:end]))
            if args is None:
                ps.buf += view[pos:size]
                await original(b"")  # let nats-py report the protocol error
                return
            subject, sid, reply, hlen, total = args
            start = end + 2
            if size < start + total + 2:
                break  # wait for the payload; the line goes to the buffer with it
            hdr = bytes(view[start : start + hlen]) if hlen else None
            pos = start + total + 2
            body = view[start + hlen : start + total]
            pending = deliver(sid, subject, reply, body if sid in views else bytes(body), hdr)
            if pending is not None:
                await pending
            handled += 1
            if not handled & 63 and time.perf_counter() > slice_end:
                # A 1 MiB read holds ~2,500 object infos: let the GUI breathe in between.
                await asyncio.sleep(0)
                slice_end = time.perf_counter() + PARSE_SLICE
        if pos < size:
            ps.buf += view[pos:size]

    async def parse_buffer(data: bytes | memoryview) -> None:
        """The buffered path: messages cut out of nats-py's buffer, as it would hold them."""
        buf = ps.buf
        if data:
            buf.extend(data)
        handled = 0
        slice_end = time.perf_counter() + PARSE_SLICE
        while buf:
            if ps.state != idle_state or not (buf.startswith(_HMSG) or buf.startswith(_MSG)):
                await original(b"")
                return
            end = buf.find(_CRLF)
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
            hdr: bytes | None = bytes(buf[start : start + hlen]) if hlen else None
            with memoryview(buf) as whole:
                payload = bytes(whole[start + hlen : start + total])
            del buf[: start + total + 2]
            pending = deliver(sid, subject, reply, payload, hdr)
            if pending is not None:
                await pending
            handled += 1
            if not handled & 63 and time.perf_counter() > slice_end:
                await asyncio.sleep(0)
                slice_end = time.perf_counter() + PARSE_SLICE

    ps.parse = parse
