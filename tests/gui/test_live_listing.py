"""The live listing: a stream of watch events reaches the models in a few large batches."""

from __future__ import annotations

import asyncio
import contextlib

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.bulk import delete_infos
from natsobj_gui.core.index import BucketIndex, IndexChange
from natsobj_gui.views.live_listing import follow_bucket

from .helpers import wait_until
from .test_window_bulk import _metas


def test_a_stream_of_deletes_reaches_the_models_in_a_few_batches(
    qloop: asyncio.AbstractEventLoop, client: Client, store: ObjectStore
) -> None:
    # Applied per arrival, a 20,000-object delete made ~55 batches a second, each one a
    # table repaint and a re-read of the selection: most of the GUI delete's CPU.
    names = [f"many/f{i:04d}.bin" for i in range(600)]

    async def body() -> None:
        await _metas(client, store.bucket, names)
        index = BucketIndex(store.bucket)
        changes: list[IndexChange] = []
        task = asyncio.ensure_future(follow_bucket(store, index, changes.append, lambda: True))
        try:
            await wait_until(lambda: index.initial_done and len(index) == len(names), 30)
            results = await delete_infos(client.conn, store.bucket, await store.list())
            assert all(r.ok for r in results)
            await wait_until(lambda: len(index) == 0, 30, what="every delete seen")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        removing = [c for c in changes if c.removed]
        assert sum(len(c.removed) for c in removing) == len(names)
        assert len(removing) <= 8, [len(c.removed) for c in removing]

    qloop.run_until_complete(body())


def test_a_step_is_sized_by_what_the_last_one_cost() -> None:
    # A fixed 5,000-event step stalled the window 42-56 ms once decoding made every batch
    # reach it; the next step is sized so it takes about STEP_BUDGET.
    from natsobj_gui.views import live_listing as ll

    assert ll.step_limit(0.060, 5000) == int(5000 * ll.STEP_BUDGET / 0.060)
    assert ll.step_limit(0.001, 5000) == ll.COALESCE_MAX  # cheap: the cap stays
    assert ll.step_limit(5.0, 5000) == ll.COALESCE_MIN  # a slow machine still progresses
    assert ll.step_limit(0.5, 10) == ll.COALESCE_MAX  # too few events to measure by
