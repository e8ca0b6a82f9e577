"""Keeps the app's own local server alive: if it dies, say so and start it again.

The first restart is at once, later ones back off (1, 2, 4 … 30 s); the data folder stays
the same, and so does the port when it is free, so the connection's own reconnect finds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from natsobj_gui.core.embedded import EmbeddedServer
from natsobj_gui.core.sentences import describe_error

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import Work
    from natsobj_gui.views.outage import OutageBanner

log = logging.getLogger(__name__)

POLL_MS = 1000
BACKOFF = (0.0, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class EmbeddedWatch(QObject):
    """Polls the embedded server's process; restarts it (as a job) when it exited."""

    restarted = Signal(str)  # the server's URL
    moved = Signal(str)  # restarted on another URL: whoever used it must connect anew

    def __init__(
        self,
        parent: QObject,
        server: Callable[[], EmbeddedServer | None],
        work: Work,
        banner: OutageBanner,
        online: Callable[[], bool],
    ) -> None:
        super().__init__(parent)
        self.server = server  # the app's local server, once it was started
        self.work = work
        self.banner = banner
        self.online = online
        self.failures = 0
        self.restarts = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(POLL_MS)
        self._busy = False

    @property
    def reviving(self) -> bool:
        """True while the local server is being started again."""
        return self._busy

    def _server(self) -> EmbeddedServer | None:
        embedded = self.server()
        return embedded if embedded is not None and not embedded.shared else None

    def check(self) -> None:
        """Restart the local server now if it died (also called when the connection drops)."""
        embedded = self._server()
        if self._busy or embedded is None or not embedded.died:
            return
        self._busy = True
        self.work.run_reported(self._revive(embedded), key="embedded", error_title="Local server")

    async def _revive(self, embedded: EmbeddedServer) -> None:
        old_url = embedded.url
        try:
            while embedded.died:
                wait = BACKOFF[min(self.failures, len(BACKOFF) - 1)]
                again = f"starting it again in {wait:g} s" if wait else "starting it again"
                self.banner.show_message(
                    f"The local server stopped unexpectedly: {again}…",
                    detail=f"The local server (data in {embedded.data_dir}) stopped.",
                )
                await asyncio.sleep(wait)
                try:
                    url = await asyncio.to_thread(embedded.start)
                except (OSError, RuntimeError) as exc:
                    self.failures += 1
                    log.warning("restarting the local server failed: %s", exc)
                    why = describe_error(exc)
                    self.banner.show_message(
                        f"The local server could not be started again: {why}",
                        detail=f"Starting the local server again failed: {why}",
                    )
                    continue
                self.failures = 0
                self.restarts += 1
                if self.online():  # reconnected already, or we use another server
                    self.banner.resolve("The local server is running again.")
                else:
                    again = "The local server was started again: reconnecting…"
                    self.banner.show_message(again)
                if url != old_url:
                    self.moved.emit(url)
                self.restarted.emit(url)
        finally:
            self._busy = False

    def stop(self) -> None:
        self._timer.stop()
