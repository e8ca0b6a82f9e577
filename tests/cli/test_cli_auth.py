"""Connection options and contexts against servers that require credentials."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from natsobj_gui.cli.main import build_parser, build_profile
from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .test_contexts import write_context


def test_user_and_password_options(
    cli: Cli, server_factory: Callable[..., LocalServer], bucket_name: str
) -> None:
    server = server_factory('authorization { user: alice, password: "s3cr3t-pw" }\n')
    base = ("-s", server.url, "--user", "alice")
    cli(*base, "--password", "wrong", "ls", server=False).assert_one_line_error(
        "authentication failed"
    )
    cli.ok(*base, "--password", "s3cr3t-pw", "add", bucket_name, server=False)
    cli.ok(*base, "--password", "s3cr3t-pw", "put", bucket_name, "-", "--name", "x",
           stdin=b"ok", server=False)  # fmt: skip
    got = cli.ok(*base, "--password", "s3cr3t-pw", "get", bucket_name, "x", "-O", "-",
                 server=False)  # fmt: skip
    assert got.out == b"ok"


def test_password_from_the_environment(
    cli: Cli,
    server_factory: Callable[..., LocalServer],
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = server_factory('authorization { user: carol, password: "env-pw" }\n')
    write_context(cli_env, "carol", {"url": server.url, "user": "carol", "password": "stale"})
    monkeypatch.setenv("NATS_PASSWORD", "env-pw")
    cli.ok("--context", "carol", "ls", server=False)
    cli("--context", "carol", "--password", "bad", "ls", server=False).assert_one_line_error(
        "authentication failed"
    )


def test_token_option_and_context(
    cli: Cli, server_factory: Callable[..., LocalServer], cli_env: Path
) -> None:
    server = server_factory('authorization { token: "tok-123" }\n')
    cli("-s", server.url, "ls", server=False).assert_one_line_error("authentication failed")
    assert cli.ok("-s", server.url, "--token", "tok-123", "ls", "--json", server=False).text
    write_context(cli_env, "tok", {"url": server.url, "token": "tok-123"})
    listed = cli.ok("--context", "tok", "ls", "--json", server=False)
    assert json.loads(listed.text) == []


def test_context_user_overridden_by_options(
    cli: Cli, server_factory: Callable[..., LocalServer], cli_env: Path
) -> None:
    server = server_factory('authorization { user: bob, password: "right" }\n')
    write_context(cli_env, "bob", {"url": server.url, "user": "bob", "password": "stale"})
    cli("--context", "bob", "ls", server=False).assert_one_line_error("authentication failed")
    cli.ok("--context", "bob", "--password", "right", "ls", server=False)


def test_options_map_onto_the_profile(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_context(cli_env, "base", {"url": "nats://ctx:4222", "ca": "/ctx/ca.pem",
                                    "jetstream_domain": "hub"})  # fmt: skip
    argv = [
        "--context", "base", "--tlscert", "/c.pem", "--tlskey", "/k.pem",
        "--creds", "/u.creds", "--nkey", "/u.nk", "--timeout", "1m", "ls",
    ]  # fmt: skip
    profile = build_profile(build_parser().parse_args(argv))
    assert profile.servers == ("nats://ctx:4222",)
    assert (profile.tls_ca, profile.tls_cert, profile.tls_key) == ("/ctx/ca.pem", "/c.pem",
                                                                   "/k.pem")  # fmt: skip
    assert (profile.creds_file, profile.nkey_seed_file) == ("/u.creds", "/u.nk")
    assert profile.js_domain == "hub"
    assert profile.connect_timeout == profile.request_timeout == 60
    monkeypatch.setenv("NATS_URL", "nats://env:1,nats://env:2")
    profile = build_profile(build_parser().parse_args(["--context", "base", "ls"]))
    assert profile.servers == ("nats://env:1", "nats://env:2")
    profile = build_profile(build_parser().parse_args(["ls", "-s", "nats://opt:4222"]))
    assert profile.servers == ("nats://opt:4222",)
