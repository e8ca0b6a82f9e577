"""After a server restart the client reconnects and a running watch resumes, without duplicates."""

from __future__ import annotations

import asyncio

from natsobj_gui.core import Client
from natsobj_gui.core.connection import ConnectionEvents
from natsobj_gui.core.types import WatchEvent, WatchKind

WAIT = 30.0  # generous: two shared cores, and the consumer notices a dead server by heartbeats


async def _collect_until(watcher, names: set[str], seen: list[WatchEvent]) -> None:
    while not names <= {e.info.name for e in seen if e.info is not None}:
        seen.extend(await watcher.next_batch())


async def test_watch_resumes_after_restart(fresh_server, bucket_name) -> None:
    states: list[str] = []
    reconnected = asyncio.Event()
    events = ConnectionEvents(
        on_disconnected=lambda: states.append("disconnected"),
        on_reconnected=lambda: (states.append("reconnected"), reconnected.set()),
    )
    async with await Client.connect(fresh_server.url, events) as client:
        store = await client.create_bucket(bucket_name)
        await store.put("a", b"1")
        await store.put("b", b"2")
        watcher = store.watch()
        seen: list[WatchEvent] = []
        async with watcher:
            await asyncio.wait_for(_collect_until(watcher, {"a", "b"}, seen), WAIT)
            while not any(e.kind is WatchKind.INITIAL_DONE for e in seen):
                seen.extend(await asyncio.wait_for(watcher.next_batch(), WAIT))

            # The file store survives the restart; the ephemeral consumer does not.
            await asyncio.to_thread(fresh_server.restart)
            await asyncio.wait_for(reconnected.wait(), WAIT)
            assert states[:1] == ["disconnected"] and "reconnected" in states

            await store.put("c", b"3")
            await asyncio.wait_for(_collect_until(watcher, {"c"}, seen), WAIT)
            await store.put("d", b"4")
            await asyncio.wait_for(_collect_until(watcher, {"d"}, seen), WAIT)
            # Whatever else is queued right now must not be a replay either.
            await asyncio.sleep(0.5)
            while True:
                try:
                    seen.extend(await asyncio.wait_for(watcher.next_batch(), 0.2))
                except TimeoutError:
                    break

        puts = [e.info.name for e in seen if e.kind is WatchKind.PUT and e.info is not None]
        assert puts == ["a", "b", "c", "d"], puts
        assert [e.kind for e in seen].count(WatchKind.INITIAL_DONE) == 1
        assert sorted(o.name for o in await store.list()) == ["a", "b", "c", "d"]
