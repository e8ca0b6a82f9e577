"""Socket reads into a few reused buffers: no allocation and no copy per read.

nats-py reads through an asyncio StreamReader: each read allocates fresh bytes for the
socket's data, copies them into the reader's buffer and out again. For a 128 KiB chunk
that is three passes over its bytes before our parser sees them, and the fresh 1 MiB
allocations page-fault whenever malloc has handed memory back. Here the socket is read
with recv_into (asyncio's BufferedProtocol) into reused buffers, and the parser cuts
messages straight out of them. Plain TCP transports only: TLS and websockets keep
nats-py's own reads, as does any transport this does not recognise.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import nats.aio.client as _nats_client
import nats.errors
from nats.aio.client import Client as NATS

from .patches import READ_BUFFER_SIZE

# Buffers per connection at most: while the parser works through one, the socket fills
# the others, then reading pauses until one is handed back (memory stays flat).
BUFFERS = 4
_logger = logging.getLogger("nats.aio.client")  # where nats-py's read loop logs


class _Reads(asyncio.BufferedProtocol):
    """Receives into reused buffers; EOF, loss and write pauses go to nats-py's protocol."""

    def __init__(self, inner: Any, transport: Any) -> None:
        self._inner = inner  # the StreamReaderProtocol nats-py's reader and writer use
        self._transport = transport
        self._free: list[bytearray] = []
        self._made = 0
        self._lent: bytearray | None = None  # handed to recv_into, not filled yet
        self._filled: deque[tuple[bytearray, int]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self.ended = False

    def get_buffer(self, sizehint: int) -> bytearray:
        if self._lent is None:  # else the last recv_into read nothing: lend it again
            if self._free:
                self._lent = self._free.pop()
            else:
                self._lent = bytearray(READ_BUFFER_SIZE)
                self._made += 1
        return self._lent

    def buffer_updated(self, nbytes: int) -> None:
        assert self._lent is not None
        self._filled.append((self._lent, nbytes))
        self._lent = None
        if not self._free and self._made >= BUFFERS and not self._paused:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        self.ended = True
        self._wake()
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self._wake()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def add(self, data: bytes) -> None:
        """Queue bytes the stream reader held before the switch (a one-off buffer)."""
        self._filled.append((bytearray(data), len(data)))

    async def next(self) -> tuple[bytearray, int] | None:
        """The next filled buffer and its length, in order; None once the stream ended."""
        while not self._filled:
            if self.ended:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._filled.popleft()

    def release(self, buf: bytearray) -> None:
        """The parser is done with `buf`: lend it to the socket again."""
        if len(buf) != READ_BUFFER_SIZE:
            return  # a one-off from add()
        self._free.append(buf)
        if self._paused and not self.ended:
            self._paused = False
            self._transport.resume_reading()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


def _switch(nc: NATS) -> _Reads | None:
    """Put _Reads under the connection's plain TCP transport; None where it cannot be."""
    stream = getattr(nc, "_transport", None)
    reader = getattr(stream, "_io_reader", None)
    transport = getattr(getattr(stream, "_io_writer", None), "transport", None)
    held = getattr(reader, "_buffer", None)
    # The selector transport switches to recv_into for a BufferedProtocol (set_protocol);
    # SSL and other transports are left as they are.
    if type(transport).__name__ != "_SelectorSocketTransport" or not isinstance(held, bytearray):
        return None
    if transport.is_closing() or getattr(reader, "_eof", True):
        # The server closed the connection before the loop began (its EOF is already in the
        # reader, and the socket no longer read): nats-py's reads report it, so it reconnects.
        return None
    reads = _Reads(transport.get_protocol(), transport)
    transport.set_protocol(reads)
    if held:  # what arrived with the connect's last answer
        reads.add(bytes(held))
        held.clear()
    if getattr(reader, "_paused", False):  # the reader had paused the socket: it is ours now
        reader._paused = False
        transport.resume_reading()
    return reads


async def read_loop(nc: NATS) -> None:
    """nats-py's Client._read_loop (pins.py), reading through _Reads where it can.

    Each buffer goes to the parser as a memoryview of its start and is reused once the
    parser returns, so a handler taking views (fastpath) must be done with them by then.
    At the end of the stream nats-py's own reader reports the EOF or error, as before.
    """
    reads = _switch(nc)
    while True:
        try:
            if nc.is_closed or nc.is_reconnecting or nc._transport is None:
                break
            if reads is not None:
                got = await reads.next()
                if got is not None:
                    buf, size = got
                    try:
                        await nc._ps.parse(memoryview(buf)[:size])  # type: ignore[arg-type]
                    finally:
                        reads.release(buf)
                    continue
                reads = None  # the stream ended: its reader holds the EOF or the error
            if nc._transport.at_eof():
                err = nats.errors.UnexpectedEOF()
                await nc._error_cb(err)
                await nc._process_op_err(err)
                break
            data = await nc._transport.read(_nats_client.DEFAULT_BUFFER_SIZE)
            await nc._ps.parse(data)
        except nats.errors.ProtocolError:
            await nc._process_op_err(nats.errors.ProtocolError())
            break
        except OSError as exc:
            await nc._process_op_err(exc)
            break
        except asyncio.CancelledError:
            break
        except Exception as exc:
            _logger.error("nats: encountered error", exc_info=exc)
            break


def read_into_buffers(nc: NATS) -> None:
    """Make the connection's read loops (the first and each after a reconnect) ours.

    Call before connect(): nats-py starts the loop as `self._read_loop()`.
    """

    async def loop() -> None:
        await read_loop(nc)

    nc._read_loop = loop  # type: ignore[method-assign]
