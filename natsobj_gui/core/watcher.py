"""Live changes to one bucket's objects, as an async iterator of WatchEvents."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from . import wire
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .types import WatchEvent, WatchKind

if TYPE_CHECKING:
    from .store import ObjectStore


class Watcher:
    """An async iterator of WatchEvents; `batches()` groups what has already arrived."""

    def __init__(self, store: ObjectStore, deliver: Deliver, ignore_deletes: bool) -> None:
        self._store = store
        self._deliver = deliver
        self._ignore_deletes = ignore_deletes
        self._queue: asyncio.Queue[WatchEvent | BaseException] = asyncio.Queue()
        self._initial = deliver is not Deliver.NEW
        self._consumer: OrderedConsumer | None = None
        self._runner: asyncio.Task | None = None

    def _on_msg(self, msg: JsMsg) -> None:
        info = wire.decode_entry(
            msg.data,
            wire.timestamp_from_nanos(msg.timestamp_ns),
            msg.subject,
            self._store.bucket,
            msg.stream_seq,
        )
        if not (info.deleted and self._ignore_deletes):
            kind = WatchKind.DELETE if info.deleted else WatchKind.PUT
            self._queue.put_nowait(WatchEvent(kind, info, initial=self._initial))
        if self._initial and msg.pending == 0:
            self._end_initial()

    def _end_initial(self) -> None:
        self._initial = False
        self._queue.put_nowait(WatchEvent(WatchKind.INITIAL_DONE, None, initial=True))

    async def start(self) -> Watcher:
        conn, bucket = self._store.conn, self._store.bucket
        self._consumer = OrderedConsumer(
            conn.nc,
            conn.jsm,
            wire.stream_name(bucket),
            wire.meta_filter(bucket),
            self._on_msg,
            deliver=self._deliver,
        )
        try:
            pending = await self._consumer.start()
        except Exception as exc:
            raise conn.translate(exc, bucket=bucket) from exc
        if self._deliver is Deliver.NEW or (pending == 0 and self._initial):
            self._end_initial()
        self._runner = asyncio.ensure_future(self._run())
        return self

    async def _run(self) -> None:
        assert self._consumer is not None
        try:
            await self._consumer.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            store = self._store
            self._queue.put_nowait(store.conn.translate(exc, bucket=store.bucket))

    async def next_batch(self, limit: int = 5000) -> list[WatchEvent]:
        """At least one event, plus whatever else is already queued (up to `limit`)."""
        if self._consumer is None:
            await self.start()
        first = await self._queue.get()
        items = [first]
        while len(items) < limit and not self._queue.empty():
            items.append(self._queue.get_nowait())
        events: list[WatchEvent] = []
        for item in items:
            if isinstance(item, BaseException):
                raise item
            events.append(item)
        return events

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[WatchEvent]:
        while True:
            for event in await self.next_batch():
                yield event

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
        if self._consumer is not None:
            await self._consumer.close()

    async def __aenter__(self) -> Watcher:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
