"""Work that a cancel must not tear: worker pools that stop after their rollbacks, and steps
that run to their end before a cancel is honoured."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


class DoneBeforeCancel(asyncio.CancelledError):
    """A cancel honoured only once the work it was meant to stop had finished: `result` is
    what that work did, so a caller counting what was done counts it."""

    def __init__(self, result: Any, text: str) -> None:
        super().__init__(text)
        self.result = result


async def run_to_end(
    work: Coroutine[Any, Any, T], stopped: Callable[[T], BaseException] | None = None
) -> T:
    """Run `work` to its end whatever cancels arrive, then honour a cancel if one came.

    A repeated cancel (another click, every progress tick) must not end it early either;
    the work itself is bounded in time. `stopped` makes the cancel of work that succeeded:
    a CancelledError that tells its caller what was done (a DoneBeforeCancel).
    """
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        # An exception is seen here: the cancel is what the caller asked about.
        if stopped is None or task.cancelled() or task.exception() is not None:
            raise asyncio.CancelledError
        raise stopped(task.result())
    return task.result()


async def run_workers(workers: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run `workers` concurrently; on an error or a cancel, cancel the others and re-raise."""
    tasks = [asyncio.ensure_future(w) for w in workers]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        # Each transfer finishes its own rollback before the cancel (or error) goes on.
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
