"""OrderedConsumer.close() while its consumer is being re-created: nothing comes back."""

from __future__ import annotations

import asyncio

from natsobj_gui.core import wire
from natsobj_gui.core.jsraw import OrderedConsumer

from .test_jsraw_reset import ELECTION, HEARTBEAT, _before_recreates, _delete


async def _consumers(store) -> int:
    info = await store.conn.api(f"STREAM.INFO.{wire.stream_name(store.bucket)}")
    return int(info["state"].get("consumer_count", 0))


async def test_close_during_a_recreation_leaves_no_subscription_or_consumer(store) -> None:
    """A watch closed while its lost consumer is re-created must not subscribe again."""
    nc = store.conn.nc
    subject = wire.chunk_subject(store.bucket, "closing")
    await store.conn.js.publish(subject, b"0")
    subs_before = set(nc._subs)
    consumer = OrderedConsumer(
        nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        subject,
        lambda _msg: False,  # never finishes: a watch
        heartbeat=HEARTBEAT,
    )
    recreating = asyncio.Event()

    async def slow_election() -> None:
        recreating.set()
        await asyncio.sleep(ELECTION)

    creates = _before_recreates(consumer, slow_election)
    await consumer.start()
    waiting = asyncio.ensure_future(consumer.wait())
    await _delete(store, consumer)  # lost: the re-creation starts after 3 heartbeats
    await asyncio.wait_for(recreating.wait(), 10)
    # What Watcher.close does: stop the wait, then close the consumer.
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await asyncio.wait_for(consumer.close(), 5)
    await asyncio.sleep(ELECTION + 3 * HEARTBEAT)  # a re-creation would have happened by now
    assert len(creates) == 2
    assert set(nc._subs) == subs_before
    assert await _consumers(store) == 0
    assert consumer._reset_task is not None and consumer._reset_task.done()
