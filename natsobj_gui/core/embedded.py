"""The app's own JetStream server: a real nats-server on loopback, data in the app-data folder.

One data folder has one server: the first app instance starts it and holds a lock file; a
second instance finds the lock taken and connects to the running server (whose URL the owner
wrote next to the lock) instead of starting another server on the same files. A server left
running by an instance that was killed (the lock died with it) is stopped before a new one
starts: two servers must never share one JetStream store.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from .dirs import app_data_dir
from .server import LocalServer

LOCK_FILE = "server.lock"
URL_FILE = "server.url"
PID_FILE = "server.pid"


def default_store_dir() -> Path:
    """Where the embedded server keeps its JetStream data unless --data-dir says otherwise."""
    return app_data_dir() / "jetstream"


def _try_lock(f: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if another process has it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _reachable(url: str) -> bool:
    host_port = url.rsplit("//", 1)[-1]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5) as s:
            s.settimeout(0.5)
            return s.recv(4).startswith(b"INFO")
    except (OSError, ValueError):
        return False


def _command_line(pid: int) -> str | None:
    """The command line of a live process; None if it is gone or cannot be read."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            return None
    if sys.platform == "win32" or Path("/proc/self").is_dir():
        return None  # gone (Linux), or no way to check that it is ours (Windows)
    try:
        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _serves(pid: int, store_dir: Path) -> bool:
    """Whether `pid` is a live nats-server using `store_dir` (not a reused pid)."""
    cmd = _command_line(pid)
    return cmd is not None and "nats-server" in cmd and str(store_dir) in cmd


class EmbeddedServer:
    """Start/stop a LocalServer on 127.0.0.1 and a free port; data survives restarts."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_store_dir()
        self._server: LocalServer | None = None
        self._lock: IO[bytes] | None = None
        self._shared_url: str | None = None  # another instance's server we only use

    @property
    def url(self) -> str:
        if self._server is not None:
            return self._server.url
        if self._shared_url is not None:
            return self._shared_url
        raise RuntimeError("the embedded server is not running")

    @property
    def pid(self) -> int:
        """The process id of the server we started, 0 when none."""
        proc = self._server.proc if self._server is not None else None
        return proc.pid if proc is not None else 0

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    @property
    def died(self) -> bool:
        """True when the server we started has exited without stop() (reaps its process)."""
        return self._server is not None and not self._server.running

    @property
    def shared(self) -> bool:
        """True when another app instance owns the server we connect to."""
        return self._shared_url is not None

    def start(self, timeout: float = 15.0) -> str:
        """Start the server, or join the one another instance runs on this folder; its URL."""
        if self._server is not None:
            # Ours, even if it died: we hold the lock, so never wait for "another" owner.
            return self._server.url if self._server.running else self._revive(timeout)
        if self._shared_url is not None and _reachable(self._shared_url):
            return self._shared_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            lock = open(self.data_dir / LOCK_FILE, "ab")  # noqa: SIM115 - held while we run
            if _try_lock(lock):
                self._lock = lock
                return self._start_owned(timeout)
            lock.close()
            # The owner writes its URL once its server answers: wait for that, bounded.
            url = self._read_url()
            if url and _reachable(url):
                self._shared_url = url
                return url
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"another natsobj-gui uses {self.data_dir} but its server does not answer"
                )
            time.sleep(0.2)

    def _start_owned(self, timeout: float) -> str:
        url_file = self.data_dir / URL_FILE
        self._stop_orphan()
        url_file.unlink(missing_ok=True)
        # The log sits next to the data so a failed start can be diagnosed by the user.
        server = LocalServer(self.data_dir, log_file=self.data_dir / "nats-server.log")
        try:
            server.start(timeout=timeout)
        except BaseException:
            self._release()
            raise
        self._server = server
        (self.data_dir / PID_FILE).write_text(str(self.pid), encoding="utf-8")
        url_file.write_text(server.url, encoding="utf-8")
        return server.url

    def _revive(self, timeout: float) -> str:
        """Start our dead server again: same data folder, same port if it is still free."""
        server = self._server
        assert server is not None
        try:
            server.start(timeout=timeout)
        except (OSError, RuntimeError):
            if server.running:
                raise
            server.port = None  # someone took the port meanwhile: let nats-server pick
            server.start(timeout=timeout)
        (self.data_dir / PID_FILE).write_text(str(self.pid), encoding="utf-8")
        (self.data_dir / URL_FILE).write_text(server.url, encoding="utf-8")
        return server.url

    def _stop_orphan(self, timeout: float = 10.0) -> None:
        """Stop the server a killed owner left running on our folder (we hold the lock now)."""
        try:
            pid = int((self.data_dir / PID_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return
        if pid <= 0 or not _serves(pid, self.data_dir):
            return
        # SIGTERM first: JetStream flushes its store on it.
        kill = getattr(signal, "SIGKILL", signal.SIGTERM)
        for sig, wait in ((signal.SIGTERM, timeout), (kill, 5.0)):
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
            if self._gone(pid, wait):
                return
        raise RuntimeError(
            f"a nats-server left by an earlier run (pid {pid}) still uses {self.data_dir} "
            "and does not stop"
        )

    def _gone(self, pid: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while _serves(pid, self.data_dir):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _read_url(self) -> str:
        try:
            return (self.data_dir / URL_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            for name in (URL_FILE, PID_FILE):
                with contextlib.suppress(OSError):
                    (self.data_dir / name).unlink(missing_ok=True)
            lock.close()  # closing the file drops the lock

    def stop(self) -> None:
        """Stop the server if we started it (a shared one is left to its owner); idempotent."""
        server, self._server = self._server, None
        self._shared_url = None
        if server is not None:
            server.stop()
        self._release()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
