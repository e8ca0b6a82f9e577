"""Lean chunk publishes: frames sent without copying the payload, acks routed by token.

nats-py's `publish_async` copies each payload twice while framing it (`hpub_cmd`) and its
flusher joins them all again, draws a random token (a system call), and answers each ack
through a Msg, a queue, a task, a JSON parse, a dataclass and a Future with two
callbacks. A chunk needs none of that: its frame goes to the socket (or, behind anything
nats-py still has queued or while disconnected, into nats-py's buffer, which it re-sends
after a reconnect), and its ack comes straight from our parser to the window that sent it.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.aio.transport import TcpTransport

from .fastpath import _router

_CRLF = b"\r\n"
# Bytes a direct write may leave in the transport's buffer before waiting for it to drain.
DIRECT_BACKLOG = 1 << 20
# Python 3.12+ sends a frame's parts with one sendmsg, without copying them (one send per
# chunk instead of three). 3.11's writelines joins them instead: a fresh 128 KiB buffer
# per chunk, no faster here than three sends (same-run, 256 MiB) and, in a long-lived
# process whose heap glibc keeps trimming, ~33 page faults per chunk (46 us a join).
_SENDMSG = sys.version_info >= (3, 12)
# The status line of a "no responders" answer: no stream took the message (a 503).
_NO_RESPONDERS = b"NATS/1.0 503"

# (chunk index, error or None); called from the parser, so it must not block.
AckHandler = Callable[[int, "BaseException | None"], None]


_MSG_ID = b"NATS/1.0\r\nNats-Msg-Id: "


def msg_id_header(ident: str) -> bytes:
    """A header block holding only `Nats-Msg-Id: ident`, ready for an HPUB frame."""
    return _MSG_ID + ident.encode() + b"\r\n\r\n"


def chunk_lines(
    subject: str, reply_prefix: str, msg_ids: tuple[str, str] | None
) -> Callable[[int, int], bytes]:
    """Builds the command line (and `Nats-Msg-Id` header block) of chunk `index` of `size`
    bytes, as `publish` and msg_id_header would, from bytes prepared once per window.

    The reply is `reply_prefix + index`; the id, when given as (before, after), is
    `before + index + after`. One bytes format per chunk instead of two f-strings, two
    encodes and three joins.
    """
    if msg_ids is None:
        pub = b"PUB %b %b" % (subject.encode(), reply_prefix.encode())
        return lambda index, size: b"%b%d %d\r\n" % (pub, index, size)
    hpub = b"HPUB %b %b" % (subject.encode(), reply_prefix.encode())
    before, after = msg_ids[0].encode(), msg_ids[1].encode() + b"\r\n\r\n"
    fixed = len(_MSG_ID) + len(before) + len(after)  # the header block but the index

    def line(index: int, size: int) -> bytes:
        i = b"%d" % index
        hlen = fixed + len(i)
        return b"%b%b %d %d\r\n%b%b%b%b" % (hpub, i, hlen, hlen + size, _MSG_ID, before, i, after)

    return line


async def publish(
    nc: NATS, subject: str, reply: str, payload: bytes, header: bytes = b"", *, line: bytes = b""
) -> None:
    """Send one message as nats-py's own publish would, without copying the payload.

    The same checks as nats-py's `publish` (pins.py checked its shape). With nothing of
    nats-py's queued, the frame goes straight to the socket; else it is queued in
    nats-py's buffer as is, for its flusher (and its re-send after a reconnect). `line`,
    when given, is the frame's command line and header block already built (chunk_lines);
    `subject`, `reply` and `header` are then not read.
    """
    if nc.is_closed:
        raise nats.errors.ConnectionClosedError
    if nc.is_draining_pubs:
        raise nats.errors.ConnectionDrainingError
    size = len(payload)
    if not nc.is_connected and (
        nc._max_pending_size <= 0 or size + nc._pending_data_size > nc._max_pending_size
    ):
        raise nats.errors.OutboundBufferLimitError
    if size > nc._max_payload:
        raise nats.errors.MaxPayloadError
    if not line:
        if header:
            hlen = len(header)
            line = f"HPUB {subject} {reply} {hlen} {hlen + size}\r\n".encode() + header
        else:
            line = f"PUB {subject} {reply} {size}\r\n".encode()
    stats = nc.stats
    stats["out_msgs"] += 1
    stats["out_bytes"] += size
    writer = _direct_writer(nc)
    if writer is not None:
        if writer.transport.is_closing():
            # asyncio closed the socket (a send failed) before nats-py noticed: the frame is
            # lost with the connection, which the caller's window sees. A write would print
            # "socket.send() raised exception." each time; writelines (3.12, 3.13) raises
            # AttributeError from inside asyncio.
            return
        # Straight into the socket (or the transport's buffer, which is reused): no join
        # of a fresh multi-MiB buffer per flush. Bounded by the caller's ack window.
        if _SENDMSG:
            writer.writelines((line, payload, _CRLF))
        else:
            writer.write(line)
            writer.write(payload)
            writer.write(_CRLF)
        if writer.transport.get_write_buffer_size() > DIRECT_BACKLOG:
            # The socket is full: let it drain (and the loop run), as nats-py's flusher
            # would. A lost connection is nats-py's to notice; the window sees it.
            with contextlib.suppress(ConnectionError, OSError):
                await writer.drain()
        return
    pending = nc._pending
    pending.append(line)
    pending.append(payload)
    pending.append(_CRLF)
    nc._pending_data_size += len(line) + size + 2
    if nc._max_pending_size > 0 and nc._pending_data_size > nc._max_pending_size:
        await nc._flush_pending(force_flush=True)
    elif nc._flush_queue is not None and nc._flush_queue.empty():
        await nc._flush_pending()


def _direct_writer(nc: NATS) -> Any:
    """The connection's stream writer when a frame may go straight to it: connected over
    plain TCP or TLS, with nothing of nats-py's still queued (which must go first: a SUB
    before the publishes whose acks it receives). Else None: nats-py's buffer, which it
    re-sends after a reconnect."""
    if nc._pending or not nc.is_connected:
        return None
    transport = nc._transport
    if type(transport) is not TcpTransport:
        return None  # a websocket frames each write
    return transport._io_writer


def ack_error(data: bytes, headers: bytes | None) -> BaseException | None:
    """The error a publish ack reports (as nats-py would raise it), or None for a stored one."""
    if headers is not None and headers.startswith(_NO_RESPONDERS):
        return nats.js.errors.NoStreamResponseError()
    if headers is None and data.startswith(b'{"stream"') and b'"error"' not in data:
        return None  # the common case, without parsing: {"stream":...,"seq":...}
    try:
        resp = json.loads(data)
    except ValueError:
        return nats.js.errors.APIError(description=f"unreadable publish ack: {data[:80]!r}")
    if isinstance(resp, dict) and "error" in resp:
        try:
            nats.js.errors.APIError.from_error(resp["error"])  # raises the typed error
        except nats.js.errors.APIError as err:
            return err
        except (KeyError, TypeError):
            return nats.js.errors.APIError(description=str(resp["error"])[:200])
    return None


class AckInbox:
    """The connection's wildcard reply subject for chunk acks, read by our parser.

    Each window registers under a token and publishes with reply `<prefix><token>.<index>`;
    an ack is handed to its window's handler with the index. Acks for a token no longer
    registered (a window that gave up) are dropped. nats-py re-subscribes it on reconnect.
    """

    def __init__(self, nc: NATS, prefix: str, sid: int) -> None:
        self.nc = nc
        self.prefix = prefix  # "<inbox>." : a reply is prefix + token + "." + index
        self.sid = sid
        self.handlers: dict[bytes, AckHandler] = {}
        self._next = 0
        self._skip = len(prefix)

    def register(self, handler: AckHandler) -> str:
        """A new token whose acks go to `handler`; returns the reply prefix to publish with."""
        self._next += 1
        token = b"%x" % self._next
        self.handlers[token] = handler
        return f"{self.prefix}{token.decode()}."

    def unregister(self, reply_prefix: str) -> None:
        token = reply_prefix[self._skip : -1].encode()
        self.handlers.pop(token, None)

    def on_raw(self, subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
        token, _, index = subject[self._skip :].partition(b".")
        handler = self.handlers.get(token)
        if handler is None or not index.isdigit():
            return
        handler(int(index), ack_error(data, headers))


async def _unrouted(_msg: Any) -> None:
    """nats-py's callback for the inbox: never called, as the router takes the sid's
    messages from its subscription on (no chunk carries the reply before that)."""


async def ack_inbox(nc: NATS) -> AckInbox:
    """The connection's AckInbox, subscribed on first use."""
    inbox = nc.__dict__.get("_natsobj_ack_inbox")
    if inbox is None:
        prefix = nc.new_inbox() + "."
        sub = await nc.subscribe(prefix + ">", cb=_unrouted)
        inbox = nc.__dict__.get("_natsobj_ack_inbox")
        if inbox is not None:  # another put subscribed meanwhile
            await sub.unsubscribe()
            return inbox
        inbox = AckInbox(nc, prefix, sub._id)
        _router(nc).handlers[sub._id] = inbox.on_raw
        nc.__dict__["_natsobj_ack_inbox"] = inbox
    return inbox
