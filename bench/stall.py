"""Event-loop stall meter for GUI children: a Qt heartbeat, GC pauses, and the slowest callbacks.

Usage (in a child, on the qasync loop)::

    meter = StallMeter(trace=True)
    meter.start()
    ...                      # the measured operation
    figures = meter.stop()   # stall_max, stall_p99, stall_top, gc_*, slow, slow_cpu (traced)
"""

from __future__ import annotations

import asyncio
import asyncio.events
import gc
import resource
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

HEARTBEAT_MS = 5
TOP = 3
SLOW_CALLBACK = 0.005  # traced loop callbacks at least this long are recorded


class StallMeter(QObject):
    """A precise Qt timer; a gap between ticks longer than its interval is the loop stalling."""

    def __init__(self, interval_ms: int = HEARTBEAT_MS, trace: bool = False) -> None:
        super().__init__()
        self.interval = interval_ms / 1000
        self.trace = trace
        self.gaps: list[tuple[float, float]] = []  # (gap seconds, began at, since start)
        self.gc_pauses: list[tuple[float, float, int]] = []  # (seconds, at, generation)
        self.slow: list[tuple[float, float, str]] = []  # (seconds, at, callback)
        # The same callbacks' CPU time on this thread, and each full GC's: what the app
        # itself spent, apart from the time other processes took the CPU away.
        self.slow_cpu: list[tuple[float, float, str]] = []  # (CPU seconds, at, callback)
        self.gc_cpu: list[float] = []
        self.gaps_cpu: list[tuple[float, float]] = []  # (CPU seconds in a gap, began at)
        self._gc_cpu = self._last_cpu = 0.0
        self._t0 = self._last = self._gc_start = self._cpu = 0.0
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._orig_run: Callable[[asyncio.Handle], None] | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Reset and start ticking (and watching GC, and tracing callbacks if asked)."""
        self.gaps.clear()
        self.gc_pauses.clear()
        self.slow.clear()
        self.slow_cpu.clear()
        self.gc_cpu.clear()
        self.gaps_cpu.clear()
        gc.callbacks.append(self._on_gc)
        if self.trace:
            self._trace_on()
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu = time.process_time()
        self._t0 = self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append((now - self._last, self._last - self._t0))
        # The GUI thread's own CPU time in the gap: a gap far longer was other processes'.
        self.gaps_cpu.append((cpu - self._last_cpu, self._last - self._t0))
        self._last, self._last_cpu = now, cpu

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            self._gc_cpu = time.thread_time()
        else:
            pause = time.perf_counter() - self._gc_start
            self.gc_pauses.append((pause, self._gc_start - self._t0, info["generation"]))
            if info["generation"] == 2:
                self.gc_cpu.append(time.thread_time() - self._gc_cpu)

    def _trace_on(self) -> None:
        # Time every asyncio callback (a task step, a transport's read) to name the slow ones.
        orig = self._orig_run = asyncio.events.Handle._run
        meter = self

        def run(handle: asyncio.Handle) -> None:
            start = time.perf_counter()
            cpu = time.thread_time()
            orig(handle)
            took = time.perf_counter() - start
            if took >= SLOW_CALLBACK:
                meter.slow.append((took, start - meter._t0, _label(handle)))
                cpu = time.thread_time() - cpu
                meter.slow_cpu.append((cpu, start - meter._t0, _label(handle)))

        asyncio.events.Handle._run = run  # type: ignore[method-assign]

    def stop(self) -> dict[str, Any]:
        """Stop; the open gap up to now counts too (a stall at the very end is still a stall)."""
        self._timer.stop()
        self._tick()
        wall = time.perf_counter() - self._t0
        cpu = time.process_time() - self._cpu
        usage = resource.getrusage(resource.RUSAGE_SELF)
        gc.callbacks.remove(self._on_gc)
        if self._orig_run is not None:
            asyncio.events.Handle._run = self._orig_run  # type: ignore[method-assign]
            self._orig_run = None
        stalls = sorted(max(0.0, g - self.interval) for g, _ in self.gaps)
        p99 = stalls[min(len(stalls) - 1, int(0.99 * len(stalls)))] if stalls else 0.0
        full = [p for p, _, gen in self.gc_pauses if gen == 2]
        out: dict[str, Any] = {
            "stall_max": stalls[-1] if stalls else 0.0,
            "stall_p99": p99,
            "ticks": len(self.gaps),
            # The longest gaps and when they began (seconds into the operation).
            "stall_top": [
                [max(0.0, g - self.interval), at] for g, at in sorted(self.gaps, reverse=True)[:TOP]
            ],
            "gc_total": sum(p for p, _, _ in self.gc_pauses),
            "gc_full": len(full),
            "gc_full_max": max(full, default=0.0),
            # CPU share and involuntary context switches: other processes taking the CPU
            # away show up here, not in our code.
            "cpu_share": cpu / wall if wall > 0 else 0.0,
            "preempted": usage.ru_nivcsw - self._usage.ru_nivcsw,
            # The longest gaps counted in the GUI thread's CPU time: the app's own stalls,
            # which a busy machine cannot inflate (it can only add waiting).
            "stall_cpu_top": [
                [max(0.0, c - self.interval), at]
                for c, at in sorted(self.gaps_cpu, reverse=True)[:TOP]
            ],
        }
        if self.trace:
            out["slow"] = [[s, at, what] for s, at, what in sorted(self.slow, reverse=True)[:8]]
            out["slow_total"] = sum(s for s, _, _ in self.slow)
            out["slow_cpu"] = [[s, at, w] for s, at, w in sorted(self.slow_cpu, reverse=True)[:8]]
            out["gc_full_cpu_max"] = max(self.gc_cpu, default=0.0)
        return out


def _label(handle: asyncio.Handle) -> str:
    """A task's coroutine name, or the callback's qualified name."""
    cb = handle._callback  # type: ignore[attr-defined]
    owner = getattr(cb, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        return f"task {getattr(coro, '__qualname__', type(coro).__name__)}"
    return getattr(cb, "__qualname__", type(cb).__name__)
