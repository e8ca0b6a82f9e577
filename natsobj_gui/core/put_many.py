"""Many uploads at once: a bounded number of puts in flight, sharing one chunk window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import ObjectStoreError
from .sources import PutSource
from .store import ObjectStore
from .transfer import DEFAULT_WINDOW, ProgressCallback, StoredBeforeCancel
from .types import ObjectInfo, ObjectMeta
from .workers import run_workers

# Small files are latency-bound (two round trips each): 8 in flight hide most of it, and
# more only queue behind each other in the server.
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class PutItem:
    """One upload: what to store and where its bytes come from."""

    meta: ObjectMeta
    source: PutSource


@dataclass
class PutOutcome:
    """One upload's result: its info, or why it failed (each put rolled back its own)."""

    item: PutItem
    info: ObjectInfo | None = None
    error: Exception | None = None


async def put_many(
    store: ObjectStore,
    items: Iterable[PutItem],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    chunk_size: int | None = None,
    progress: Callable[[PutItem], ProgressCallback | None] | None = None,
    on_done: Callable[[PutOutcome], None] | None = None,
) -> list[PutOutcome]:
    """Upload every item, at most `concurrency` at a time; outcomes in the items' order.

    A failed upload (an ObjectStoreError or OSError) does not stop the others: each put
    leaves nothing of itself behind. A cancel stops them all, each after its rollback;
    `on_done` hears of each one stored, also of one whose info was published meanwhile.
    """
    concurrency = max(1, concurrency)
    # The puts share the window a single put would have: as many chunks in flight in all,
    # and a large file among small ones may use all of it once they are done.
    slots = asyncio.Semaphore(DEFAULT_WINDOW)
    outcomes = [PutOutcome(item) for item in items]
    queue = iter(outcomes)

    async def worker() -> None:
        for outcome in queue:
            item = outcome.item
            try:
                outcome.info = await store.put(
                    item.meta,
                    item.source,
                    chunk_size=chunk_size,
                    progress=progress(item) if progress else None,
                    slots=slots,
                )
            except (ObjectStoreError, OSError) as exc:
                outcome.error = exc
            except StoredBeforeCancel as stop:
                # Its info was being published when the cancel came: it is stored, so say so.
                outcome.info = stop.info
                if on_done is not None:
                    on_done(outcome)
                raise
            if on_done is not None:
                on_done(outcome)

    await run_workers(worker() for _ in range(min(concurrency, len(outcomes))))
    return outcomes
