"""Child side of bench.gui: the GUI's transfer and listing paths on qasync, with a stall meter.

Imported only inside a child process (it creates the QApplication); the parent in
`bench/gui.py` never imports Qt. Every handler returns one JSON-able dict.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from natsobj_gui.core.client import Client
from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.transfers import Transfer, TransferQueue, TransferState
from natsobj_gui.core.types import WatchKind
from natsobj_gui.progress_bridge import Throttle, bar_values
from natsobj_gui.qt_compat import close_loop, new_event_loop

from .common import write_profile
from .stall import StallMeter

REMEDY_BATCH = 5000

# ---------------------------------------------------------------- progress sinks


def attach_progress(queue: TransferQueue, owner: QObject) -> tuple[str, Callable[[], int]]:
    """Route the queue's progress like the GUI does; returns a label and a delivery counter."""
    try:
        from natsobj_gui.models.transfer_model import TransferModel
    except ImportError:
        TransferModel = None
    if TransferModel is not None:
        return _attach_model(TransferModel, queue, owner)
    # No model yet: each transfer's changes go through its own Throttle, and the delivered
    # value is turned into what a row shows (bar values, speed, ETA), as a model's data() would.
    delivered = 0
    throttles: dict[int, Throttle] = {}
    shown: dict[int, tuple[tuple[int, int], str]] = {}

    def render(t: Transfer) -> None:
        nonlocal delivered
        delivered += 1
        bar = bar_values(t.progress.bytes_done, t.bytes_total)
        shown[t.id] = (bar, f"{t.speed / 1e6:.1f} MB/s, {t.eta or 0:.0f} s left, {t.state}")

    def on_change(t: Transfer) -> None:
        th = throttles.get(t.id)
        if th is None:
            th = throttles[t.id] = Throttle(render, parent=owner)
        th(t)
        if t.is_finished:
            th.flush()

    queue.subscribe(on_change=on_change)
    return "Throttle only (no importable TransferModel)", lambda: delivered


def _attach_model(
    model_cls: Any, queue: TransferQueue, owner: QObject
) -> tuple[str, Callable[[], int]]:
    """The real TransferModel (it subscribes to the queue itself) shown in a table view."""
    model = model_cls(queue, owner)
    changes = 0

    def count(*_: object) -> None:
        nonlocal changes
        changes += 1

    model.dataChanged.connect(count)
    view = QTableView()
    view.setModel(model)
    view.resize(900, 200)
    view.show()
    owner._bench_keep = view  # type: ignore[attr-defined]  # keep the view alive
    return "Throttle -> TransferModel -> QTableView (shown, offscreen)", lambda: changes


# ---------------------------------------------------------------- handlers


async def gui_transfer(spec: dict[str, Any]) -> dict[str, Any]:
    """One upload or download through the GUI's TransferQueue on qasync, heartbeat running."""
    client = await Client.connect(spec["url"])
    owner = QObject()
    window = None
    try:
        try:
            from natsobj_gui.views.main_window import MainWindow
        except ImportError as exc:
            queue = TransferQueue(client, limit=3)
            sink, delivered = attach_progress(queue, owner)
            sink = f"{sink}; no MainWindow ({exc})"
        else:
            window = await _open_window(MainWindow, client, spec["bucket"])
            queue = window.transfers.queue
            sink, delivered = _count_panel(window)
        info = (
            await client.store(spec["bucket"]).info(spec["name"])
            if spec["direction"] == "down"
            else None
        )
        await asyncio.sleep(0.2)  # let the window settle before measuring
        meter = StallMeter(trace=bool(spec.get("trace")))
        prof = _profiler(spec)
        meter.start()
        start = time.perf_counter()
        if spec["direction"] == "up":
            # What TransferOps.upload_paths queues once the overwrite policy has been applied.
            t = queue.upload(spec["bucket"], spec["path"], spec["name"])
        elif window is not None and info is not None:
            t = window.transfers.download_as(info, Path(spec["dest"]))  # "Save as…"
        else:
            t = queue.download(spec["bucket"], spec["name"], spec["dest"], size=spec["size"])
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
            await _close_window(window)
        await client.close()


async def _open_window(window_cls: Any, client: Client, bucket: str) -> Any:
    """The real main window, shown offscreen, connected, with `bucket` open (its watch live)."""
    ini = Path(tempfile.mkdtemp(prefix="bench-gui-")) / "settings.ini"
    window = window_cls(QSettings(str(ini), QSettings.Format.IniFormat))
    window.show()
    await window.set_client(client, "bench")
    if bucket:
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        window.listing_done.connect(lambda b: done.done() or done.set_result(b))
        window.open_location(bucket, "")
        await asyncio.wait_for(done, 60)
    return window


