"""Profiles, secrets and nats CLI context import (a real server only for the import round trip)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest

from natsobj_gui.core import Client
from natsobj_gui.core.profiles import (
    EMBEDDED_ID,
    AuthKind,
    Profile,
    ProfileError,
    ProfileStore,
    default_path,
    embedded_profile,
    parse_servers,
    plaintext_warning,
    to_connect_profile,
)
from natsobj_gui.core.secrets import NoKeyringError, SecretStore, backend_usable

from .support import MemoryKeyring, assert_no_secret


def test_store_round_trip_embedded_first(tmp_path: Path) -> None:
    path = tmp_path / "p" / "profiles.json"
    store = ProfileStore(path)
    assert [p.id for p in store.all()] == [EMBEDDED_ID]
    prod = store.put(
        Profile("prod", ("tls://nats.example.org:4222",), AuthKind.USER, user="ops", js_domain="h")
    )
    store.set_last_used(prod.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = ProfileStore(path)
    assert [p.name for p in again.all()][1:] == ["prod"]
    assert again.all()[0].embedded
    assert again.get(prod.id) == prod
    assert again.last_used == prod.id
    with pytest.raises(ProfileError, match="already exists"):
        again.put(Profile("prod"))
    with pytest.raises(ProfileError, match="cannot be edited"):
        again.put(again.all()[0])
    assert again.unique_name("prod") == "prod (2)"
    again.remove(prod.id)
    assert ProfileStore(path).saved() == []
    assert ProfileStore(path).last_used == EMBEDDED_ID


def test_default_path_follows_xdg(config_home: Path) -> None:
    assert default_path() == config_home / "natsobj-gui" / "profiles.json"


def test_unknown_fields_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(
        json.dumps({"profiles": [{"name": "x", "servers": "a:1,b:2", "future": 1, "id": "abc"}]})
    )
    (p,) = ProfileStore(path).saved()
    assert p.servers == ("a:1", "b:2") and p.id == "abc" and p.auth is AuthKind.NONE


def test_parse_servers() -> None:
    assert parse_servers("host:4222, tls://b:1\nc") == (
        "nats://host:4222",
        "tls://b:1",
        "nats://c",
    )


def test_to_connect_profile_per_auth_kind() -> None:
    base = Profile("p", ("nats://h:1",), tls_ca="~/ca.pem", inbox_prefix="_I")
    cp = to_connect_profile(base)
    assert cp.user is None and cp.token is None
    assert cp.tls_ca == os.path.expanduser("~/ca.pem") and cp.inbox_prefix == "_I"
    user = to_connect_profile(
        Profile("u", ("nats://h:1",), AuthKind.USER, user="a"), {"password": "pw"}
    )
    assert (user.user, user.password) == ("a", "pw")
    tok = to_connect_profile(Profile("t", ("nats://h:1",), AuthKind.TOKEN), {"token": "tk"})
    assert tok.token == "tk"
    with pytest.raises(ProfileError, match="no token"):
        to_connect_profile(Profile("t", ("nats://h:1",), AuthKind.TOKEN), {})
    seed = to_connect_profile(Profile("n", ("nats://h:1",), AuthKind.NKEY), {"nkey_seed": "SU"})
    assert seed.nkey_seed == "SU" and seed.nkey_seed_file is None
    with pytest.raises(ProfileError, match="NKey"):
        to_connect_profile(Profile("n", ("nats://h:1",), AuthKind.NKEY))
    with pytest.raises(ProfileError, match="credentials"):
        to_connect_profile(Profile("c", ("nats://h:1",), AuthKind.CREDS))
    emb = to_connect_profile(embedded_profile(), embedded_url="nats://x:2")
    assert emb.servers == ("nats://x:2",)


@pytest.mark.parametrize(
    ("servers", "auth", "first", "warns"),
    [
        (("nats://nats.example.org:4222",), AuthKind.USER, False, True),
        (("nats.example.org:4222",), AuthKind.TOKEN, False, True),
        (("ws://10.1.2.3:8080",), AuthKind.TOKEN, False, True),
        (("nats://127.0.0.1:4", "localhost:1", "nats://[::1]:4"), AuthKind.USER, False, False),
        (("tls://nats.example.org:4222",), AuthKind.USER, False, False),
        (("wss://nats.example.org",), AuthKind.TOKEN, False, False),
        (("nats://nats.example.org:4222",), AuthKind.USER, True, False),
        (("nats://nats.example.org:4222",), AuthKind.NKEY, False, False),
        (("nats://nats.example.org:4222",), AuthKind.NONE, False, False),
    ],
)
def test_plaintext_warning(servers, auth, first, warns) -> None:
    profile = Profile("p", servers, auth, user="u", tls_handshake_first=first)
    text = plaintext_warning(profile)
    assert (text is not None) == warns
    # A CA file makes the connection refuse a server without TLS: no warning then.
    assert plaintext_warning(replace(profile, tls_ca="/ca.pem")) is None
    if text:
        assert "without encryption" in text
        assert any(host in text for host in ("nats.example.org", "10.1.2.3"))


def test_secret_store_keyring(memory_keyring: MemoryKeyring) -> None:
    secrets = SecretStore()
    assert secrets.available
    assert secrets.set("id1", "password", "pw") == "keyring"
    assert memory_keyring.items == {("natsobj-gui", "id1:password"): "pw"}
    assert secrets.secrets_for("id1") == {"password": "pw"}
    secrets.replace_all("id1", {"token": "tk"})
    assert secrets.secrets_for("id1") == {"token": "tk"}
    secrets.forget_profile("id1")
    assert memory_keyring.items == {}


@pytest.mark.parametrize(
    "backend",
    [
        keyring.backends.fail.Keyring(),
        keyring.backends.null.Keyring(),
        type("EmptyChainer", (keyring.backends.chainer.ChainerBackend,), {"backends": []})(),
    ],
    ids=["fail", "null", "empty-chainer"],
)
def test_no_keyring_needs_consent(backend, memory_keyring: MemoryKeyring) -> None:
    assert not backend_usable(backend)
    secrets = SecretStore(backend)
    assert not secrets.available
    with pytest.raises(NoKeyringError, match="only be kept in memory"):
        secrets.set("id1", "password", "pw")
    assert secrets.get("id1", "password") is None
    secrets.allow_session_only(True)
    assert secrets.set("id1", "password", "pw") == "session"
    assert secrets.get("id1", "password") == "pw"
    assert memory_keyring.items == {}  # nothing went anywhere else
    secrets.allow_session_only(False)  # withdrawing consent forgets them
    assert secrets.get("id1", "password") is None


def _write_context(home: Path, name: str, data: dict, *, select: bool = False) -> None:
    folder = home / "nats" / "context"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(data))
    if select:
        (home / "nats" / "context.txt").write_text(name + "\n")


async def test_import_context_and_connect(
    server_factory, config_home: Path, tmp_path: Path, monkeypatch, debug_logs
) -> None:
    """natscli field names, ~ and $VAR in paths, the selected context; secrets to the keyring."""
    password = "ctx-Pw-4411"
    server = server_factory(f'authorization {{ user: bob, password: "{password}" }}\n')
    monkeypatch.setenv("NATS_CERTS", str(tmp_path / "certs"))
    _write_context(
        config_home,
        "dev",
        {
            "description": "dev box",
            "url": server.url,
            "user": "bob",
            "password": password,
            "ca": "$NATS_CERTS/ca.pem",
            "cert": "~/client.pem",
            "jetstream_domain": "edge",
            "inbox_prefix": "_INBOX_dev",
        },
        select=True,
    )
    _write_context(config_home, "other", {"url": "nats://10.0.0.9:4222", "token": "tk-1"})
    store = ProfileStore()
    secrets = SecretStore()
    (imported, found), (other, other_secrets) = store.import_contexts(["dev", "other"])
    for profile, values in ((imported, found), (other, other_secrets)):
        secrets.replace_all(profile.id, values)
    assert imported.name == "dev" and imported.context == "dev"
    assert imported.auth is AuthKind.USER and imported.user == "bob"
    assert imported.tls_ca == str(tmp_path / "certs" / "ca.pem")
    assert imported.tls_cert == os.path.expanduser("~/client.pem")
    assert (imported.js_domain, imported.inbox_prefix) == ("edge", "_INBOX_dev")
    assert other.auth is AuthKind.TOKEN and plaintext_warning(other)
    # A second import of the same context gets a free name instead of overwriting.
    ((again, _),) = store.import_contexts(["dev"])
    assert again.name == "dev (2)"
    assert_no_secret([password, "tk-1"], folders=[config_home / "natsobj-gui"])

    # Connect with what was saved (TLS paths dropped: this server is plain).
    saved = ProfileStore().get(imported.id)
    assert saved is not None
    plain = Profile(saved.name, saved.servers, saved.auth, user=saved.user, id=saved.id)
    async with await Client.connect(to_connect_profile(plain, secrets.secrets_for(plain.id))):
        pass
    assert_no_secret([password, "tk-1"], texts=[debug_logs.text])


def test_credentials_in_urls_never_saved(tmp_path: Path) -> None:
    from natsobj_gui.core.profiles import from_connect_profile, split_userinfo
    from natsobj_gui.core.types import ConnectProfile

    assert split_userinfo("nats://a%40b:p%3Aw@h:1") == ("nats://h:1", "a@b", "p:w")
    assert split_userinfo("tls://tok@h:1") == ("tls://h:1", "tok", "")
    assert split_userinfo("nats://h:1") == ("nats://h:1", "", "")
    profile, secrets = from_connect_profile(
        ConnectProfile(servers=("nats://bob:pw-in-url@h:1", "nats://h:2"), name="x")
    )
    assert profile.servers == ("nats://h:1", "nats://h:2")
    assert (profile.auth, profile.user, secrets) == (
        AuthKind.USER,
        "bob",
        {"password": "pw-in-url"},
    )
    profile, secrets = from_connect_profile(ConnectProfile(servers=("nats://tk-url@h:1",)))
    assert (profile.auth, secrets) == (AuthKind.TOKEN, {"token": "tk-url"})
    store = ProfileStore(tmp_path / "p.json")
    with pytest.raises(ProfileError, match="not the URL"):
        store.put(Profile("bad", ("nats://u:pw@h:1",)))
    assert not (tmp_path / "p.json").exists()
