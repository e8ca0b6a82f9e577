"""`natsobj --local`: the desktop app's own server and data, shared with a running app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from procs import nats_servers_on

from natsobj_gui.core.embedded import EmbeddedServer, default_store_dir

from .conftest import Cli


@pytest.fixture
def local_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's data folder, inside the test; any NATS_* or context must not matter."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")  # would fail if it were used
    return default_store_dir()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="counts servers in /proc")
def test_local_starts_the_apps_server_for_the_command_and_keeps_its_data(
    cli: Cli, local_data: Path
) -> None:
    cli.ok("--local", "add", "mine", server=False)
    assert nats_servers_on(local_data) == [], "the server outlived the command"
    cli.ok("--local", "put", "mine", "-", "--name", "a.txt", stdin=b"hello", server=False)
    assert cli.ok("--local", "get", "mine", "a.txt", "-O", "-", server=False).out == b"hello"
    assert (local_data / "jetstream").is_dir()
    assert nats_servers_on(local_data) == []


def test_local_joins_the_running_apps_server_and_leaves_it_running(
    cli: Cli, local_data: Path
) -> None:
    with EmbeddedServer() as app:  # as the desktop app holds it
        cli.ok("--local", "add", "shared", server=False)
        assert app.running, "the command stopped the app's server"
        listed = cli.ok("--local", "ls", server=False).text
        assert "shared" in listed


def test_local_with_server_or_context_is_refused(cli: Cli, local_data: Path) -> None:
    result = cli("--local", "ls")  # the fixture adds -s URL
    assert result.code == 2
    result.assert_one_line_error("--local cannot be combined")
    assert not os.path.exists(local_data)  # nothing was started
