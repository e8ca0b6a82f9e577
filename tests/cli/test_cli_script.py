"""The installed `natsobj` console script, run as a real process."""

from __future__ import annotations

import json
import os
import pty
import queue
import select
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest

from natsobj_gui.core.server import LocalServer

from .conftest import Cli


def script() -> str:
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        path = Path(folder) / "natsobj"
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    pytest.fail("the natsobj console script is not installed (pip install -e .)")


def env(cli_env: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("NATS_")}
    out["XDG_CONFIG_HOME"] = str(cli_env)
    return out


def _default_sigint() -> None:
    # A shell running us in the background may ignore SIGINT; the child must see Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_script_put_stdin_ls_json_and_error(
    nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    base = [script(), "-s", nats_server.url]
    data = os.urandom(200_000)
    put = subprocess.run(
        [*base, "put", bucket, "-", "--name", "from-pipe"],
        input=data,
        capture_output=True,
        env=env(cli_env),
        timeout=60,
    )
    assert put.returncode == 0, put.stderr
    assert put.stderr == b""  # piped stderr: no progress bar
    got = subprocess.run(
        [*base, "get", bucket, "from-pipe", "-O", "-"],
        capture_output=True,
        env=env(cli_env),
        timeout=60,
    )
    assert got.returncode == 0 and got.stdout == data
    listed = subprocess.run(
        [*base, "ls", bucket, "--json"], capture_output=True, env=env(cli_env), timeout=60
    )
    assert [o["name"] for o in json.loads(listed.stdout)] == ["from-pipe"]
    missing = subprocess.run(
        [*base, "get", bucket, "nope"], capture_output=True, env=env(cli_env), timeout=60
    )
    assert missing.returncode == 1
    assert missing.stderr.decode().strip().splitlines() == [
        f"natsobj: error: object 'nope' not found in bucket '{bucket}'"
    ]


def test_script_output_to_a_pipe_is_whole_or_ends_quietly(
    nats_server: LocalServer, bucket: str, cli_env: Path, tmp_path: Path
) -> None:
    """The script leaves without the interpreter's teardown: its last lines still arrive."""
    src = tmp_path / "many"
    src.mkdir()
    for i in range(300):
        (src / f"f{i:03}.txt").write_bytes(b"x" * i)
    base = [script(), "-s", nats_server.url, "put", bucket, str(src)]
    put = subprocess.run(base, capture_output=True, env=env(cli_env), timeout=120)
    assert put.returncode == 0, put.stderr
    lines = put.stdout.decode().splitlines()
    assert len(lines) == 301 and lines[-1].startswith("Put 300 files")
    # A reader that stops after one line (`| head -1`): one clean exit, no traceback.
    proc = subprocess.Popen(
        [*base, "-f"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(cli_env)
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) in (0, 1)
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_script_progress_bar_on_a_terminal(
    nats_server: LocalServer, bucket: str, cli_env: Path, tmp_path: Path
) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(1_000_000))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [script(), "-s", nats_server.url, "put", bucket, str(src), "--name", "big"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave,
            env=env(cli_env),
        )
        os.close(slave)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(master)
    drawn = b"".join(chunks).decode(errors="replace")
    assert "100%" in drawn and "8/8 chunks" in drawn and "/s" in drawn, drawn


