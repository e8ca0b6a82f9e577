"""read_in_thread at exit: a loop closed under a busy reader leaves no unawaited coroutine."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import warnings

from natsobj_gui.core.sources import read_in_thread


def test_a_loop_closed_under_a_busy_reader_warns_nothing() -> None:
    """What a signal during `put -` does: the loop goes while the pump has more to deliver."""
    r, w = os.pipe()
    stop = threading.Event()

    def feed() -> None:
        with open(w, "wb", buffering=0) as f:
            while not stop.is_set():
                try:
                    f.write(b"x" * 4096)
                except OSError:
                    return

    threading.Thread(target=feed, daemon=True).start()
    reader = open(r, "rb", buffering=0)  # noqa: SIM115 - closed below
    loop = asyncio.new_event_loop()
    gens = []

    async def take_one() -> None:
        gen = read_in_thread(reader, 1024)
        gens.append(gen)  # left suspended, as a cancelled upload's is
        await anext(gen)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        loop.run_until_complete(take_one())
        time.sleep(0.3)  # the pump fills the read-ahead and waits to deliver more
        loop.close()
        gens.clear()
        gc.collect()
        stop.set()
    reader.close()
    assert [str(x.message) for x in seen if "never awaited" in str(x.message)] == []
