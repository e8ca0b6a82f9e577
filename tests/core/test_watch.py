"""list() and watch(): initial set, end marker, live events, modes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from natsobj_gui.core import Client, ObjectStore, Watcher, WatchEvent, WatchKind
from natsobj_gui.core.errors import BucketNotFoundError

from .raw import publish_meta

TIMEOUT = 10.0


async def _until(
    watcher: Watcher, done: Callable[[list[WatchEvent]], bool], timeout: float = TIMEOUT
) -> list[WatchEvent]:
    events: list[WatchEvent] = []

    async def collect() -> None:
        while not done(events):
            events.extend(await watcher.next_batch())

    await asyncio.wait_for(collect(), timeout)
    return events


def _initial_done(events: list[WatchEvent]) -> bool:
    return any(e.kind is WatchKind.INITIAL_DONE for e in events)


def _summary(events: list[WatchEvent]) -> list[tuple[str, str, bool]]:
    return [(e.kind.value, e.info.name if e.info else "", e.initial) for e in events]


async def test_empty_bucket(store: ObjectStore) -> None:
    assert await asyncio.wait_for(store.list(), TIMEOUT) == []
    assert await asyncio.wait_for(store.list(show_deleted=True), TIMEOUT) == []
    async with store.watch() as watcher:
        events = await _until(watcher, _initial_done)
    assert _summary(events) == [("initial-done", "", True)]


async def test_list_many(store: ObjectStore) -> None:
    names = [f"dir{i % 7}/obj{i:04d}" for i in range(300)]
    for name in names:
        await store.put(name, name.encode())
    listed = await asyncio.wait_for(store.list(), TIMEOUT)
    assert [o.name for o in listed] == names  # stream order
    assert all(o.size == len(o.name) and o.modified is not None for o in listed)


async def test_watch_initial_then_live(store: ObjectStore, nats_server) -> None:
    await store.put("a", b"1")
    await store.put("b", b"2")
    await store.put("c", b"3")
    await store.delete("b")
    async with store.watch() as watcher:
        events = await _until(watcher, _initial_done)
        assert _summary(events) == [
            ("put", "a", True),
            ("put", "c", True),
            ("delete", "b", True),
            ("initial-done", "", True),
        ]
        # Changes made by another client arrive live.
        async with await Client.connect(nats_server.url) as other:
            theirs = other.store(store.bucket)
            await theirs.put("d", b"4")
            await theirs.delete("a")
            await theirs.put("c", b"33")
            live = await _until(watcher, lambda ev: len(ev) >= 3)
        assert _summary(live) == [
            ("put", "d", False),
            ("delete", "a", False),
            ("put", "c", False),
        ]
        assert live[2].info is not None and live[2].info.size == 2


async def test_watch_ignore_deletes(store: ObjectStore) -> None:
    await store.put("a", b"1")
    await store.put("b", b"2")
    await store.delete("a")
    async with store.watch(ignore_deletes=True) as watcher:
        events = await _until(watcher, _initial_done)
        assert _summary(events) == [("put", "b", True), ("initial-done", "", True)]
        await store.delete("b")
        await store.put("c", b"3")
        live = await _until(watcher, lambda ev: len(ev) >= 1)
        assert _summary(live) == [("put", "c", False)]


async def test_watch_updates_only(store: ObjectStore) -> None:
    await store.put("old", b"1")
    async with store.watch(updates_only=True) as watcher:
        await store.put("new", b"2")
        await store.delete("old")
        events = await _until(
            watcher, lambda ev: sum(e.kind is not WatchKind.INITIAL_DONE for e in ev) >= 2
        )
    changes = [s for s in _summary(events) if s[0] != "initial-done"]
    assert changes == [("put", "new", False), ("delete", "old", False)]


async def test_watch_include_history(store: ObjectStore, client: Client) -> None:
    # Another writer's metas without a rollup keep their history on the subject.
    doc = {"bucket": store.bucket, "nuid": "N", "size": 0, "chunks": 0}
    for desc in ("v1", "v2", "v3"):
        await publish_meta(
            client, store.bucket, "h", {"name": "h", "description": desc, **doc}, rollup=False
        )
    async with store.watch(include_history=True) as watcher:
        events = await _until(watcher, _initial_done)
    assert [e.info.description for e in events if e.info] == ["v1", "v2", "v3"]
    assert all(e.initial for e in events)
    async with store.watch() as watcher:
        events = await _until(watcher, _initial_done)
    assert [e.info.description for e in events if e.info] == ["v3"]
    assert [o.description for o in await store.list()] == ["v3"]


async def test_watch_async_iteration_and_close(store: ObjectStore) -> None:
    await store.put("a", b"1")
    watcher = store.watch()
    seen: list[WatchKind] = []

    async def consume() -> None:
        async for event in watcher:
            seen.append(event.kind)
            if event.kind is WatchKind.INITIAL_DONE:
                return

    await asyncio.wait_for(consume(), TIMEOUT)
    assert seen == [WatchKind.PUT, WatchKind.INITIAL_DONE]
    await watcher.close()
    await watcher.close()  # idempotent


async def test_watch_reports_deleted_bucket(client: Client, bucket_name: str) -> None:
    store = await client.create_bucket(bucket_name)
    await store.put("a", b"1")
    async with store.watch() as watcher:
        await _until(watcher, _initial_done)
        await client.buckets.delete(bucket_name)
        # Not a silent hang: the watch ends with the reason (after its heartbeats lapse).
        with pytest.raises(BucketNotFoundError):
            await asyncio.wait_for(watcher.next_batch(), 30)
