"""A pool of workers run together: one failing or a cancel stops the rest after their rollbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any


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
