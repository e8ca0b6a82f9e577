"""LocalServer: ports chosen by nats-server, a taken port, a restart, and whose INFO we read."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from natsobj_gui.core.server import LocalServer, PortInUse


def _listener() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_first_start_takes_the_port_nats_server_picked(tmp_path: Path) -> None:
    server = LocalServer(tmp_path, jetstream=False)
    with server:
        assert server.port is not None
        with socket.create_connection(("127.0.0.1", server.port), timeout=2) as s:
            assert s.recv(4) == b"INFO"
        assert server.server_id.startswith("N")
        assert any(server.ports_dir.glob(f"*_{server.proc.pid}.ports"))


def test_a_given_port_that_is_taken_raises_port_in_use(tmp_path: Path) -> None:
    with _listener() as taken:
        server = LocalServer(tmp_path, jetstream=False, port=taken.getsockname()[1])
        with pytest.raises(PortInUse):
            server.start(timeout=5)
        assert not server.running


def test_restart_waits_for_its_old_port(tmp_path: Path) -> None:
    server = LocalServer(tmp_path, jetstream=False)
    with server:
        port = server.port
        server.stop()
        squatter = socket.socket()
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        threading.Timer(1.0, squatter.close).start()
        started = time.monotonic()
        server.start(timeout=10)
        assert server.port == port
        assert time.monotonic() - started >= 0.9


def test_an_answer_from_another_server_is_refused(tmp_path: Path) -> None:
    """Our child's ports file names a port where another server's INFO answers: refused."""
    with LocalServer(tmp_path / "other", jetstream=False) as other:
        ours = LocalServer(tmp_path / "ours", jetstream=False)
        # A fake ports file claiming the other server's port stands in for a stolen port.
        original = ours._bound_port
        ours._bound_port = lambda pid: other.port if original(pid) else None  # type: ignore[method-assign]
        with pytest.raises(RuntimeError, match="not our nats-server"):
            ours.start(timeout=5)
        assert not ours.running
