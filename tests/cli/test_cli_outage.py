"""A `natsobj put` whose server is killed mid-upload ends within --timeout, saying so."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.server import LocalServer

from .running import chunk_counts, ended, feed, has_part_data, spawn, wait_for, with_bucket
from .test_cli_script import env

BOUND = 3.0


def test_put_to_a_killed_server_exits_non_zero_within_the_timeout(
    fresh_server: LocalServer, cli_env: Path
) -> None:
    base = with_bucket(fresh_server.url, BOUND, cli_env)
    old = subprocess.run(
        [*base, "put", "b", "-", "--name", "obj"],
        input=b"previous version",
        capture_output=True,
        env=env(cli_env),
        timeout=60,
    )
    assert old.returncode == 0, old.stderr
    proc = spawn([*base, "put", "-f", "b", "-", "--name", "obj"], cli_env, stdin=subprocess.PIPE)
    stop = threading.Event()
    threading.Thread(target=feed, args=(proc, stop), daemon=True).start()
    try:
        wait_for(lambda: sum(chunk_counts(fresh_server.url, "b").values()) > 20)
        assert fresh_server.proc is not None
        fresh_server.proc.kill()  # SIGKILL: the server is gone and stays gone
        fresh_server.proc.wait()
        killed = time.monotonic()
        code = proc.wait(timeout=60)
        took = time.monotonic() - killed
    finally:
        stop.set()
        err = ended(proc)
    assert code == 1, err
    assert took < BOUND + 3, took
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("natsobj: error: the connection to the server was lost"), err
    assert "previous version is intact; nothing was stored" in lines[0]


def test_get_from_a_killed_server_exits_non_zero_within_the_timeout(
    fresh_server: LocalServer, cli_env: Path, tmp_path: Path
) -> None:
    base = with_bucket(fresh_server.url, BOUND, cli_env)
    subprocess.run(
        [*base, "put", "b", "-", "--name", "big"],
        input=os.urandom(32 * 1024 * 1024),
        check=True,
        capture_output=True,
        env=env(cli_env),
        timeout=60,
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "big").write_bytes(b"mine")
    proc = spawn([*base, "get", "-f", "b", "big", "-O", str(out / "big")], cli_env)
    try:
        wait_for(lambda: has_part_data(out), poll=0.002)
        proc.send_signal(signal.SIGSTOP)  # frozen mid-download while its server dies
        assert fresh_server.proc is not None
        fresh_server.proc.kill()
        fresh_server.proc.wait()
        killed = time.monotonic()
        proc.send_signal(signal.SIGCONT)
        code = proc.wait(timeout=60)
        took = time.monotonic() - killed
    finally:
        err = ended(proc)
    assert code == 1, err
    assert took < BOUND + 3, took
    assert err.strip().splitlines() == [
        "natsobj: error: the connection to the server was lost while downloading 'big' and "
        f"did not come back; {out / 'big'} was not changed; "
        "the next get of it continues where this one stopped"
    ]
    assert (out / "big").read_bytes() == b"mine"
    kept = sorted(p.name for p in partial_paths(out / "big"))
    assert sorted(p.name for p in out.iterdir()) == sorted(["big", *kept])
