"""jsraw.reads: socket reads into reused buffers, across reconnects and back-pressure."""

from __future__ import annotations

import asyncio
import contextlib
import os

import nats.aio.client
import pytest

from natsobj_gui.core import Client
from natsobj_gui.core.jsraw import reads
from natsobj_gui.core.server import LocalServer

OUTAGE = 10.0  # outage_client's bound


def _protocol(client: Client) -> object:
    return client.conn.nc._transport._io_writer.transport.get_protocol()


async def test_reads_use_reused_buffers_also_after_a_reconnect(
    fresh_server: LocalServer, outage_client: Client
) -> None:
    first = _protocol(outage_client)
    assert isinstance(first, reads._Reads), "nats-py's transport moved: reads are copied again"
    store = await outage_client.create_bucket("reads")
    data = os.urandom(6 << 20)
    await store.put("a", data)
    assert await store.get_bytes("a") == data
    assert 1 <= first._made <= reads.BUFFERS  # reused, not one per read
    assert fresh_server.proc is not None
    fresh_server.proc.kill()
    fresh_server.proc.wait()
    for _ in range(100):  # until the client has seen the loss (an EOF through _Reads)
        if not outage_client.conn.nc.is_connected:
            break
        await asyncio.sleep(0.05)
    assert first.ended
    fresh_server.start()
    assert await outage_client.conn.wait_back(15)
    again = _protocol(outage_client)
    assert isinstance(again, reads._Reads) and again is not first
    assert await asyncio.wait_for(store.get_bytes("a"), 30) == data


async def test_a_slow_reader_pauses_the_socket_and_resumes_it(
    client: Client, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one buffer the socket pauses at every read until the parser hands it back."""
    monkeypatch.setattr(reads, "BUFFERS", 1)
    slow = await Client.connect(client.conn.profile)
    try:
        store = await slow.create_bucket(bucket_name)
        data = os.urandom(5 << 20)
        await store.put("a", data, chunk_size=100_000)  # chunks straddle the reads
        got: list[int] = []
        pauses = 0
        protocol = _protocol(slow)
        transport = slow.conn.nc._transport._io_writer.transport
        original = transport.pause_reading

        def pause_reading() -> None:
            nonlocal pauses
            pauses += 1
            original()

        transport.pause_reading = pause_reading

        def progress(p) -> None:  # type: ignore[no-untyped-def]
            got.append(p.bytes_done)

        assert await asyncio.wait_for(store.get_bytes("a", progress=progress), 30) == data
        assert isinstance(protocol, reads._Reads) and protocol._made == 1
        assert pauses > 0 and got[-1] == len(data)
    finally:
        # The server is shared: a bucket left behind shows up in other tests' trees.
        with contextlib.suppress(Exception):
            await slow.buckets.delete(bucket_name)
        await slow.close()


def test_a_connection_without_a_plain_transport_keeps_nats_py_reads() -> None:
    assert reads._switch(nats.aio.client.Client()) is None


async def _proxy_closing_after_first_pong(
    upstream: tuple[str, int],
) -> tuple[asyncio.Server, list[int]]:
    """A TCP proxy to `upstream`; its first connection ends right after the server's PONG
    (the connect's last answer), later ones forward both ways. Returns it and a count."""
    seen = [0]

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, cut: bool) -> None:
        with contextlib.suppress(OSError):
            while data := await src.readline() if cut else await src.read(65536):
                dst.write(data)
                if cut and data == b"PONG\r\n":  # the connect's last answer: close at once
                    dst.close()
                    return
                await dst.drain()
        dst.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen[0] += 1
        cut = seen[0] == 1
        with contextlib.suppress(asyncio.CancelledError):  # the test's end
            up_r, up_w = await asyncio.open_connection(*upstream)
            down = asyncio.ensure_future(pipe(up_r, writer, cut))
            await pipe(reader, up_w, False)
            if cut:
                up_w.close()
            await down

    return await asyncio.start_server(serve, "127.0.0.1", 0), seen


async def test_an_eof_before_the_read_loop_starts_is_seen(nats_server: LocalServer) -> None:
    """The server closing right after its PONG: the EOF reached nats-py's reader before the
    read loop began; reading must report it (a reconnect), not wait for data forever."""
    from natsobj_gui.core import jsraw

    host, port = nats_server.url.removeprefix("nats://").rsplit(":", 1)
    proxy, seen = await _proxy_closing_after_first_pong((host, int(port)))
    back = asyncio.Event()

    async def reconnected() -> None:
        back.set()

    async def quiet(_exc: Exception) -> None:
        pass

    jsraw.tune_nats_client()
    nc = nats.aio.client.Client()
    reads.read_into_buffers(nc)
    try:
        await nc.connect(
            servers=[f"nats://127.0.0.1:{proxy.sockets[0].getsockname()[1]}"],
            reconnect_time_wait=0.1,
            max_reconnect_attempts=-1,
            reconnected_cb=reconnected,
            error_cb=quiet,
        )
        # No ping for two minutes and nothing written: only the EOF can end the wait.
        await asyncio.wait_for(back.wait(), 10)
        assert seen[0] >= 2
        assert isinstance(nc._transport._io_writer.transport.get_protocol(), reads._Reads)
        await asyncio.wait_for(nc.flush(), 5)
    finally:
        await nc.close()
        proxy.close()
