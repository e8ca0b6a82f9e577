"""A watch across a leader loss, and a client whose only node restarts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from natsobj_gui.core import Client, ConnectionEvents, Watcher, WatchEvent, WatchKind

from .conftest import Cluster
from .support import count_creates, create_r3, retry, stream_leader

pytestmark = pytest.mark.cluster


async def _collect(watcher: Watcher, events: list[WatchEvent], done, timeout: float) -> None:
    async def run() -> None:
        while not done():
            events.extend(await watcher.next_batch())

    await asyncio.wait_for(run(), timeout)


async def _watch_consumer_node(observer: Client, bucket: str) -> str:
    infos = await observer.conn.jsm.consumers_info(f"OBJ_{bucket}")
    assert len(infos) == 1, infos
    assert infos[0].cluster is not None and infos[0].cluster.leader
    return infos[0].cluster.leader


@pytest.mark.parametrize(
    ("victim", "updates_only"),
    [("stream_leader", False), ("consumer_leader", False), ("consumer_leader", True)],
)
async def test_watch_keeps_delivering_across_leader_loss(
    cluster: Cluster, cbucket: str, victim: str, updates_only: bool, monkeypatch
) -> None:
    """Every put shows up exactly once, before and after the loss; nothing twice."""
    async with await Client.connect(cluster.profile()) as setup:
        store = await create_r3(setup, cbucket)
        # Retried: a new stream's first writes can still meet "unavailable" on a busy machine.
        put_nuids = [(await retry(lambda n=n: store.put(n, n.encode()))).nuid for n in ("a", "b")]
        leader = await stream_leader(setup, cbucket)
    if victim == "stream_leader":
        nodes = [n for n in cluster.nodes if n.name != leader]
        client = await Client.connect(cluster.profile(*nodes))
    else:  # all three URLs: the client may be on the node that dies
        client = await Client.connect(cluster.profile())
    observer = await Client.connect(cluster.profile())
    store = client.store(cbucket)
    events: list[WatchEvent] = []
    creates = count_creates(monkeypatch)
    try:
        async with store.watch(updates_only=updates_only) as watcher:

            def seen(nuids: list[str]) -> bool:
                got = {e.info.nuid for e in events if e.info}
                return set(nuids) <= got

            if updates_only:
                del put_nuids[:]  # none of the existing objects is sent
                await _collect(watcher, events, lambda: bool(events), 10)
            else:
                put_nuids.append((await store.put("c", b"c")).nuid)
                await _collect(watcher, events, lambda: seen(put_nuids), 10)
            assert any(e.kind is WatchKind.INITIAL_DONE for e in events)
            name = (
                leader
                if victim == "stream_leader"
                else await _watch_consumer_node(observer, cbucket)
            )
            cluster.kill(cluster.node(name))
            killed = time.monotonic()
            for n in ("d", "e", "f"):
                info = await retry(lambda n=n: store.put(n, n.encode()), timeout=40)
                put_nuids.append(info.nuid)
            await _collect(watcher, events, lambda: seen(put_nuids), 40)
            print(
                f"watch{' (updates only)' if updates_only else ''} across the loss of {victim} "
                f"{name}: all events {time.monotonic() - killed:.1f}s after, "
                f"{len(creates) - 1} consumer re-creation(s)"
            )
            if victim == "consumer_leader":
                assert len(creates) >= 2, "the consumer survived: the test proved nothing"
        # Puts retried after an unacknowledged success may add versions; none may repeat.
        per_nuid = Counter(e.info.nuid for e in events if e.info)
        assert [n for n, c in per_nuid.items() if c > 1] == []
        names = [e.info.name for e in events if e.info and e.info.nuid in put_nuids]
        assert names == (["d", "e", "f"] if updates_only else ["a", "b", "c", "d", "e", "f"])
    finally:
        await client.close()
        await observer.close()


async def test_restart_of_the_only_connected_node(cluster: Cluster, cbucket: str) -> None:
    """The client reconnects to its restarted node and lists (and writes) again."""
    async with await Client.connect(cluster.profile()) as setup:
        store = await create_r3(setup, cbucket)
        for n in ("a", "b"):
            await retry(lambda n=n: store.put(n, n.encode() * 1000))
        leader = await stream_leader(setup, cbucket)
    node = cluster.node(leader)  # the harder case: its stream fails over too
    reconnected = asyncio.Event()
    disconnected = asyncio.Event()
    events = ConnectionEvents(on_disconnected=disconnected.set, on_reconnected=reconnected.set)
    client = await Client.connect(cluster.profile(node), events)
    try:
        store = client.store(cbucket)
        assert [i.name for i in await store.list()] == ["a", "b"]
        node.server.stop()  # graceful (SIGTERM)
        await asyncio.wait_for(disconnected.wait(), 10)
        node.server.start()
        started = time.monotonic()
        await asyncio.wait_for(reconnected.wait(), 20)
        names = await retry(lambda: _names(store), timeout=30)
        print(f"restart of {node.name}: listed again {time.monotonic() - started:.1f}s after")
        assert names == ["a", "b"]
        await retry(lambda: store.put("c", b"c"), timeout=30)
        assert await store.get_bytes("a") == b"a" * 1000
        # A listing's consumer may sit on the replica that is still catching up after its
        # restart (JetStream reads are not linearizable): "c" must show up, soon.
        deadline = time.monotonic() + 10
        while (names := await _names(store)) != ["a", "b", "c"] and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert names == ["a", "b", "c"]
    finally:
        await client.close()


async def _names(store) -> list[str]:
    return [i.name for i in await store.list()]
