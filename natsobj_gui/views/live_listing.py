"""Keep a BucketIndex current from a bucket's watch, in batches the models can afford."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from natsobj_gui.core.index import BucketIndex, IndexChange
from natsobj_gui.core.store import ObjectStore, Watcher
from natsobj_gui.core.types import WatchEvent, WatchKind

# A big bucket's initial set arrives message by message: gather up to this long (or this
# many events) before touching the models, so 100,000 objects cost a few batch inserts.
COALESCE_SECONDS = 0.15
COALESCE_LIMIT = 2.0
# Bigger batches make fewer model updates but each one is a longer stall. A fixed 5,000
# stalled 42-56 ms once decoding got fast enough for every batch to reach it, so the cap
# follows what an event cost in the last batch: one step takes about STEP_BUDGET.
COALESCE_MAX = 5000
COALESCE_MIN = 500
STEP_BUDGET = 0.03
# Once listed, a change shows at once, but a stream of them (a bulk delete: ~800 a second)
# is applied at most this often: each batch repaints the table and re-reads the selection,
# and applied per arrival that was ~55 batches a second, ~60 % of the CPU in repaints.
LIVE_GAP = 0.25


async def follow_bucket(
    store: ObjectStore,
    index: BucketIndex,
    apply: Callable[[IndexChange], None],
    current: Callable[[], bool],
) -> None:
    """Feed watch events into `index` and hand each change to `apply` until cancelled.

    `current()` turning False means a newer listing replaced this one: stop quietly.
    """
    watcher = store.watch()
    loop = asyncio.get_running_loop()
    window = COALESCE_SECONDS
    limit = COALESCE_MAX
    gc_paused = _pause_gc()
    try:
        await watcher.start()
        while True:
            events = await watcher.next_batch(limit)
            if not index.initial_done:
                events += await _gather_more(watcher, events, loop.time() + window, limit)
            if not current():
                return
            started = loop.time()
            apply(index.apply(events))
            limit = step_limit(loop.time() - started, len(events))
            if gc_paused and index.initial_done:
                gc_paused = _resume_gc(freeze=True)
            # Each batch costs more as the table grows: wait longer between batches so the
            # window stays responsive at least 80% of the time while a big bucket lists.
            window = min(COALESCE_LIMIT, max(COALESCE_SECONDS, 4 * (loop.time() - started)))
            if index.initial_done:
                # Let what follows gather in the watcher's queue: one batch, one repaint.
                await asyncio.sleep(min(window, LIVE_GAP))
    finally:
        if gc_paused:
            _resume_gc(freeze=False)
        await watcher.close()


def step_limit(seconds: float, events: int) -> int:
    """How many events the next step may apply to stay near STEP_BUDGET."""
    if events < COALESCE_MIN or seconds <= 0:
        return COALESCE_MAX  # too few to say what one costs
    return max(COALESCE_MIN, min(COALESCE_MAX, int(events * STEP_BUDGET / seconds)))


def _pause_gc() -> bool:
    """Stop the cyclic GC while a listing builds (objects with no cycles, in bulk).

    Each full collection rescans every info indexed so far: seven of them stalled a
    100,000-object listing by up to 55 ms each, for nothing to collect.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    return was_enabled


def _resume_gc(*, freeze: bool) -> bool:
    """Turn the GC back on; frozen, the listed infos are no longer rescanned by it.

    Freezing moves what is alive now out of the collector's sight (it is still freed by
    reference counting); `release_listing_memory()` undoes it when a bucket is closed.
    """
    gc.enable()
    if freeze:
        gc.freeze()
    return False


def release_listing_memory() -> None:
    """Let the GC see everything again (call when a listed bucket is closed)."""
    gc.unfreeze()


async def _gather_more(
    watcher: Watcher, events: list[WatchEvent], deadline: float, limit: int
) -> list:
    more: list[WatchEvent] = []
    loop = asyncio.get_running_loop()
    while len(events) + len(more) < limit:
        if any(e.kind is WatchKind.INITIAL_DONE for e in (*events[-1:], *more[-1:])):
            break
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        try:
            more += await asyncio.wait_for(
                watcher.next_batch(limit - len(events) - len(more)), remaining
            )
        except TimeoutError:
            break
    return more
