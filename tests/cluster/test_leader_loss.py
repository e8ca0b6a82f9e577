"""Stream leader loss in the middle of a get (a put's: test_put_across_leader_loss.py)."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time

import pytest

from natsobj_gui.core import Client
from natsobj_gui.core import errors as E
from natsobj_gui.core.types import Progress

from .conftest import Cluster
from .support import count_creates, create_r3, retry, stream_leader

pytestmark = pytest.mark.cluster
log = logging.getLogger(__name__)

SIZE = 8 * 1024 * 1024
CHUNK = 8 * 1024  # many chunks, so the loss lands mid-transfer


class SlowSink(io.BytesIO):
    """Writes take a little time, so most chunks are still on the server at the loss."""

    def write(self, b) -> int:  # type: ignore[override]
        time.sleep(0.002)
        return super().write(b)


async def _r3_bucket_with(cluster: Cluster, bucket: str, data: bytes) -> tuple[Client, str]:
    """An R3 bucket holding `big`; a client connected only to nodes that don't lead it."""
    async with await Client.connect(cluster.profile()) as setup:
        store = await create_r3(setup, bucket)
        await retry(lambda: store.put("big", data, chunk_size=CHUNK))
        leader = await stream_leader(setup, bucket)
    others = [n for n in cluster.nodes if n.name != leader]
    return await Client.connect(cluster.profile(*others)), leader


async def _consumer_leader(client: Client, bucket: str) -> str:
    """The node hosting the bucket's only consumer (the get's ephemeral one)."""
    infos = await client.conn.jsm.consumers_info(f"OBJ_{bucket}")
    assert len(infos) == 1, infos
    assert infos[0].cluster is not None and infos[0].cluster.leader
    return infos[0].cluster.leader


@pytest.mark.parametrize("victim", ["stream_leader", "consumer_leader"])
async def test_get_across_leader_loss(
    cluster: Cluster, cbucket: str, victim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill the stream leader, or the node serving the get's consumer, early in a get.

    The consumer's node is not always the stream leader; killing it always costs the get
    its consumer, so the ordered consumer must re-create it from the last sequence.
    """
    data = os.urandom(SIZE)
    client, leader = await _r3_bucket_with(cluster, cbucket, data)
    if victim == "consumer_leader":
        await client.close()  # all three URLs: the client may be on the node that dies
        client = await Client.connect(cluster.profile())
    # Its own connection: the get's socket is full of chunks, a reply would wait behind them.
    observer = await Client.connect(cluster.profile())
    creates = count_creates(monkeypatch)
    killed: list[tuple[str, float, int]] = []
    tasks: list[asyncio.Task] = []
    done = 0

    async def kill() -> None:
        name = leader if victim == "stream_leader" else await _consumer_leader(observer, cbucket)
        cluster.kill(cluster.node(name))
        killed.append((name, time.monotonic(), done))

    def progress(p: Progress) -> None:
        nonlocal done
        done = p.bytes_done
        if not tasks and p.chunks_done >= 8:
            tasks.append(asyncio.ensure_future(kill()))

    out = SlowSink()
    try:
        await asyncio.wait_for(client.store(cbucket).get("big", out, progress=progress), 60)
        assert killed, "the get finished before a node could be stopped"
        name, at, at_bytes = killed[0]
        print(
            f"get across the loss of {victim} {name} (at {at_bytes} bytes): complete "
            f"{time.monotonic() - at:.1f}s after, {len(creates) - 1} consumer re-creation(s)"
        )
        assert out.getvalue() == data
        if victim == "consumer_leader":
            assert len(creates) >= 2, "the consumer survived: the test proved nothing"
    finally:
        await client.close()
        await observer.close()


async def test_get_without_quorum_fails_typed_within_a_bound(
    cluster: Cluster, cbucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two of three nodes die (the consumer's among them): no hang, a typed error."""
    data = os.urandom(SIZE)
    client, _ = await _r3_bucket_with(cluster, cbucket, data)
    await client.close()
    client = await Client.connect(cluster.profile())
    observer = await Client.connect(cluster.profile())
    creates = count_creates(monkeypatch)
    killed: list[float] = []
    tasks: list[asyncio.Task] = []

    async def kill() -> None:
        name = await _consumer_leader(observer, cbucket)
        other = next(n for n in cluster.nodes if n.name != name)
        cluster.kill(cluster.node(name))
        cluster.kill(other)
        killed.append(time.monotonic())

    def progress(p: Progress) -> None:
        if not tasks and p.chunks_done >= 8:
            tasks.append(asyncio.ensure_future(kill()))

    try:
        with pytest.raises(E.ObjectStoreError) as caught:
            await asyncio.wait_for(
                client.store(cbucket).get("big", SlowSink(), progress=progress), 60
            )
        assert killed
        took = time.monotonic() - killed[0]
        print(f"get without quorum: {type(caught.value).__name__} {took:.1f}s after the loss")
        assert len(creates) >= 2  # it tried to re-create the consumer first
        # Idle timeout (10 s) after the last chunk, plus at most one re-creation request.
        assert took < 30
    finally:
        await client.close()
        await observer.close()
