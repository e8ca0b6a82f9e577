"""The one place for qasync / PySide6 version quirks; import Qt-async helpers from here.

Usage::

    from natsobj_gui.qt_compat import asyncSlot, new_event_loop, close_loop, is_alive, safe_emit

    app = QApplication(sys.argv)
    loop = new_event_loop(app)          # a qasync loop, set as the current asyncio loop
    with contextlib.suppress(...):
        loop.run_until_complete(main())  # or loop.run_forever()
    close_loop(loop)                    # cancels leftover tasks, then closes

    safe_emit(job, job.finished, value)  # no RuntimeError if the C++ object is gone
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from typing import Any

# qasync picks its Qt binding from QT_API (else from whatever binding is importable first):
# pin it so it can never pick PyQt when both happen to be installed.
os.environ.setdefault("QT_API", "pyside6")

import qasync
import shiboken6
from PySide6 import QtCore
from PySide6.QtCore import QObject, QSortFilterProxyModel, SignalInstance
from PySide6.QtWidgets import QApplication

from .core.pins import Replaced, check

log = logging.getLogger(__name__)

# Keep in step with pyproject.toml's qasync requirement.
QASYNC_PIN = "qasync>=0.28,<0.29"

# What QEventLoop below replaces or relies on in qasync: call_later (and so call_soon and
# call_at) hands every handle to _add_callback, which we replace; _SimpleTimer runs a
# handle's _run() unless it is _cancelled, which _Due and _Drainer provide.
QASYNC_REPLACED = (
    Replaced(qasync.QEventLoop, "_add_callback", ("self", "handle", "delay"), "f6c6095fa1b30122"),
    Replaced(
        qasync.QEventLoop,
        "call_later",
        ("self", "delay", "callback", "args", "context"),
        "6644a47e0dafaef4",
    ),
    Replaced(qasync._SimpleTimer, "add_callback", ("self", "handle", "delay"), "dd9adc5930586fee"),
    Replaced(qasync._SimpleTimer, "timerEvent", ("self", "event"), "e484846450a7f37b"),
)
# qasync 0.28.0's __init__.py, which holds all of the above (see core/pins.check).
QASYNC_FILES = {"qasync": "c2651c7ba46891e0"}
check("qasync", QASYNC_PIN, "natsobj_gui/qt_compat.py", QASYNC_REPLACED, files=QASYNC_FILES)


# How long one Qt event may keep running callbacks that became ready while it ran, before
# Qt gets a turn to paint, read input and report socket readiness.
READY_SLICE = 0.002


class _Due:
    """A timed handle as qasync's timer sees it: when due, it joins the loop's ready queue."""

    __slots__ = ("handle", "loop", "timer_id")

    def __init__(self, handle: asyncio.Handle, loop: QEventLoop, timer_id: int = 0) -> None:
        self.handle = handle
        self.loop = loop
        self.timer_id = timer_id

    @property
    def _cancelled(self) -> bool:
        return self.handle._cancelled  # type: ignore[attr-defined]

    def _run(self) -> None:
        if isinstance(self.handle, _TimedHandle):
            self.handle._due = None  # no handle <-> due cycle left for the GC
        self.loop._ready.append(self.handle)
        self.loop._run_ready()


class _TimedHandle(asyncio.Handle):
    """A delayed callback whose cancel() also stops its Qt timer.

    qasync keeps a cancelled handle (and its context) until its timer would have fired:
    every request's timeout, cancelled when the reply came, stayed alive for its whole
    delay. A bulk delete of 20,000 objects kept ~27,000 of them, and every full GC
    rescanned them (collections of 50-80 ms, the GUI's longest stalls).
    """

    __slots__ = ("_due",)

    def cancel(self) -> None:
        if not self._cancelled:
            super().cancel()
            due, self._due = getattr(self, "_due", None), None
            if due is not None:
                due.loop._kill_timer(due)


class _Drainer:
    """The one Qt timer callback that runs the ready queue."""

    __slots__ = ("loop",)
    _cancelled = False

    def __init__(self, loop: QEventLoop) -> None:
        self.loop = loop

    def _run(self) -> None:
        self.loop._drain_pending = False
        self.loop._run_ready()


class QEventLoop(qasync.QEventLoop):
    """qasync's loop with an asyncio-style ready queue, run only while the loop runs.

    qasync gives every call_soon() a Qt timer of its own: 6 us per task step, and Qt's
    timer list makes thousands of simultaneous callbacks (64 acks completing at once, a
    batch of watch events) cost ~200 us each. Here ready callbacks queue in a deque and
    one zero-delay timer runs them in order, for at most READY_SLICE per Qt event so Qt
    still paints, reads input and reports sockets in between.

    qasync also runs callbacks whenever Qt handles events between two run_until_complete()
    calls (its own last step, pytest-qt's hooks), with no running loop: task steps fail
    with "no running event loop", or bind an asyncio.Queue to no loop so its consumer
    dies at its next wait (a nats-py subscription that then never drains). Here they
    stay queued until the loop runs again, as on a plain asyncio loop.

    Upstream: https://github.com/CabbageDevelopment/qasync/pull/123 (call_soon order).
    """

    def __init__(self, app: QApplication) -> None:
        self._ready: deque[asyncio.Handle] = deque()
        self._drain_pending = False
        self._drainer = _Drainer(self)
        super().__init__(app)
        if not isinstance(getattr(self, "_timer", None), qasync._SimpleTimer):
            raise RuntimeError(
                f"this qasync keeps no _SimpleTimer in QEventLoop._timer ({QASYNC_PIN} does): "
                "review natsobj_gui/qt_compat.py against it"
            )

    def call_soon(
        self, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        if self.get_debug():  # qasync's argument checks, which asyncio makes in debug mode only
            return super().call_soon(callback, *args, context=context)
        self._check_closed()
        return self._add_callback(asyncio.Handle(callback, args, self, context))

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        if self.get_debug() or delay <= 0:
            return super().call_later(delay, callback, *args, context=context)
        return self._add_callback(_TimedHandle(callback, args, self, context), delay)

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        if delay > 0:
            due = _Due(handle, self)
            if isinstance(handle, _TimedHandle):
                # qasync's add_callback, keeping the timer id so cancel() can stop it.
                timer = self._timer
                due.timer_id = timer.startTimer(int(delay * 1000))
                timer._SimpleTimer__callbacks[due.timer_id] = due  # type: ignore[attr-defined]
                handle._due = due
            else:
                self._timer.add_callback(due, delay)
        else:
            self._ready.append(handle)
            self._wake()
        return handle

    def _wake(self) -> None:
        if not self._drain_pending and not self.is_closed():
            self._drain_pending = True
            self._timer.add_callback(self._drainer, 0)

    def _run_ready(self) -> None:
        if asyncio._get_running_loop() is not self:
            return  # run_forever wakes the queue
        ready = self._ready
        deadline = time.monotonic() + READY_SLICE
        try:
            while True:
                for _ in range(len(ready)):  # what is ready now; later arrivals after it
                    handle = ready.popleft()
                    if not handle._cancelled:  # type: ignore[attr-defined]
                        handle._run()  # type: ignore[attr-defined]
                if not ready or not self.is_running() or time.monotonic() >= deadline:
                    break
        finally:
            if ready:
                self._wake()

    def _kill_timer(self, due: _Due) -> None:
        """Stop a cancelled handle's Qt timer and let go of it (unless it already fired)."""
        timer = self._timer
        callbacks = timer._SimpleTimer__callbacks  # type: ignore[attr-defined]
        if callbacks.get(due.timer_id) is due:
            del callbacks[due.timer_id]
            timer.killTimer(due.timer_id)

    def run_forever(self) -> Any:
        if self._ready:
            self._wake()
        return super().run_forever()


asyncSlot = qasync.asyncSlot  # only for trivial handlers: long work goes through JobRunner
asyncClose = qasync.asyncClose

PYSIDE_VERSION: tuple[int, ...] = tuple(int(p) for p in QtCore.__version__.split(".")[:3])
QASYNC_VERSION: str = getattr(qasync, "__version__", "unknown")


def new_event_loop(app: QApplication | None = None) -> asyncio.AbstractEventLoop:
    """Create the qasync loop for `app` and make it the current asyncio loop."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None:
        raise RuntimeError("create the QApplication before the event loop")
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel and finish whatever tasks are left, shut down async generators, close."""
    if loop.is_closed():
        return
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        # Let the cancellations run their cleanup (purging partial uploads, closing
        # consumers); exceptions are reported by the tasks themselves.
        with contextlib.suppress(RuntimeError):  # Qt can no longer run (display gone)
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    with contextlib.suppress(Exception):
        loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    with contextlib.suppress(Exception):
        asyncio.set_event_loop(None)


def change_filter(proxy: QSortFilterProxyModel, mutate: Callable[[], None]) -> None:
    """Change a proxy's filter state inside `mutate` and refilter its rows.

    Qt 6.9 added begin/endFilterChange and deprecated invalidateFilter (which now warns).
    """
    if hasattr(proxy, "beginFilterChange"):
        proxy.beginFilterChange()
        mutate()
        proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
    else:  # PySide6 < 6.9
        mutate()
        proxy.invalidateFilter()


def is_alive(obj: QObject | None) -> bool:
    """False when `obj` is None or its C++ side was deleted (deleteLater, parent closed)."""
    return obj is not None and shiboken6.isValid(obj)


def safe_emit(obj: QObject | None, signal: SignalInstance, *args: Any) -> bool:
    """Emit `signal` of `obj` unless the object is gone; True when emitted."""
    if not is_alive(obj):
        return False
    try:
        signal.emit(*args)
    except RuntimeError as exc:
        # Deleted between the check and the emit (a slot closed the window): harmless.
        log.debug("signal not emitted: %s", exc)
        return False
    return True
