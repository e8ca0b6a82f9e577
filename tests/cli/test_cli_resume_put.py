"""`natsobj put FILE` whose server is SIGKILLed and restarted mid-upload exits 0, whole."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from natsobj_gui.core import Client, orphans
from natsobj_gui.core.server import LocalServer

from .running import chunk_counts, ended, spawn, wait_for, with_bucket

BOUND = 20.0
SIZE = 48 * 1024 * 1024


async def _read_back(url: str, bucket: str) -> tuple[bytes, int]:
    async with await Client.connect(url) as c:
        data = await c.store(bucket).get_bytes("big")
        report = await orphans.scan(c.conn, bucket, grace=0)
        return data, len(report.orphans)


def test_put_of_a_file_survives_a_server_restart(
    fresh_server: LocalServer, cli_env: Path, tmp_path: Path
) -> None:
    base = with_bucket(fresh_server.url, BOUND, cli_env)
    data = os.urandom(SIZE)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    proc = spawn([*base, "put", "b", str(path), "--name", "big"], cli_env)
    try:
        wait_for(lambda: sum(chunk_counts(fresh_server.url, "b").values()) > 20, poll=0.01)
        proc.send_signal(signal.SIGSTOP)  # frozen mid-upload while its server dies
        assert fresh_server.proc is not None
        fresh_server.proc.kill()  # SIGKILL: what it acknowledged but had not written is lost
        fresh_server.proc.wait()
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.0)  # a real outage: the put notices it before the server is back
        fresh_server.start()
        code = proc.wait(timeout=BOUND + 60)
    finally:
        err = ended(proc)
    assert code == 0, err
    assert "Traceback" not in err, err
    stored, orphan_sets = asyncio.run(_read_back(fresh_server.url, "b"))
    assert stored == data
    assert orphan_sets == 0
