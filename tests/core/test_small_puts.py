"""Small objects: few round trips each, several in flight, and no orphans when one fails."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectMeta, ObjectStore, ack_window
from natsobj_gui.core.put_many import PutItem, PutOutcome, put_many

from .raw import chunk_subj, chunk_subjects


def _sent(client: Client) -> int:
    """Messages this connection has published (every request and publish is one)."""
    return int(client.conn.nc.stats["out_msgs"])


async def test_a_new_small_object_costs_at_most_three_round_trips(
    store: ObjectStore, client: Client
) -> None:
    await store.put("warm-up", b"w")  # the connection's first publish sets up its inbox
    before = _sent(client)
    info = await store.put("fresh", os.urandom(40_000))
    assert _sent(client) - before <= 3
    # The sequence comes from the ack and the time from this client's clock, not a re-read.
    stored = await store.info("fresh")
    assert replace(info, modified=None) == replace(stored, modified=None)
    assert info.revision == stored.revision > 0
    assert info.modified is not None and stored.modified is not None
    assert abs(info.modified - stored.modified) < timedelta(seconds=5)


async def test_a_replacement_learns_the_old_version_and_purges_it(
    store: ObjectStore, client: Client
) -> None:
    old = await store.put("obj", os.urandom(30_000), chunk_size=10_000)
    data = os.urandom(20_000)
    before = _sent(client)
    new = await store.put("obj", data)
    # chunk, refused info, leader read, info, purge of the old chunks
    assert _sent(client) - before <= 5
    assert await chunk_subjects(client, store.bucket) == {chunk_subj(store.bucket, new.nuid): 1}
    assert old.nuid != new.nuid and await store.get_bytes("obj") == data


async def test_a_folder_of_300_small_files_uploads_several_at_once(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    bodies = {f"d{i % 7}/f{i:03d}": os.urandom(1 + (i * 211) % 4096) for i in range(300)}
    for name, body in bodies.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(body)
    running = peak = 0

    def started(_item: PutItem):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)

    def done(_outcome: PutOutcome) -> None:
        nonlocal running
        running -= 1

    items = [PutItem(ObjectMeta(name), tmp_path / name) for name in bodies]
    outcomes = await asyncio.wait_for(
        put_many(store, items, concurrency=8, progress=started, on_done=done), 120
    )
    assert all(o.error is None for o in outcomes)
    assert 1 < peak <= 8
    assert [o.item.meta.name for o in outcomes] == list(bodies)  # in the items' order
    listed = {o.name: o for o in await store.list()}
    assert set(listed) == set(bodies)
    for name, body in bodies.items():
        assert await store.get_bytes(name) == body
    subjects = await chunk_subjects(client, store.bucket)
    assert subjects == {chunk_subj(store.bucket, o.nuid): o.chunks for o in listed.values()}


async def test_one_failing_file_orphans_nothing(store: ObjectStore, client: Client) -> None:
    async def breaks() -> AsyncIterator[bytes]:
        yield os.urandom(5000)
        yield os.urandom(5000)
        await asyncio.sleep(0.05)  # the others are in flight meanwhile
        raise OSError(5, "Input/output error")

    items = [PutItem(ObjectMeta(f"ok{i}"), os.urandom(3000)) for i in range(20)]
    items.insert(7, PutItem(ObjectMeta("broken"), breaks()))
    outcomes = await asyncio.wait_for(put_many(store, items, concurrency=8, chunk_size=1000), 60)
    failed = [o for o in outcomes if o.error is not None]
    assert [o.item.meta.name for o in failed] == ["broken"]
    assert isinstance(failed[0].error, OSError)
    listed = {o.name: o for o in await store.list()}
    assert set(listed) == {f"ok{i}" for i in range(20)}
    # The broken upload's chunks are purged; every other object has exactly its own.
    subjects = await chunk_subjects(client, store.bucket)
    assert subjects == {chunk_subj(store.bucket, o.nuid): o.chunks for o in listed.values()}


async def test_puts_sharing_slots_keep_that_many_chunks_in_flight_in_all(
    store: ObjectStore, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish, real_on_ack = ack_window.publish, ack_window.AckWindow._on_ack
    in_flight = peak = 0

    async def publish(*args, **kw) -> None:
        nonlocal in_flight, peak
        in_flight += 1  # counted first: its ack may land before publish returns
        peak = max(peak, in_flight)
        await real_publish(*args, **kw)

    def on_ack(window, index: int, err) -> None:
        nonlocal in_flight
        in_flight -= 1
        real_on_ack(window, index, err)

    monkeypatch.setattr(ack_window, "publish", publish)
    monkeypatch.setattr(ack_window.AckWindow, "_on_ack", on_ack)
    slots = asyncio.Semaphore(3)
    bodies = {f"o{i}": os.urandom(20_000) for i in range(4)}
    infos = await asyncio.wait_for(
        asyncio.gather(*(store.put(n, b, chunk_size=1000, slots=slots) for n, b in bodies.items())),
        60,
    )
    monkeypatch.undo()
    assert peak == 3 and in_flight == 0 and all(i.chunks == 20 for i in infos)
    assert slots._value == 3  # every slot came back
    for name, body in bodies.items():
        assert await store.get_bytes(name) == body
