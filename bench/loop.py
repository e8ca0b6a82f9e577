"""Scheduling cost of the app's qasync loop against plain asyncio, in one run.

Two shapes, 100,000 operations each: a task stepping through `await asyncio.sleep(0)`
(one callback per step) and 100,000 callbacks scheduled at once (64 acks completing
together, a batch of watch events). Prints microseconds per operation and the ratio to
asyncio measured here, with stock qasync's loop alongside (what qt_compat.QEventLoop
replaces). Run from the repo root: `python -m bench.loop [--ops N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from .common import machine_note, print_table


async def _chain(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def _fan(n: int) -> None:
    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in range(n)]
    for f in futures:
        loop.call_soon(f.set_result, None)
    await asyncio.gather(*futures)


SHAPES: dict[str, Callable[[int], Coroutine[Any, Any, None]]] = {
    "task step (sleep(0) chain)": _chain,
    "callbacks scheduled at once": _fan,
}


def _time(run: Callable[[Coroutine[Any, Any, None]], object], make: Callable, n: int) -> float:
    start = time.perf_counter()
    run(make(n))
    return (time.perf_counter() - start) / n * 1e6


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.loop", description=__doc__)
    p.add_argument("--ops", type=int, default=100_000, help="operations per shape")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from natsobj_gui.qt_compat import close_loop, new_event_loop, qasync

    print(f"bench.loop: {args.ops:,} operations per shape; {machine_note()}")
    app = QApplication.instance() or QApplication([])
    rows = []
    for label, make in SHAPES.items():
        plain = _time(asyncio.run, make, args.ops)
        loop = new_event_loop(app)
        try:
            ours = _time(loop.run_until_complete, make, args.ops)
        finally:
            close_loop(loop)
        stock_loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(stock_loop)
        try:
            stock = _time(stock_loop.run_until_complete, make, args.ops)
        finally:
            close_loop(stock_loop)
        rows.append(
            [
                label,
                f"{plain:.2f}",
                f"{ours:.2f}",
                f"{stock:.2f}",
                f"{ours / plain:.2f}x",
                f"{stock / plain:.2f}x",
            ]
        )
    headers = ["shape", "asyncio", "ours", "stock qasync", "ours/asyncio", "stock/asyncio"]
    print("microseconds per operation")
    print_table(headers, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
