"""`natsobj get` never writes where it should not, and `get -r` carries on past failures."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import stat
import threading
from pathlib import Path

from core.raw import chunk_subj, publish_chunks

from natsobj_gui.core import Client
from natsobj_gui.core.server import LocalServer

from .conftest import Cli


def _corrupt(url: str, bucket: str, name: str) -> None:
    """An object whose chunks no longer match its digest."""

    async def run() -> None:
        async with await Client.connect(url) as c:
            info = await c.store(bucket).put(name, os.urandom(2000), chunk_size=1000)
            await c.buckets.purge_subject(bucket, chunk_subj(bucket, info.nuid))
            await publish_chunks(c, bucket, info.nuid, [os.urandom(1000), os.urandom(1000)])

    asyncio.run(run())


def test_get_onto_dev_null_keeps_it_a_device(cli: Cli, bucket: str) -> None:
    """Streamed into, never replaced, and nothing to confirm (stdin is not a terminal)."""
    cli.ok("put", bucket, "-", "--name", "obj", stdin=os.urandom(300_000))
    got = cli.ok("get", bucket, "obj", "-O", "/dev/null")
    assert "Wrote 293 KiB to /dev/null" in got.text
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_get_onto_a_fifo_with_a_reader(cli: Cli, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    cli.ok("put", bucket, "-", "--name", "obj", stdin=data)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    cli.ok("get", bucket, "obj", "-O", str(fifo))
    reader.join(10)
    assert got == [data]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


HOSTILE = {
    "..\\..\\evil.txt": "evil.txt",
    "C:\\Windows\\x.dll": "x.dll",
    "CON": "_CON",
    "line\nbreak": "line_break",
    'q<u>o:t"e|s?': "q_u_o_t_e_s_",
    "dir/../..": None,
}


def test_single_get_into_a_folder_uses_the_sanitiser(cli: Cli, bucket: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, leaf in HOSTILE.items():
        cli.ok("put", bucket, "-", "--name", name, stdin=name.encode())
        if leaf is None:
            cli("get", bucket, name, "-O", f"{out}/").assert_one_line_error("give -O FILE")
            continue
        cli.ok("get", bucket, name, "-O", f"{out}/")
        assert (out / leaf).read_bytes() == name.encode()
    assert sorted(p.name for p in out.iterdir()) == sorted(v for v in HOSTILE.values() if v)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "out", "xdg"]


def test_messages_never_echo_a_raw_newline(cli: Cli, bucket: str) -> None:
    cli("get", bucket, "no\nsuch").assert_one_line_error("no\\nsuch")


def test_get_r_carries_on_past_failures_and_sums_up(
    cli: Cli, nats_server: LocalServer, bucket: str, tmp_path: Path
) -> None:
    for name in ("a.txt", "a:b", "a_b", "z.txt"):
        cli.ok("put", bucket, "-", "--name", name, stdin=name.encode())
    _corrupt(nats_server.url, bucket, "m-bad")
    out = tmp_path / "out"
    result = cli("get", bucket, "-r", "-O", str(out))
    assert result.code == 1
    # Every good object is there; "a:b" and "a_b" would share one file: the second fails.
    assert (out / "a.txt").read_bytes() == b"a.txt"
    assert (out / "a_b").read_bytes() == b"a:b"
    assert (out / "z.txt").read_bytes() == b"z.txt"
    assert "Wrote 3 files" in result.text
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("natsobj: error: 3 downloaded, 2 failed: "), result.err
    assert "'a_b': it would be saved to the same file as 'a:b'" in last
    assert "'m-bad'" in last and "digest" in last
    assert "Traceback" not in result.err


def test_a_corrupt_object_on_stdout_says_the_output_is_bad(
    cli: Cli, nats_server: LocalServer, bucket: str
) -> None:
    _corrupt(nats_server.url, bucket, "bad")
    result = cli("get", bucket, "bad", "-O", "-")
    result.assert_one_line_error("digest", "what was written to stdout cannot be trusted")
    cli("get", bucket, "missing", "-O", "-").assert_one_line_error("not found")
    assert "cannot be trusted" not in cli("get", bucket, "missing", "-O", "-").err


def test_get_onto_a_terminal_writes_to_it(cli: Cli, bucket: str) -> None:
    data = b"to the terminal\n"
    cli.ok("put", bucket, "-", "--name", "obj", stdin=data)
    master, slave = pty.openpty()
    try:
        tty = os.ttyname(slave)
        cli.ok("get", bucket, "obj", "-O", tty)
        seen = b""
        while select.select([master], [], [], 0.5)[0] and b"terminal" not in seen:
            seen += os.read(master, 4096)
        assert b"to the terminal" in seen
        assert stat.S_ISCHR(os.stat(tty).st_mode)
    finally:
        os.close(slave)
        os.close(master)
