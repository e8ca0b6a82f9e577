"""OrderedConsumer recovery when its consumer disappears (what a stream leader loss does)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
import pytest

from natsobj_gui.core import wire
from natsobj_gui.core.jsraw import Deliver, JsMsg, OrderedConsumer

HEARTBEAT = 0.3  # the loss is noticed after 3 missed heartbeats
IDLE = 2.0
# Re-creating the consumer waits this long, as it does while a new stream leader is
# elected: longer than what is left of the idle period when the loss is noticed.
ELECTION = 1.6
MESSAGES = 5


def _consumer(store, subject: str, got: list[bytes], lose) -> OrderedConsumer:
    """An ordered consumer on `subject` that calls `lose()` after its first message."""

    def on_msg(msg: JsMsg) -> bool:
        got.append(msg.data)
        if len(got) == 1:
            lose()
        return len(got) == MESSAGES

    return OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        subject,
        on_msg,
        heartbeat=HEARTBEAT,
        idle_timeout=IDLE,
    )


def _before_recreates(
    consumer: OrderedConsumer, before: Callable[[], Awaitable[object]]
) -> list[int]:
    """Await `before()` ahead of every creation but the first (it may raise, as a
    creation does while no leader is elected); returns each creation's start sequence."""
    creates: list[int] = []
    create = consumer._create

    async def patched(start_seq: int) -> None:
        creates.append(start_seq)
        if len(creates) > 1:
            await before()
        await create(start_seq)

    consumer._create = patched  # type: ignore[method-assign]
    return creates


async def test_lost_consumer_resumes_after_a_slow_recreate(store) -> None:
    """The idle clock restarts once a new consumer is in place: a leader loss is no stall."""
    subject = wire.chunk_subject(store.bucket, "lostconsumer")
    js = store.conn.js
    await js.publish(subject, b"0")
    got: list[bytes] = []
    tasks: list[asyncio.Task] = []

    async def lose() -> None:
        # The consumer goes away (its leader died); the rest is written meanwhile.
        await _delete(store, consumer)
        for i in range(1, MESSAGES):
            await js.publish(subject, str(i).encode())

    consumer = _consumer(store, subject, got, lambda: tasks.append(asyncio.ensure_future(lose())))
    creates = _before_recreates(consumer, lambda: asyncio.sleep(ELECTION))
    await asyncio.wait_for(consumer.run(), 20)
    assert len(creates) == 2
    assert got == [str(i).encode() for i in range(MESSAGES)]


async def test_idle_timeout_still_ends_a_consumer_that_never_comes_back(store) -> None:
    """Re-creations that keep failing do not extend the wait past the idle timeout."""
    subject = wire.chunk_subject(store.bucket, "neverback")
    for i in range(MESSAGES):
        await store.conn.js.publish(subject, str(i).encode())
    got: list[bytes] = []
    tasks: list[asyncio.Task] = []

    def lose() -> None:
        tasks.append(asyncio.ensure_future(_delete(store, consumer)))

    consumer = _consumer(store, subject, got, lose)
    consumer._on_msg = _first_only(consumer._on_msg)  # type: ignore[method-assign]

    async def no_leader() -> None:
        raise nats.errors.TimeoutError  # still no stream leader

    creates = _before_recreates(consumer, no_leader)
    started = time.monotonic()
    with pytest.raises(OrderedConsumer.IdleTimeout):
        await asyncio.wait_for(consumer.run(), 20)
    assert len(creates) >= 2
    assert time.monotonic() - started < IDLE + 3 * HEARTBEAT + 1


async def _delete(store, consumer: OrderedConsumer) -> None:
    """Delete the consumer (its first message can come before its create reply)."""
    while consumer._consumer is None:
        await asyncio.sleep(0.01)
    await store.conn.jsm.delete_consumer(wire.stream_name(store.bucket), consumer._consumer)


def _first_only(on_msg):
    """Pass on the first message only, as if the rest never arrived before the loss."""
    seen = 0

    def wrapped(msg: JsMsg) -> bool:
        nonlocal seen
        seen += 1
        return on_msg(msg) if seen == 1 else False

    return wrapped


async def test_updates_only_consumer_lost_before_any_message_misses_nothing(store) -> None:
    """A NEW consumer re-created after its loss resumes where it started, not at "new"."""
    subject = wire.chunk_subject(store.bucket, "updatesonly")
    js = store.conn.js
    await js.publish(subject, b"old")  # before the consumer: never delivered
    got: list[bytes] = []

    def on_msg(msg: JsMsg) -> bool:
        got.append(msg.data)
        return len(got) == 2

    consumer = OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        subject,
        on_msg,
        deliver=Deliver.NEW,
        heartbeat=HEARTBEAT,
    )
    await consumer.start()
    try:
        # Lost before anything new came (its leader died); written while it is gone.
        await _delete(store, consumer)
        await js.publish(subject, b"new1")
        await js.publish(subject, b"new2")
        await asyncio.wait_for(consumer.wait(), 10)
    finally:
        await consumer.close()
    assert got == [b"new1", b"new2"]


async def test_close_cancelled_during_its_consumer_delete_leaves_no_stray_error(
    store, monkeypatch
) -> None:
    """The consumer delete in close() is best effort: cancelling close() (a window closing
    while its bucket is deleted) must not leave the delete's error unretrieved."""
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    loop.set_exception_handler(lambda _lp, ctx: errors.append(ctx))
    deleting = asyncio.Event()
    ended = asyncio.Event()

    async def gone(*_args: object) -> None:
        # As nats-py's request can: a cancellation does not stop the reply from landing.
        deleting.set()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.2)
            raise nats.js.errors.NotFoundError
        finally:
            ended.set()

    consumer = OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        wire.chunk_subject(store.bucket, "closing"),
        lambda _msg: False,
        heartbeat=HEARTBEAT,
    )
    await consumer.start()
    monkeypatch.setattr(store.conn.jsm, "delete_consumer", gone)
    try:
        closing = asyncio.ensure_future(consumer.close())
        await asyncio.wait_for(deleting.wait(), 5)
        closing.cancel()
        await asyncio.gather(closing, return_exceptions=True)
        await asyncio.wait_for(ended.wait(), 5)  # the delete ends with its error
        del closing
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert errors == []
