"""Move fast core progress into Qt at a bounded rate, and fit byte counts into progress bars.

Usage::

    throttle = Throttle(self._show, interval=1 / 15, parent=self)
    await store.put(name, path, progress=throttle)   # called per chunk; _show at most ~15 Hz
    throttle.flush()                                  # optional: deliver the pending value now

    value, maximum = bar_values(p.bytes_done, p.bytes_total)  # fits QProgressBar's int32

Like superqt's throttler: the first value goes through at once, later ones within the
interval are coalesced, and the last value is always delivered (by a single-shot timer).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from .qt_compat import is_alive

INT32_MAX = 2**31 - 1
DEFAULT_INTERVAL = 1 / 15


def bar_values(done: int, total: int) -> tuple[int, int]:
    """(value, maximum) for a progress bar, scaled down so both fit a signed int32."""
    if total <= 0:
        # Unknown or empty: a full bar when something was done, else an empty one.
        return (1, 1) if done > 0 else (0, 1)
    done = max(0, min(done, total))
    shift = max(0, total.bit_length() - 31)
    value, maximum = done >> shift, total >> shift
    # Never show 100% before the last byte (the shift can round a near-end value up to max).
    if done < total and value >= maximum:
        value = maximum - 1
    return value, max(maximum, 1)


class Throttle(QObject):
    """Call `callback(value)` at most once per `interval` seconds, always with the last value."""

    triggered = Signal(object)

    def __init__(
        self,
        callback: Callable[[Any], None] | None = None,
        interval: float = DEFAULT_INTERVAL,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._callback = callback
        self._clock = clock
        self._last = float("-inf")
        self._pending: Any = None
        self._has_pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self.interval = interval

    @property
    def interval(self) -> float:
        return self._interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self._interval = max(0.0, seconds)

    @property
    def pending(self) -> bool:
        """True while a value waits for the timer."""
        return self._has_pending

    def __call__(self, value: Any = None) -> None:
        """Offer a value: delivered now if the interval has passed, else later (coalesced)."""
        if not is_alive(self):
            return  # the owner is gone; late progress from a cancelled task is dropped
        wait = self._interval - (self._clock() - self._last)
        if wait <= 0 and not self._timer.isActive():
            self._deliver(value)
            return
        self._pending, self._has_pending = value, True
        if not self._timer.isActive():
            self._timer.start(max(1, round(wait * 1000)))

    def flush(self) -> None:
        """Deliver the pending value now (if any)."""
        if not is_alive(self):
            return
        self._timer.stop()
        if self._has_pending:
            value, self._pending, self._has_pending = self._pending, None, False
            self._deliver(value)

    def cancel(self) -> None:
        """Drop the pending value."""
        if is_alive(self):
            self._timer.stop()
        self._pending, self._has_pending = None, False

    def _on_timeout(self) -> None:
        if self._has_pending:
            value, self._pending, self._has_pending = self._pending, None, False
            self._deliver(value)

    def _deliver(self, value: Any) -> None:
        self._last = self._clock()
        if self._callback is not None:
            self._callback(value)
        self.triggered.emit(value)
