"""SIGTERM and SIGHUP end a real `natsobj` process with the same cleanup as Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .running import chunk_counts, ended, feed, has_part_data, spawn, wait_for
from .test_cli_script import _run_on_tty, script


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_mid_put_leaves_only_the_previous_version(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path, signum: int
) -> None:
    cli.ok("put", bucket, "-", "--name", "obj", stdin=b"previous version")
    old = json.loads(cli.ok("info", bucket, "obj", "--json").text)["nuid"]
    proc = spawn(
        [script(), "-s", nats_server.url, "put", "-f", bucket, "-", "--name", "obj"],
        cli_env,
        stdin=subprocess.PIPE,
    )
    stop = threading.Event()
    feeder = threading.Thread(target=feed, args=(proc, stop), daemon=True)
    feeder.start()
    try:
        # Some of the new version's chunks are stored: the put is well under way.
        wait_for(lambda: sum(chunk_counts(nats_server.url, bucket).values()) > 20)
        proc.send_signal(signum)
        code = proc.wait(timeout=30)
    finally:
        stop.set()
        err = ended(proc)
    name = signal.Signals(signum).name
    assert code == 128 + signum, err
    assert err.strip().splitlines() == [f"natsobj: error: terminated by {name}"]
    assert chunk_counts(nats_server.url, bucket) == {f"$O.{bucket}.C.{old}": 1}
    assert cli.ok("get", bucket, "obj", "-O", "-").out == b"previous version"


def test_sigterm_mid_get_keeps_a_partial_the_next_get_continues(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path, tmp_path: Path
) -> None:
    """The get is stopped once its part file has data, then terminated, then run again."""
    data = os.urandom(32 * 1024 * 1024)
    cli.ok("put", bucket, "-", "--name", "big", stdin=data)
    out = tmp_path / "out"
    out.mkdir()
    proc = spawn(
        [script(), "-s", nats_server.url, "get", bucket, "big", "-O", str(out / "big")], cli_env
    )
    try:
        wait_for(lambda: has_part_data(out), poll=0.002)
        # Frozen mid-download, so the SIGTERM lands before the last chunk.
        proc.send_signal(signal.SIGSTOP)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        code = proc.wait(timeout=30)
    finally:
        err = ended(proc)
    assert code == 128 + signal.SIGTERM, err
    assert "terminated by SIGTERM" in err and "Traceback" not in err
    kept = sorted(p.name for p in partial_paths(out / "big"))
    assert sorted(p.name for p in out.iterdir()) == kept
    again = cli.ok("get", bucket, "big", "-O", str(out / "big"))
    assert again.err.startswith("resuming 'big': "), again.err
    assert (out / "big").read_bytes() == data
    assert [p.name for p in out.iterdir()] == ["big"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_at_a_confirmation_prompt_ends_at_once(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path, signum: int
) -> None:
    """The prompt's blocking read would hold off the loop's handler: nothing is deleted."""
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    argv = [script(), "-s", nats_server.url, "del", bucket, "x"]
    code, _ = _run_on_tty(argv, cli_env, None, signum)
    assert code == -signum
    assert cli.ok("ls", bucket, "--names").text.split() == ["x"]
