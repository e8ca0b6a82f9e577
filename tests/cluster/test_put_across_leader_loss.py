"""A put from bytes that loses the stream leader (and maybe its own server) completes."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from natsobj_gui.core import Client
from natsobj_gui.core.types import Progress

from .conftest import Cluster
from .support import chunk_nuids, create_r3, orphan_nuids, retry, stream_leader

pytestmark = pytest.mark.cluster

SIZE = 8 * 1024 * 1024
CHUNK = 8 * 1024  # many chunks, so the loss lands mid-put


async def _client_on(cluster: Cluster, leader: str, on_leader: bool) -> Client:
    """A client connected to the leader (which then dies under it), or only to the others."""
    others = [n for n in cluster.nodes if n.name != leader]
    if not on_leader:
        return await Client.connect(cluster.profile(*others))
    node = cluster.node(leader)
    for _ in range(20):  # nats-py picks a random server of the list
        client = await Client.connect(cluster.profile(node, *others))
        if client.conn.nc.connected_url and client.conn.nc.connected_url.port == node.server.port:
            return client
        await client.close()
    raise AssertionError("could not connect to the stream leader")


@pytest.mark.parametrize("on_leader", [False, True], ids=["via_follower", "via_leader"])
async def test_put_completes_across_stream_leader_loss(
    cluster: Cluster, cbucket: str, on_leader: bool
) -> None:
    """The stream leader is killed a quarter into the put: it completes, whole, no orphans."""
    old = os.urandom(300_000)
    async with await Client.connect(cluster.profile()) as setup:
        store = await create_r3(setup, cbucket)
        await retry(lambda: store.put("big", old, chunk_size=CHUNK))
        leader = await stream_leader(setup, cbucket)
    client = await _client_on(cluster, leader, on_leader)
    store = client.store(cbucket)
    before = await store.info("big")
    new = os.urandom(SIZE)
    killed: list[float] = []

    def progress(p: Progress) -> None:
        if not killed and p.chunks_done >= p.chunks_total // 4:
            cluster.kill(cluster.node(leader))
            killed.append(time.monotonic())

    try:
        started = time.monotonic()
        info = await asyncio.wait_for(
            store.put("big", new, chunk_size=CHUNK, progress=progress), 120
        )
        assert killed, "the put finished before the leader could be stopped"
        print(
            f"put across the loss of {leader} (client on it: {on_leader}): complete "
            f"{time.monotonic() - killed[0]:.1f}s after ({killed[0] - started:.1f}s before)"
        )
        assert await stream_leader(client, cbucket) != leader
        assert info.nuid != before.nuid and info.size == SIZE
        assert await retry(lambda: store.get_bytes("big")) == new
        assert await retry(lambda: orphan_nuids(client, cbucket)) == set()
        counts = await retry(lambda: chunk_nuids(client, cbucket))
        assert counts == {info.nuid: SIZE // CHUNK}
    finally:
        await client.close()
