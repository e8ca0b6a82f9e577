"""`nats` CLI context files: discovery, field mapping, expansion, selection, CLI overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from natsobj_gui.core import ObjectStoreError
from natsobj_gui.core.contexts import (
    ContextError,
    context_dir,
    context_settings,
    list_contexts,
    load_context,
    selected_context,
)
from natsobj_gui.core.server import free_port

from .conftest import Cli


def write_context(xdg: Path, name: str, settings: dict, *, select: bool = False) -> Path:
    folder = xdg / "nats" / "context"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(settings, indent=2))
    if select:
        (xdg / "nats" / "context.txt").write_text(name + "\n")
    return path


def test_discovery_and_selection(cli_env: Path) -> None:
    assert context_dir() == cli_env / "nats" / "context"
    assert list_contexts() == [] and selected_context() is None
    write_context(cli_env, "prod", {"url": "nats://p:4222"})
    write_context(cli_env, "dev.local", {"url": "nats://d:4222"}, select=True)
    (cli_env / "nats" / "context" / "notes.txt").write_text("ignored")
    (cli_env / "nats" / "context" / "empty.json").write_text("")
    assert list_contexts() == ["dev.local", "prod"]
    assert selected_context() == "dev.local"
    assert load_context().servers == ("nats://d:4222",)
    assert load_context("prod").servers == ("nats://p:4222",)


def test_default_dir_without_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert context_dir() == tmp_path / ".config" / "nats" / "context"


def test_every_field_is_mapped(cli_env: Path) -> None:
    write_context(
        cli_env,
        "full",
        {
            "description": "everything",
            "url": "nats://a:4222, tls://b:4443",
            "token": "s3cret",
            "cert": "/pki/cert.pem",
            "key": "/pki/key.pem",
            "ca": "/pki/ca.pem",
            "jetstream_domain": "hub",
            "jetstream_api_prefix": "$JS.x.API",
            "inbox_prefix": "_MY_INBOX",
            "tls_first": True,
            "color_scheme": "",
        },
    )
    p = load_context("full")
    assert p.name == "full"
    assert p.servers == ("nats://a:4222", "tls://b:4443")
    assert p.token == "s3cret"
    assert (p.tls_cert, p.tls_key, p.tls_ca) == ("/pki/cert.pem", "/pki/key.pem", "/pki/ca.pem")
    assert p.js_domain == "hub" and p.js_api_prefix == "$JS.x.API"
    assert p.inbox_prefix == "_MY_INBOX" and p.tls_handshake_first is True
    assert context_settings("full")["description"] == "everything"


def test_identity_precedence_like_natscli(cli_env: Path) -> None:
    write_context(cli_env, "u", {"user": "bob", "password": " pw ", "creds": "/c", "nkey": "/n"})
    write_context(cli_env, "c", {"creds": "/c.creds", "nkey": "/n.nk"})
    write_context(cli_env, "n", {"nkey": "/n.nk"})
    u, c, n = load_context("u"), load_context("c"), load_context("n")
    assert (u.user, u.password, u.creds_file, u.nkey_seed_file) == ("bob", " pw ", None, None)
    assert (c.user, c.creds_file, c.nkey_seed_file) == (None, "/c.creds", None)
    assert (n.creds_file, n.nkey_seed_file) == (None, "/n.nk")
    empty = write_context(cli_env, "empty-url", {"url": ""})
    assert load_context(empty.stem).servers == ("nats://127.0.0.1:4222",)


def test_home_and_variable_expansion(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PKI_DIR", "/etc/pki")
    write_context(
        cli_env,
        "exp",
        {
            "creds": "~/.nkeys/user.creds",
            "cert": "$PKI_DIR/cert.pem",
            "key": "${PKI_DIR}/key.pem",
            "ca": "~/ca.pem",
        },
    )
    p = load_context("exp")
    assert p.creds_file == str(tmp_path / "home" / ".nkeys" / "user.creds")
    assert p.tls_cert == "/etc/pki/cert.pem" and p.tls_key == "/etc/pki/key.pem"
    assert p.tls_ca == str(tmp_path / "home" / "ca.pem")
    write_context(cli_env, "nk", {"nkey": "$HOME/seed.nk"})
    assert load_context("nk").nkey_seed_file == str(tmp_path / "home" / "seed.nk")


def test_errors_are_context_errors(cli_env: Path) -> None:
    assert issubclass(ContextError, ObjectStoreError)
    with pytest.raises(ContextError, match="no nats context is selected"):
        load_context()
    with pytest.raises(ContextError, match="unknown nats context 'nope'"):
        load_context("nope")
    with pytest.raises(ContextError, match="invalid context name"):
        load_context("../etc")
    (cli_env / "nats" / "context").mkdir(parents=True)
    (cli_env / "nats" / "context" / "broken.json").write_text("{not json")
    with pytest.raises(ContextError, match="not valid JSON"):
        load_context("broken")
    write_context(cli_env, "socks", {"url": "nats://x:4222", "socks_proxy": "socks5://p:1080"})
    with pytest.raises(ContextError, match="SOCKS"):
        load_context("socks")
    (cli_env / "nats" / "context.txt").write_text("ghost")
    with pytest.raises(ContextError, match="ghost"):
        load_context(None)


def test_cli_uses_the_selected_context(cli: Cli, cli_env: Path, bucket: str) -> None:
    write_context(cli_env, "local", {"url": cli.url}, select=True)
    result = cli("ls", "--names", server=False)
    assert result.code == 0 and bucket in result.text.split()


def test_cli_context_option_and_overrides(cli: Cli, cli_env: Path, bucket: str) -> None:
    dead = f"nats://127.0.0.1:{free_port()}"
    write_context(cli_env, "live", {"url": cli.url})
    write_context(cli_env, "dead", {"url": dead}, select=True)
    live = cli("--context", "live", "ls", "--names", server=False)
    assert live.code == 0 and bucket in live.text.split()
    cli("--timeout", "2", "ls", server=False).assert_one_line_error("cannot reach", dead)
    # A command-line server wins over the selected context's URL.
    over = cli("-s", cli.url, "ls", "--names", server=False)
    assert over.code == 0 and bucket in over.text.split()
    cli("--context", "nope", "ls", server=False).assert_one_line_error("unknown nats context")


def test_nats_url_environment_overrides_the_context(
    cli: Cli, cli_env: Path, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_context(cli_env, "dead", {"url": f"nats://127.0.0.1:{free_port()}"}, select=True)
    monkeypatch.setenv("NATS_URL", cli.url)
    result = cli("ls", "--names", server=False)
    assert result.code == 0 and bucket in result.text.split()


def test_nsc_lookup_supplies_creds_and_servers(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "nsc"
    answer = {
        "user_creds": "/nsc/u.creds",
        "operator": {"service": ["nats://s1:4222", "nats://s2:4222"]},
    }
    fake.write_text(
        "#!/bin/sh\n"
        '[ "$1 $2 $3" = "generate profile nsc://op/acc/usr" ] || { echo bad args >&2; exit 3; }\n'
        f"echo '{json.dumps(answer)}'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    write_context(cli_env, "viansc", {"nsc": "nsc://op/acc/usr"})
    p = load_context("viansc")
    assert p.creds_file == "/nsc/u.creds"
    assert p.servers == ("nats://s1:4222", "nats://s2:4222")
    write_context(cli_env, "badnsc", {"nsc": "nsc://other"})
    with pytest.raises(ContextError, match="nsc failed: bad args"):
        load_context("badnsc")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ContextError, match="'nsc' tool is not in PATH"):
        load_context("viansc")


def test_absolute_context_file(cli_env: Path, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "ops.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"url": "nats://ops:4222"}))
    p = load_context(str(path))
    assert p.name == "ops" and p.servers == ("nats://ops:4222",)
