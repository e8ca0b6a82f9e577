"""Child side of bench.gui: the GUI's transfer and listing paths on qasync, with a stall meter.

Imported only inside a child process (it creates the QApplication); the parent in
`bench/gui.py` never imports Qt. Every handler returns one JSON-able dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from natsobj_gui.core.client import Client
from natsobj_gui.core.queue_file import QUEUE_ENV
from natsobj_gui.core.transfers import TransferState
from natsobj_gui.qt_compat import close_loop, new_event_loop
from natsobj_gui.views.main_window import MainWindow

from .common import start_profile, write_profile
from .stall import StallMeter


@contextlib.contextmanager
def private_home(prefix: str) -> Iterator[Path]:
    """A folder for a child's settings and transfer queue (never the user's), removed after."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.environ[QUEUE_ENV] = str(Path(tmp) / "transfers.json")
        yield Path(tmp)


def settings_in(home: str | Path) -> QSettings:
    """The window's settings: an INI file in the child's private home."""
    return QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)


# ---------------------------------------------------------------- handlers


async def gui_transfer(spec: dict[str, Any]) -> dict[str, Any]:
    """One upload or download through the GUI's TransferQueue on qasync, heartbeat running."""
    client = await Client.connect(spec["url"])
    window = None
    try:
        window = await _open_window(MainWindow, client, spec["bucket"], spec["home"])
        queue = window.transfers.queue
        sink, delivered = _count_panel(window)
        info = (
            await client.store(spec["bucket"]).info(spec["name"])
            if spec["direction"] == "down"
            else None
        )
        await asyncio.sleep(0.2)  # let the window settle before measuring
        meter = StallMeter(trace=bool(spec.get("trace")))
        prof = start_profile(spec)
        meter.start()
        start = time.perf_counter()
        if spec["direction"] == "up":
            # What TransferOps.upload_paths queues once the overwrite policy has been applied.
            t = queue.upload(spec["bucket"], spec["path"], spec["name"])
        else:
            assert info is not None
            t = window.transfers.download_as(info, Path(spec["dest"]))  # "Save as…"
        await queue.wait_idle()
        seconds = time.perf_counter() - start
        stalls = meter.stop()
        _end_profile(prof, spec)
        if t.state is not TransferState.DONE:
            raise RuntimeError(f"transfer ended {t.state}: {t.error}")
        moved = Path(spec["dest"]).stat().st_size if spec["direction"] == "down" else t.size
        return {
            "seconds": seconds,
            "bytes": moved,
            "sink": sink,
            "deliveries": delivered(),
            **stalls,
        }
    finally:
        if window is not None:
            await close_window(window)
        await client.close()


async def _open_window(window_cls: Any, client: Client, bucket: str, home: str) -> Any:
    """The real main window, shown offscreen, connected, with `bucket` open (its watch live)."""
    window = window_cls(settings_in(home))
    window.show()
    await window.set_client(client, "bench")
    if bucket:
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        window.listing_done.connect(lambda b: done.done() or done.set_result(b))
        window.open_location(bucket, "")
        await asyncio.wait_for(done, 60)
    return window


async def close_window(window: Any) -> None:
    """Close as the app does, but leave the client to the caller."""
    window.close()
    window.client = None
    await window.transfers.set_client(None)
    await window.shutdown()
    # Written now: a QSettings left dirty writes when it goes, re-creating its removed folder.
    window.settings.sync()
    window.deleteLater()


def _count_panel(window: Any) -> tuple[str, Callable[[], int]]:
    """Count the transfer model's repaints (dataChanged) during the measurement."""
    changes = 0

    def count(*_: object) -> None:
        nonlocal changes
        changes += 1

    window.transfer_panel.model.dataChanged.connect(count)
    label = (
        "MainWindow: its TransferQueue -> TransferModel (Throttle) -> TransferPanel, shown "
        "offscreen, bucket open"
    )
    return label, lambda: changes


async def gui_list(spec: dict[str, Any]) -> dict[str, Any]:
    """Open a big bucket as the GUI does and time it until the whole initial set is shown."""
    client = await Client.connect(spec["url"])
    try:
        return await _list_window(client, spec)
    finally:
        await client.close()


async def _list_window(client: Client, spec: dict[str, Any]) -> dict[str, Any]:
    """The real MainWindow, shown offscreen: open_location() until listing_done."""
    window = await _open_window(MainWindow, client, "", spec["home"])
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    window.listing_done.connect(lambda b: done.done() or done.set_result(b))
    try:
        await asyncio.sleep(0.2)
        meter = StallMeter(trace=bool(spec.get("trace")))
        prof = start_profile(spec)
        meter.start()
        start = time.perf_counter()
        window.open_location(spec["bucket"], "")  # what selecting the bucket in the tree does
        await asyncio.wait_for(done, spec["timeout"])
        seconds = time.perf_counter() - start
        stalls = meter.stop()
        _end_profile(prof, spec)
        index = window.index
        return {
            "seconds": seconds,
            "count": len(index) if index is not None else -1,
            "rows": window.object_model.rowCount(),
            "path": "MainWindow.open_location -> listing_done (window shown offscreen)",
            **stalls,
        }
    finally:
        await close_window(window)


HANDLERS: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "gui_transfer": gui_transfer,
    "gui_list": gui_list,
}


def _end_profile(prof: cProfile.Profile | None, spec: dict[str, Any]) -> None:
    if prof is not None:
        prof.disable()
        write_profile(prof, Path(spec["profile"]))


def qt_child_main() -> int:
    """Run the op after `--child` on a qasync loop of a fresh QApplication; print JSON."""
    spec = json.loads(sys.argv[sys.argv.index("--child") + 1])
    app = QApplication([sys.argv[0]])
    # The child owns its lifetime: closing a measured window must not end the loop early.
    app.setQuitOnLastWindowClosed(False)
    loop = new_event_loop(app)
    with private_home("bench-gui-") as home:
        try:
            result = loop.run_until_complete(HANDLERS[spec["op"]]({**spec, "home": str(home)}))
        finally:
            close_loop(loop)
    print(json.dumps(result), flush=True)
    return 0