async def _close_window(window: Any) -> None:
    """Close as the app does, but leave the client to the caller."""
    window.close()
    window.client = None
    await window.transfers.set_client(None)
    await window.shutdown()
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
        try:
            from natsobj_gui.views.main_window import MainWindow  # noqa: F401
        except ImportError as exc:
            return await _list_replica(client, spec, f"replica ({exc})")
        if spec.get("remedy"):
            _apply_listing_remedy()
        return await _list_window(client, spec)
    finally:
        await client.close()


def _apply_listing_remedy() -> None:
    """What-if (--remedy): smaller coalesced batches, and gc.freeze() after each apply.

    Measures the fix this benchmark suggests without changing the app: batches of 5,000
    events keep each BucketIndex/model apply short, and freezing the objects already
    indexed keeps the GC's full collections from rescanning them (they are still freed by
    reference counting when removed).
    """
    import importlib

    # The batch cap lives in views/live_listing.py (earlier: views/main_window.py).
    for name in ("natsobj_gui.views.live_listing", "natsobj_gui.views.main_window"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "COALESCE_MAX"):
            module.COALESCE_MAX = REMEDY_BATCH
    original = BucketIndex.apply

    def apply(self: BucketIndex, events: Any) -> Any:
        change = original(self, events)
        gc.freeze()
        return change

    BucketIndex.apply = apply  # type: ignore[method-assign]


async def _list_window(client: Client, spec: dict[str, Any]) -> dict[str, Any]:
    """The real MainWindow, shown offscreen: open_location() until listing_done."""
    from natsobj_gui.views.main_window import MainWindow

    window = await _open_window(MainWindow, client, "")
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    window.listing_done.connect(lambda b: done.done() or done.set_result(b))
    try:
        await asyncio.sleep(0.2)
        meter = StallMeter(trace=bool(spec.get("trace")))
        prof = _profiler(spec)
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
        await _close_window(window)


async def _list_replica(client: Client, spec: dict[str, Any], why: str) -> dict[str, Any]:
    """The window's live listing replicated: watch + coalesced next_batch into index + model."""
    # The window's original coalescing constants (copied: its module does not import).
    coalesce_s, coalesce_max = 0.15, 20000
    try:
        from natsobj_gui.models.object_table_model import ObjectTableModel
    except ImportError:
        ObjectTableModel = None
    index = BucketIndex(spec["bucket"])
    model = view = None
    if ObjectTableModel is not None:
        model = ObjectTableModel()
        model.set_bucket(index, "")
        view, shown_in = _object_view(model)
        view.show()
        what = f"{why}: BucketIndex + ObjectTableModel + {shown_in}"
    else:
        what = f"{why}: BucketIndex only (no ObjectTableModel yet)"
    meter = StallMeter(trace=bool(spec.get("trace")))
    prof = _profiler(spec)
    meter.start()
    start = time.perf_counter()
    watcher = client.store(spec["bucket"]).watch()
    loop = asyncio.get_running_loop()
    try:
        await watcher.start()
        while not index.initial_done:
            events = await watcher.next_batch(coalesce_max)
            t0 = loop.time()
            while len(events) < coalesce_max and not any(
                e.kind is WatchKind.INITIAL_DONE for e in events[-1:]
            ):
                remaining = t0 + coalesce_s - loop.time()
                if remaining <= 0:
                    break
                try:
                    events += await asyncio.wait_for(watcher.next_batch(coalesce_max), remaining)
                except TimeoutError:
                    break
            change = index.apply(events)
            if model is not None and change:
                model.apply(change)
    finally:
        await watcher.close()
    seconds = time.perf_counter() - start
    stalls = meter.stop()
    _end_profile(prof, spec)
    if view is not None:
        view.close()
    return {
        "seconds": seconds,
        "count": len(index),
        "rows": model.rowCount() if model is not None else -1,
        "path": what,
        **stalls,
    }


def _object_view(model: Any) -> tuple[QWidget, str]:
    """The window's ObjectView (sort proxy, filter) around the model, else a bare table."""
    try:
        from natsobj_gui.views.object_view import ObjectView
    except ImportError:
        view = QTableView()
        view.setModel(model)
        return view, "QTableView"
    view = ObjectView(model)
    view.set_location(model.bucket, "")
    view.resize(1000, 700)
    return view, "ObjectView (sort proxy, shown offscreen)"


HANDLERS: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "gui_transfer": gui_transfer,
    "gui_list": gui_list,
}


def _profiler(spec: dict[str, Any]) -> cProfile.Profile | None:
    if not spec.get("profile"):
        return None
    prof = cProfile.Profile()
    prof.enable()
    return prof


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
    try:
        result = loop.run_until_complete(HANDLERS[spec["op"]](spec))
    finally:
        close_loop(loop)
    print(json.dumps(result), flush=True)
    return 0
