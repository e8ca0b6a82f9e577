"""The cluster fixture's start: a route port taken before its node binds it is retried."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from natsobj_gui.core import server as server_module

from . import conftest


def test_a_taken_route_port_restarts_the_cluster_on_fresh_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    handed: list[int] = []

    def free_port() -> int:
        # The first route port handed out is taken by the time node n1 binds it.
        port = taken if not handed else server_module.free_port()
        handed.append(port)
        return port

    monkeypatch.setattr(conftest, "free_port", free_port)
    try:
        cluster = conftest.start_cluster(tmp_path)
    finally:
        squatter.close()
    try:
        assert len(handed) == 6  # two starts, three route ports each
        assert all(n.server.running for n in cluster.nodes)
        assert (tmp_path / "try2").is_dir()
    finally:
        cluster.stop()
