"""An R3 bucket on a real 3-node cluster: status, and every verb through every node."""

from __future__ import annotations

import asyncio

import pytest

from natsobj_gui.core import BucketConfig, Client, WatchKind

from .conftest import CLUSTER_NAME, Cluster

pytestmark = pytest.mark.cluster


async def test_r3_status_shows_replicas_cluster_and_leader(
    cluster: Cluster, cclient: Client, cbucket: str
) -> None:
    await cclient.create_bucket(BucketConfig(cbucket, replicas=3))
    status = await cclient.buckets.status(cbucket)
    assert status.replicas == 3
    assert status.cluster == CLUSTER_NAME
    assert status.leader in {n.name for n in cluster.nodes}
    listed = {b.name: b for b in await cclient.buckets.list()}
    assert listed[cbucket].replicas == 3


async def test_r3_verbs_through_every_node(cluster: Cluster, cclient: Client, cbucket: str) -> None:
    await cclient.create_bucket(BucketConfig(cbucket, replicas=3))
    per_node = [await Client.connect(cluster.profile(n)) for n in cluster.nodes]
    try:
        # A watch on the first node sees what every node writes.
        async with per_node[0].store(cbucket).watch(updates_only=True) as watcher:
            first = await asyncio.wait_for(watcher.next_batch(), 5)
            assert [e.kind for e in first] == [WatchKind.INITIAL_DONE]
            for i, c in enumerate(per_node):
                await c.store(cbucket).put(f"from/{i}", bytes([i]) * 300_000, chunk_size=50_000)
            seen: list[str] = []
            while len(seen) < 3:
                for e in await asyncio.wait_for(watcher.next_batch(), 10):
                    assert e.kind is WatchKind.PUT
                    seen.append(e.info.name)
            assert seen == ["from/0", "from/1", "from/2"]
        # Every node reads what every other node wrote, and lists the same.
        for c in [*per_node, cclient]:
            store = c.store(cbucket)
            assert sorted(i.name for i in await store.list()) == ["from/0", "from/1", "from/2"]
            for i in range(3):
                assert await store.get_bytes(f"from/{i}") == bytes([i]) * 300_000
        # The all-URLs client writes through whichever node it reached.
        await cclient.store(cbucket).delete("from/1")
        for c in per_node:
            assert sorted(i.name for i in await c.store(cbucket).list()) == ["from/0", "from/2"]
    finally:
        for c in per_node:
            await c.close()