class Watch:
    """`natsobj watch` as a child process whose stdout lines arrive on a queue."""

    def __init__(self, url: str, bucket: str, cli_env: Path, *flags: str) -> None:
        self.proc = subprocess.Popen(
            [script(), "-s", url, "watch", bucket, *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(cli_env),
            preexec_fn=_default_sigint,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode())

    def next(self, timeout: float = 30) -> str:
        return self.lines.get(timeout=timeout)

    def interrupt(self) -> tuple[int, bytes]:
        """Ctrl-C; the exit status and stderr."""
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_script_watch_until_ctrl_c(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    cli.ok("put", bucket, "-", "--name", "be{0}fore\x1b", stdin=b"1")
    watch = Watch(nats_server.url, bucket, cli_env)
    try:
        assert f"PUT {bucket} > be{{0}}fore\\x1b: 1 B in 1 chunks" in watch.next()
        cli.ok("put", bucket, "-", "--name", "after", stdin=b"22")
        assert f"PUT {bucket} > after" in watch.next()
        cli.ok("del", bucket, "be{0}fore\x1b", "-f")
        assert f"DEL {bucket} > be{{0}}fore\\x1b" in watch.next()
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0 and b"Traceback" not in err


def test_script_watch_history_and_updates_only(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    # Every put rolls its meta subject up, so the history holds each name's last version.
    cli.ok("put", bucket, "-", "--name", "h", stdin=b"1")
    cli.ok("put", bucket, "-", "--name", "h", "-f", stdin=b"22")
    cli.ok("put", bucket, "-", "--name", "i", stdin=b"333")
    history = Watch(nats_server.url, bucket, cli_env, "--history")
    try:
        first, second = history.next(), history.next()
        assert f"PUT {bucket} > h: 2 B" in first and f"PUT {bucket} > i: 3 B" in second
        assert history.interrupt()[0] == 0
    finally:
        history.kill()
    updates = Watch(nats_server.url, bucket, cli_env, "--updates-only")
    try:
        # The child may not be watching yet: keep changing the bucket until a line shows.
        line = None
        for i in range(60):
            cli.ok("put", bucket, "-", "--name", f"u{i}", stdin=b"u")
            try:
                line = updates.next(timeout=0.5)
                break
            except queue.Empty:
                continue
        assert line is not None and f"PUT {bucket} > u" in line  # never the old "h"
        assert updates.interrupt()[0] == 0
    finally:
        updates.kill()


def _read_rest(master: int) -> bytes:
    """What the terminal still holds after the process ended (until EOF or a quiet pause)."""
    rest = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        rest += data
    return rest


def _run_on_tty(
    argv: list[str], cli_env: Path, answer: bytes | None, interrupt: int = signal.SIGINT
) -> tuple[int, str]:
    """Run with a terminal on stdin/stderr; type `answer` at the prompt, or send `interrupt`."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env(cli_env),
        preexec_fn=_default_sigint,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while b"[y/N]" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 4096)
        assert b"[y/N]" in seen, seen
        if answer is None:
            proc.send_signal(interrupt)
        else:
            os.write(master, answer)
        code = proc.wait(timeout=30)
        seen += _read_rest(master)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, seen.decode(errors="replace")


def test_script_confirmation_on_a_terminal(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    argv = [script(), "-s", nats_server.url, "del", bucket, "x"]
    code, text = _run_on_tty(argv, cli_env, None)  # Ctrl-C at the prompt stops at once
    assert code == 130 and "natsobj: error: interrupted" in text and "Traceback" not in text
    code, text = _run_on_tty(argv, cli_env, b"n\n")
    assert code == 1 and "Traceback" not in text
    assert cli.ok("ls", bucket, "--names").text.split() == ["x"]
    code, text = _run_on_tty(argv, cli_env, b"y\n")
    assert code == 0, text
    assert cli.ok("ls", bucket, "--names").text.split() == []


def test_script_ctrl_c_during_put_leaves_nothing(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [script(), "-s", nats_server.url, "put", bucket, "-", "--name", "partial"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env(cli_env),
        preexec_fn=_default_sigint,
    )
    os.close(slave)
    assert proc.stdin is not None
    seen = b""
    try:
        # stdin stays open: the upload keeps waiting for more. Progress is reported as
        # chunks are acknowledged, so feed chunks until the bar shows some went out.
        deadline = time.monotonic() + 30
        while b"chunks" not in seen and time.monotonic() < deadline:
            proc.stdin.write(os.urandom(128 * 1024))
            proc.stdin.flush()
            if select.select([master], [], [], 0.3)[0]:
                seen += os.read(master, 4096)
        assert b"chunks" in seen, seen  # the progress bar shows chunks were sent
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        seen += _read_rest(master)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        os.close(master)
    text = seen.decode(errors="replace")
    assert "natsobj: error: interrupted" in text and "Traceback" not in text
    assert json.loads(cli.ok("ls", bucket, "--deleted", "--json").text) == []
    assert json.loads(cli.ok("status", bucket, "--json").text)["size"] == 0  # chunks purged
