"""The app's own JetStream server: a real nats-server on loopback, data in the app-data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .server import LocalServer

APP_DIR_NAME = "natsobj-gui"


def app_data_dir() -> Path:
    """The per-user data folder of the app, following each platform's convention."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / APP_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


def default_store_dir() -> Path:
    """Where the embedded server keeps its JetStream data unless --data-dir says otherwise."""
    return app_data_dir() / "jetstream"


class EmbeddedServer:
    """Start/stop a LocalServer on 127.0.0.1 and a free port; data survives restarts."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_store_dir()
        self._server: LocalServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded server is not running")
        return self._server.url

    @property
    def pid(self) -> int:
        """The server's process id, 0 when not running."""
        proc = self._server.proc if self._server is not None else None
        return proc.pid if proc is not None else 0

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    def start(self, timeout: float = 15.0) -> str:
        """Start the server (idempotent) and return its URL."""
        if self._server is not None and self._server.running:
            return self._server.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The log sits next to the data so a failed start can be diagnosed by the user.
        server = LocalServer(self.data_dir, log_file=self.data_dir / "nats-server.log")
        server.start(timeout=timeout)
        self._server = server
        return server.url

    def stop(self) -> None:
        """Stop the server if we started it; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
