"""Helpers for tests that drive a real `natsobj` process while its server or signals act."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.raw import chunk_subjects

from natsobj_gui.core import Client
from natsobj_gui.core.partial import PART_GLOB

from .test_cli_script import env, script

CHUNK = 128 * 1024


def with_bucket(url: str, bound: float, cli_env: Path) -> list[str]:
    """The `natsobj` command line for `url` with `--timeout bound`, once it made bucket "b"."""
    base = [script(), "-s", url, "--timeout", f"{bound:g}s"]
    subprocess.run(
        [*base, "add", "b"], check=True, capture_output=True, env=env(cli_env), timeout=60
    )
    return base


def spawn(
    argv: list[str], cli_env: Path, stdin: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """`argv` as a child process: its output dropped, its stderr kept for `ended`."""
    return subprocess.Popen(
        argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(cli_env)
    )


def chunk_counts(url: str, bucket: str) -> dict[str, int]:
    """Messages per chunk subject of `bucket`, read through a connection of its own."""

    async def count() -> dict[str, int]:
        async with await Client.connect(url) as c:
            return await chunk_subjects(c, bucket)

    return asyncio.run(count())


def feed(proc: subprocess.Popen[bytes], stop: threading.Event) -> None:
    """A slow, endless stdin: 128 KiB every few milliseconds until the process goes."""
    assert proc.stdin is not None
    block = os.urandom(CHUNK)
    try:
        while not stop.is_set():
            proc.stdin.write(block)
            proc.stdin.flush()
            time.sleep(0.005)
    except (BrokenPipeError, OSError, ValueError):
        pass


def wait_for(check: Callable[[], bool], timeout: float = 30.0, poll: float = 0.05) -> None:
    """Poll `check` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(poll)


def has_part_data(folder: Path) -> bool:
    """A get into `folder` has written some of its part file."""
    return any(p.stat().st_size > 0 for p in folder.glob(PART_GLOB))


def ended(proc: subprocess.Popen[bytes]) -> str:
    """Kill `proc` if it still runs (a failed test must not leave it); its whole stderr."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return err
