"""`natsobj get` continues a download a killed `natsobj get` left, unless told not to."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .running import has_part_data, wait_for
from .test_cli_script import env, script

SIZE = 32 * 1024 * 1024


def _killed_get(url: str, bucket: str, dest: Path, cli_env: Path) -> int:
    """SIGKILL a `natsobj get` once it has written some data; the bytes its sidecar vouches."""
    proc = subprocess.Popen(
        [script(), "-s", url, "get", bucket, "big", "-O", str(dest)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(cli_env),
    )
    try:
        # Past the first checkpoint (it saves every quarter second while data comes).
        wait_for(
            lambda: (
                json.loads(partial_paths(dest)[1].read_text() or "{}").get("bytes", 0) > 0
                if has_part_data(dest.parent)
                else False
            ),
            poll=0.005,
        )
        proc.send_signal(signal.SIGSTOP)
        proc.kill()  # no cleanup at all: as a crash or the OOM killer
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not dest.exists()
    return json.loads(partial_paths(dest)[1].read_text())["bytes"]


def _only_the_whole_file(dest: Path, data: bytes) -> None:
    """The get wrote all of `data` to `dest` and left no partial beside it."""
    assert dest.read_bytes() == data
    assert [p.name for p in dest.parent.iterdir()] == ["big"]


@pytest.fixture
def cut_get(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path, tmp_path: Path
) -> tuple[bytes, Path, int]:
    """Store "big", SIGKILL a get of it midway: (its bytes, the dest, the bytes kept)."""
    data = os.urandom(SIZE)
    cli.ok("put", bucket, "-", "--name", "big", stdin=data)
    dest = tmp_path / "out" / "big"
    dest.parent.mkdir()
    return data, dest, _killed_get(nats_server.url, bucket, dest, cli_env)


def test_a_get_after_a_sigkilled_get_resumes(
    cli: Cli, bucket: str, cut_get: tuple[bytes, Path, int]
) -> None:
    data, dest, kept = cut_get
    assert 0 < kept < SIZE
    res = cli.ok("get", bucket, "big", "-O", str(dest))
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("resuming 'big': "), res.err
    assert lines[0].endswith(" % already downloaded")
    _only_the_whole_file(dest, data)


def test_a_changed_object_starts_over_saying_so(
    cli: Cli, bucket: str, cut_get: tuple[bytes, Path, int]
) -> None:
    _, dest, _ = cut_get
    new = os.urandom(1000)
    cli.ok("put", "-f", bucket, "-", "--name", "big", stdin=new)
    res = cli.ok("get", bucket, "big", "-O", str(dest))
    assert res.err.strip() == (
        "the object changed since the partial download of 'big': starting over"
    )
    _only_the_whole_file(dest, new)


def test_no_resume_starts_over_quietly(
    cli: Cli, bucket: str, cut_get: tuple[bytes, Path, int]
) -> None:
    data, dest, _ = cut_get
    res = cli.ok("get", bucket, "big", "-O", str(dest), "--no-resume")
    assert res.err.strip() == ""
    _only_the_whole_file(dest, data)
