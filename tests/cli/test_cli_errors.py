"""Every failure of `natsobj` is a non-zero exit and one `natsobj: error:` line."""

from __future__ import annotations

import pytest

from natsobj_gui.cli.main import main
from natsobj_gui.core.server import free_port

from .conftest import Cli


@pytest.mark.parametrize(
    "args",
    [
        ("ls", "nosuchbucket"),
        ("info", "nosuchbucket"),
        ("status", "nosuchbucket"),
        ("info", "nosuchbucket", "obj"),
        ("get", "nosuchbucket", "obj", "-O", "-"),
        ("put", "nosuchbucket", "-", "--name", "x"),
        ("seal", "nosuchbucket", "-f"),
        ("edit", "nosuchbucket", "--ttl", "1h"),
        ("watch", "nosuchbucket"),
        ("link", "nosuchbucket", "a", "nosuchbucket"),
    ],
)
def test_missing_bucket(cli: Cli, args: tuple[str, ...]) -> None:
    cli(*args).assert_one_line_error("bucket 'nosuchbucket' not found")


@pytest.mark.parametrize(
    "args",
    [
        ("info", "{b}", "missing"),
        ("get", "{b}", "missing"),
        ("get", "{b}", "missing", "-O", "-"),
        ("del", "{b}", "missing", "-f"),
        ("meta", "{b}", "missing", "--description", "x"),
    ],
)
def test_missing_object(cli: Cli, bucket: str, args: tuple[str, ...]) -> None:
    cli(*(a.format(b=bucket) for a in args)).assert_one_line_error("'missing' not found")


def test_unreachable_server(cli: Cli) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    result = cli("-s", url, "--timeout", "2", "ls", server=False)
    result.assert_one_line_error("cannot reach a NATS server", url)


def test_bad_server_url(cli: Cli) -> None:
    cli("-s", "not a url at all", "--timeout", "2", "ls", server=False).assert_one_line_error()


def test_usage_errors_are_one_line_with_exit_2(cli: Cli) -> None:
    for args in (("add", "b", "--ttl", "soon"), ("add",), ("frobnicate",), ("ls", "--bogus")):
        result = cli(*args)
        assert result.code == 2
        result.assert_one_line_error()


def test_invalid_names_and_local_files(cli: Cli, bucket: str) -> None:
    cli("add", "bad.name").assert_one_line_error("invalid bucket name")
    cli("put", bucket, "no/such/file.txt").assert_one_line_error("no such file")
    cli("get", bucket, "-r", "-O", "-").assert_one_line_error()
    cli("get", bucket).assert_one_line_error("NAME")
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    # Writing into a path whose parent is a file is an OSError, reported in one line.
    open("afile", "w").close()
    cli("get", bucket, "x", "-O", "afile/x").assert_one_line_error()


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "put" in capsys.readouterr().out
    assert main([]) == 2


def test_server_without_jetstream(cli: Cli, server_factory) -> None:
    server = server_factory(jetstream=False)
    result = cli("-s", server.url, "ls", server=False)
    result.assert_one_line_error("JetStream is not enabled")
