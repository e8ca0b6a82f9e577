"""Keyring work of a dialog, one piece at a time and in order, where the caller runs it.

A keyring call can wait on the keyring's unlock prompt: the caller's `off_thread(work,
done)` runs `work` in a thread and calls `done(result)` on the GUI thread. Without one, work
runs inline (a dialog used on its own, in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from natsobj_gui.core.sentences import describe_error

OffThread = Callable[[Callable[[], Any], Callable[[Any], None]], None]

log = logging.getLogger(__name__)


def run_inline(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
    """The OffThread without a caller's thread: now, on this thread."""
    done(work())


class KeyringWork:
    """A queue of (work, done): each work starts once the one before it is done."""

    def __init__(self, off_thread: OffThread, on_error: Callable[[str], None]) -> None:
        self.off_thread = off_thread
        self.on_error = on_error  # a sentence for the user when a backend failed oddly
        self._queue: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run `work` after the work queued before it; then `done(result)`."""
        self._queue.append((work, done))
        if len(self._queue) == 1:
            self._next()

    def after(self, then: Callable[[], None]) -> None:
        """Call `then` once the work queued so far is done."""
        self.run(lambda: None, lambda _none: then())

    def _next(self) -> None:
        work, done = self._queue[0]

        def guarded() -> tuple[bool, Any]:
            try:
                return True, work()
            except Exception as exc:  # a keyring backend's own failure: the queue goes on
                log.warning("keyring work failed: %s", type(exc).__name__)
                return False, describe_error(exc)

        def finished(result: tuple[bool, Any]) -> None:
            ok, value = result
            if ok:
                done(value)
            else:
                self.on_error(f"The keyring failed: {value}")
            self._queue.pop(0)  # after done: what it queued waits its turn
            if self._queue:
                self._next()

        self.off_thread(guarded, finished)
