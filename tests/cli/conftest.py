"""Run `natsobj` in-process against the session's real server, with an isolated environment."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from natsobj_gui.cli.main import main
from natsobj_gui.core.server import LocalServer


@dataclass
class Result:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")

    def assert_one_line_error(self, *fragments: str) -> None:
        """A failure prints exactly one `natsobj: error:` line and no traceback."""
        assert self.code != 0, self.text
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("natsobj: error: "), self.err
        assert "Traceback" not in self.err
        for fragment in fragments:
            assert fragment in lines[0], lines[0]


class FakeTty(io.TextIOWrapper):
    """A stdin that claims to be a terminal and answers the CLI's question."""

    while_asked: Callable[[], None] | None = None  # what happens before the user answers

    def isatty(self) -> bool:
        return True

    def readline(self, size: int = -1) -> str:
        if self.while_asked is not None:
            self.while_asked()
        return super().readline(size)


class Cli:
    """Call `main()` like the shell would, capturing bytes on stdout and text on stderr."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[bytes], mp: pytest.MonkeyPatch):
        self.url = url
        self._capsys = capsys
        self._mp = mp

    def __call__(
        self,
        *args: str,
        stdin: bytes = b"",
        tty_answer: str | None = None,
        while_asked: Callable[[], None] | None = None,
        server: bool = True,
    ) -> Result:
        if tty_answer is not None:
            stream: io.TextIOWrapper = FakeTty(io.BytesIO(tty_answer.encode() + b"\n"))
            stream.while_asked = while_asked
        else:
            stream = io.TextIOWrapper(io.BytesIO(stdin))
        self._mp.setattr(sys, "stdin", stream)
        self._capsys.readouterr()
        argv = ["-s", self.url, *args] if server else list(args)
        code = main(argv)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err.decode("utf-8", errors="replace"))

    def ok(self, *args: str, **kw) -> Result:
        """Run and insist on success."""
        result = self(*args, **kw)
        assert result.code == 0, (result.err, result.text)
        return result


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real nats contexts or NATS_* variables leak in; the cwd is the test's own."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    for var in [v for v in os.environ if v.startswith("NATS_")]:
        monkeypatch.delenv(var)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return xdg


@pytest.fixture
def cli(
    nats_server: LocalServer,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return Cli(nats_server.url, capsysbinary, monkeypatch)


@pytest.fixture
def bucket(cli: Cli, bucket_name: str) -> Iterator[str]:
    """A fresh bucket made with `natsobj add`, deleted afterwards."""
    cli.ok("add", bucket_name)
    yield bucket_name
    cli("del", bucket_name, "-f")
