"""Connecting to servers that never answer fails within seconds, however many are listed."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import nats
import pytest
from nats.aio.msg import Msg

from natsobj_gui.core import Client, ConnectProfile
from natsobj_gui.core.errors import ConnectionFailedError


@pytest.fixture
def silent_urls() -> Iterator[list[str]]:
    """Three loopback ports that accept TCP but never send INFO (like a hung server)."""
    socks = []
    for _ in range(3):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        socks.append(s)
    yield [f"nats://127.0.0.1:{s.getsockname()[1]}" for s in socks]
    for s in socks:
        s.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("count", [1, 3])
async def test_silent_servers_fail_after_one_timeout_each(
    silent_urls: list[str], count: int
) -> None:
    # One attempt per server, as nats.go: 1 s each here. The old bound retried every server
    # and allowed (2 × timeout + 1.5) per server, 11.5 s for three.
    profile = ConnectProfile(servers=tuple(silent_urls[:count]), connect_timeout=1.0)
    start = time.monotonic()
    with pytest.raises(ConnectionFailedError, match="timed out connecting"):
        await Client.connect(profile)
    assert time.monotonic() - start < count * 1.0 + 2.5


async def test_refused_servers_fail_at_once() -> None:
    servers = tuple(f"nats://127.0.0.1:{_closed_port()}" for _ in range(3))
    start = time.monotonic()
    with pytest.raises(ConnectionFailedError, match="cannot reach"):
        await Client.connect(ConnectProfile(servers=servers))
    # Every server refused once: no retry round (nats-py waits a second before one).
    assert time.monotonic() - start < 3.0


def test_default_connect_timeout_is_nats_go_s() -> None:
    assert ConnectProfile().connect_timeout == 2.0


async def test_close_is_prompt_with_a_stuck_subscription(nats_server) -> None:
    # A callback that never returns must not hold the close (nats-py's drain would wait
    # its timeout and leave a task behind), and nothing may be left running afterwards.
    client = await Client.connect(nats_server.url)
    nc = client.conn.nc
    release = asyncio.Event()

    async def stuck(_msg: Msg) -> None:
        await release.wait()

    await nc.subscribe("stuck.test", cb=stuck)
    for _ in range(3):
        await nc.publish("stuck.test", b"x")
    await nc.flush()
    before = asyncio.all_tasks()
    start = time.monotonic()
    await client.close()
    assert time.monotonic() - start < 2.0
    assert nc.is_closed
    await asyncio.sleep(0.05)
    leftover = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert leftover == []


async def test_close_drains_what_was_sent(nats_server) -> None:
    # Messages published just before close still reach a subscriber, and close is idempotent.
    listener = await nats.connect(nats_server.url)
    got: list[bytes] = []

    async def on_msg(msg: Msg) -> None:
        got.append(msg.data)

    try:
        await listener.subscribe("drain.test", cb=on_msg)
        await listener.flush()
        client = await Client.connect(nats_server.url)
        for i in range(100):
            await client.conn.nc.publish("drain.test", str(i).encode())
        await client.close()
        assert client.conn.nc.is_closed
        await client.close()  # a second close is harmless
        deadline = time.monotonic() + 10
        while len(got) < 100 and time.monotonic() < deadline:
            await listener.flush()
            await asyncio.sleep(0.01)
        assert got == [str(i).encode() for i in range(100)]
    finally:
        await listener.close()
