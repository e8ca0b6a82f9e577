"""Async wait helpers for GUI tests that run as coroutines on the qasync loop.

qtbot.waitUntil / waitSignal block the loop the coroutines need, so use these instead::

    def test_x(qloop, client):
        async def body():
            waiter = wait_signal(job.done)        # connected now, awaited later
            job.cancel()
            await waiter
            await wait_until(lambda: model.rowCount() == 3)
        qloop.run_until_complete(body())
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import SignalInstance


async def wait_until(
    cond: Callable[[], object], timeout: float = 10.0, interval: float = 0.01, what: str = ""
) -> None:
    """Poll `cond` on the running loop until it is truthy; AssertionError after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {what or cond}")
        await asyncio.sleep(interval)


class wait_signal:  # lower case: used like a function, `await wait_signal(sig)`
    """Connects to `signal` at once; awaiting gives the emitted args (a tuple).

    Create it before triggering the action when the signal could fire synchronously.
    """

    def __init__(self, signal: SignalInstance, timeout: float = 10.0) -> None:
        self._signal = signal
        self._timeout = timeout
        self._future: asyncio.Future[tuple[Any, ...]] = asyncio.get_event_loop().create_future()
        signal.connect(self._on_emit)

    def _on_emit(self, *args: Any) -> None:
        if not self._future.done():
            self._future.set_result(args)

    async def _wait(self) -> tuple[Any, ...]:
        try:
            return await asyncio.wait_for(self._future, self._timeout)
        except TimeoutError:
            raise AssertionError(f"signal not emitted within {self._timeout}s") from None
        finally:
            # The sender may already be gone.
            with contextlib.suppress(RuntimeError, TypeError):
                self._signal.disconnect(self._on_emit)

    def __await__(self) -> Generator[Any, None, tuple[Any, ...]]:
        return self._wait().__await__()
