"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from natsobj_gui.core import Progress

from .output import clean, human_size

MIN_INTERVAL = 0.1  # redraw at most ~10 times a second; the final state always shows


def _eta(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """Follows a transfer's Progress callbacks: bar, bytes, speed, ETA and chunks."""

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        known_total: bool = True,
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
        unit: str = "chunks",
    ) -> None:
        self.label = clean(label)
        self.unit = unit  # what Progress counts in chunks_done: chunks, or files of a folder
        self.columns = columns
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.known_total = known_total
        self._clock = clock
        self._start = clock()
        self._last_draw = float("-inf")
        self._last: Progress | None = None
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        """Record one chunk's progress; redraw when due or when the transfer is complete."""
        self._last = progress
        if not self.enabled:
            return
        now = self._clock()
        if now - self._last_draw >= MIN_INTERVAL or progress.done:
            self._last_draw = now
            self._draw(progress, now)

    def render(self, progress: Progress, now: float | None = None) -> str:
        """The bar's text for a given state, fitted to the terminal width (no control codes)."""
        now = self._clock() if now is None else now
        elapsed = max(now - self._start, 1e-6)
        speed = progress.bytes_done / elapsed
        parts: list[str] = []
        if self.known_total:
            parts.append(f"{progress.fraction * 100:3.0f}%")
            parts.append(f"{human_size(progress.bytes_done)}/{human_size(progress.bytes_total)}")
        else:
            parts.append(human_size(progress.bytes_done))
        parts.append(f"{human_size(int(speed))}/s")
        if self.known_total and speed > 0 and not progress.done:
            parts.append(f"ETA {_eta((progress.bytes_total - progress.bytes_done) / speed)}")
        if self.known_total:
            parts.append(f"{progress.chunks_done}/{progress.chunks_total} {self.unit}")
        else:
            parts.append(f"{progress.chunks_done} {self.unit}")
        tail = "  ".join(parts)
        columns = self.columns or shutil.get_terminal_size((80, 24)).columns
        # One column short of the width: a full line would wrap and break the \r redraw.
        room = columns - 1 - len(tail) - 2
        label_room = min(len(self.label), max(12, room // 3))
        bar = ""
        if self.known_total:
            width = min(24, room - label_room - 4)
            if width >= 5:
                filled = int(progress.fraction * width)
                bar = f"[{'#' * filled}{'.' * (width - filled)}]  "
        label_room = max(room - len(bar), 0)
        label = self.label
        if len(label) > label_room:
            label = "…" + label[-(label_room - 1) :] if label_room > 1 else ""
        line = f"{label}  {bar}{tail}" if label else f"{bar}{tail}"
        return line[: columns - 1]

    def _draw(self, progress: Progress, now: float) -> None:
        # \r returns to the line start, \x1b[K clears what a longer earlier line left.
        self.stream.write("\r" + self.render(progress, now) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """Draw the final state and end the line (nothing if never drawn or disabled)."""
        if not self.enabled:
            return
        if self._last is not None:
            self._draw(self._last, self._clock())
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()

    def clear(self) -> None:
        """Erase the bar's line so other output can take it; the next call draws it again."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
            self._last_draw = float("-inf")

    def abandon(self) -> None:
        """End the line after a failure so the error message starts on its own line."""
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abandon()
