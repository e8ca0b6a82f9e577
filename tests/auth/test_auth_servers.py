"""Every auth type against a real nats-server (configs written here); no secret leaks anywhere."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import nkeys
import pytest

from natsobj_gui.core import Client
from natsobj_gui.core import errors as E
from natsobj_gui.core.probe import probe
from natsobj_gui.core.profiles import AuthKind, Profile, ProfileStore, to_connect_profile
from natsobj_gui.core.secrets import SecretStore
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.transfer import ACK_TIMEOUT

from .nats_jwt import make_operator, new_key
from .pki import TestCA
from .support import assert_no_secret

ServerFactory = Callable[..., LocalServer]


def _save(tmp_path: Path, profile: Profile, secrets: dict[str, str]) -> ProfileStore:
    """Persist the profile and its secrets the way the dialog does."""
    store = ProfileStore(tmp_path / "config" / "natsobj-gui" / "profiles.json")
    store.put(profile)
    SecretStore().replace_all(profile.id, secrets)
    return store


async def _roundtrip(tmp_path: Path, profile: Profile, bucket: str) -> str:
    """Reload the profile from disk + keyring, connect, write and read an object; the probe text."""
    store = ProfileStore(tmp_path / "config" / "natsobj-gui" / "profiles.json")
    loaded = store.get(profile.id)
    assert loaded == profile
    cp = to_connect_profile(loaded, SecretStore().secrets_for(loaded.id))
    result = await probe(cp)
    assert result.ok, result.error
    assert result.jetstream
    async with await Client.connect(cp) as client:
        obj = await client.create_bucket(bucket)
        await obj.put("hello.txt", b"hi there")
        assert await obj.get_bytes("hello.txt") == b"hi there"
        await client.buckets.delete(bucket)
    return result.summary()


async def test_user_password(server_factory, tmp_path, bucket_name, debug_logs) -> None:
    password = "pw-Xq81-secret"
    server = server_factory(f'authorization {{ user: alice, password: "{password}" }}\n')
    profile = Profile("alice", (server.url,), AuthKind.USER, user="alice")
    _save(tmp_path, profile, {"password": password})
    summary = await _roundtrip(tmp_path, profile, bucket_name)
    assert "JetStream: enabled" in summary
    assert_no_secret([password], texts=[summary, debug_logs.text], folders=[tmp_path / "config"])


async def test_token(server_factory, tmp_path, bucket_name, debug_logs) -> None:
    token = "tok-9f3a71c2-secret"
    server = server_factory(f'authorization {{ token: "{token}" }}\n')
    profile = Profile("tok", (server.url,), AuthKind.TOKEN)
    _save(tmp_path, profile, {"token": token})
    summary = await _roundtrip(tmp_path, profile, bucket_name)
    assert_no_secret([token], texts=[summary, debug_logs.text], folders=[tmp_path / "config"])


async def test_nkey_inline_seed_and_seed_file(
    server_factory, tmp_path, bucket_name, debug_logs
) -> None:
    user = new_key(nkeys.PREFIX_BYTE_USER)
    server = server_factory(f"authorization {{ users: [ {{ nkey: {user.public} }} ] }}\n")
    inline = Profile("nk", (server.url,), AuthKind.NKEY)
    _save(tmp_path, inline, {"nkey_seed": user.seed})
    summary = await _roundtrip(tmp_path, inline, bucket_name)
    assert_no_secret([user.seed], texts=[summary, debug_logs.text], folders=[tmp_path / "config"])

    seed_file = tmp_path / "user.nk"
    seed_file.write_text(user.seed + "\n")
    from_file = Profile("nk-file", (server.url,), AuthKind.NKEY, nkey_seed_file=str(seed_file))
    assert from_file.secret_kind is None  # nothing goes to the keyring
    _save(tmp_path, from_file, {})
    await _roundtrip(tmp_path, from_file, bucket_name + "f")


async def test_creds_operator_mode(server_factory, tmp_path, bucket_name, debug_logs) -> None:
    """Operator/account/user JWTs signed offline with nkeys; MEMORY resolver with preloads."""
    op = make_operator()
    server = server_factory(op.server_config())
    creds = tmp_path / "app.creds"
    creds.write_text(op.creds())
    profile = Profile("jwt", (server.url,), AuthKind.CREDS, creds_file=str(creds))
    _save(tmp_path, profile, {})
    summary = await _roundtrip(tmp_path, profile, bucket_name)
    # The account JWT's JetStream limit shows up in the probe.
    assert "of 64 MiB used" in summary
    assert_no_secret([op.user.seed], texts=[summary, debug_logs.text])

    bad = tmp_path / "other.creds"
    bad.write_text(make_operator().creds())  # a user of an operator the server does not trust
    with pytest.raises(E.ConnectionFailedError, match="authentication failed"):
        await Client.connect(
            to_connect_profile(Profile("x", (server.url,), AuthKind.CREDS, creds_file=str(bad)))
        )


async def test_wrong_password(server_factory, tmp_path, debug_logs) -> None:
    server = server_factory('authorization { user: alice, password: "right-one" }\n')
    wrong = "wrong-Pw-77"
    cp = to_connect_profile(
        Profile("alice", (server.url,), AuthKind.USER, user="alice"), {"password": wrong}
    )
    with pytest.raises(E.ConnectionFailedError) as info:
        await Client.connect(cp)
    assert "authentication failed" in str(info.value)
    result = await probe(cp)
    assert not result.ok and "authentication failed" in result.error
    assert_no_secret([wrong], texts=[str(info.value), result.error, debug_logs.text])


async def test_password_in_url_is_redacted(tmp_path, debug_logs) -> None:
    from natsobj_gui.core.server import free_port

    url = f"nats://alice:url-Secret-55@127.0.0.1:{free_port()}"
    result = await probe(to_connect_profile(Profile("u", (url,))))
    assert not result.ok
    assert "cannot reach" in result.error
    assert "127.0.0.1" in result.error
    assert_no_secret(["url-Secret-55"], texts=[result.error, debug_logs.text])


async def test_unreachable() -> None:
    from natsobj_gui.core.server import free_port

    cp = to_connect_profile(Profile("gone", (f"nats://127.0.0.1:{free_port()}",)))
    with pytest.raises(E.ConnectionFailedError, match="cannot reach"):
        await Client.connect(cp)


async def test_no_jetstream(server_factory) -> None:
    server = server_factory(jetstream=False)
    cp = to_connect_profile(Profile("plain", (server.url,)))
    result = await probe(cp)
    assert result.ok
    assert not result.jetstream
    assert "JetStream: not enabled" in result.summary()
    async with await Client.connect(cp) as client:
        with pytest.raises(E.JetStreamNotEnabledError):
            await client.buckets.list()
        with pytest.raises(E.JetStreamNotEnabledError):
            await client.create_bucket("nope")


async def test_denied_publish_on_object_subjects(server_factory, bucket_name) -> None:
    """A user who may use the JS API but not publish to $O.>: put fails fast, client still works."""
    bucket_name += "_Mixed"  # nats-py lower-cases the server's error; the message must not
    server = server_factory(
        "authorization { users: [\n"
        '  { user: admin, password: "a" }\n'
        '  { user: ro, password: "r", permissions: {\n'
        '      publish: { allow: [">"], deny: ["$O.>"] }, subscribe: { allow: [">"] } } }\n'
        "] }\n"
    )
    admin = await Client.connect(
        to_connect_profile(
            Profile("a", (server.url,), AuthKind.USER, user="admin"), {"password": "a"}
        )
    )
    ro_profile = to_connect_profile(
        Profile("r", (server.url,), AuthKind.USER, user="ro"), {"password": "r"}
    )
    try:
        existing = await admin.create_bucket(bucket_name)
        await existing.put("readme", b"readable")
        async with await Client.connect(ro_profile) as ro:
            store = ro.store(bucket_name)
            started = time.monotonic()
            with pytest.raises(E.PermissionDeniedError) as info:
                await store.put("new.txt", b"x" * 1000)
            # Under the ack timeout: the error callback ends the wait (loose for a loaded CI).
            assert time.monotonic() - started < ACK_TIMEOUT
            assert "permission denied" in str(info.value)
            assert f"$O.{bucket_name}.C." in str(info.value)  # names the subject, real case
            # The connection is still usable: reads and listings work.
            assert await store.get_bytes("readme") == b"readable"
            assert [o.name for o in await store.list()] == ["readme"]
            assert [b.name for b in await ro.buckets.list()] == [bucket_name]
    finally:
        with contextlib.suppress(Exception):
            await admin.buckets.delete(bucket_name)
        await admin.close()


def _tls_block(cert, ca: TestCA | None = None, verify: bool = False) -> str:
    lines = [f'  cert_file: "{cert.cert}"', f'  key_file: "{cert.key}"']
    if ca is not None:
        lines.append(f'  ca_file: "{ca.ca_file}"')
    if verify:
        lines.append("  verify: true")
    return "tls {\n" + "\n".join(lines) + "\n}\n"


async def test_tls_with_ca(server_factory, tmp_path, bucket_name) -> None:
    ca = TestCA(tmp_path / "pki")
    server = server_factory(_tls_block(ca.issue("server")))
    url = f"tls://127.0.0.1:{server.port}"
    profile = Profile("tls", (url,), tls_ca=str(ca.ca_file))
    _save(tmp_path, profile, {})
    summary = await _roundtrip(tmp_path, profile, bucket_name)
    assert "TLS" in summary


async def test_mtls(server_factory, tmp_path, bucket_name) -> None:
    ca = TestCA(tmp_path / "pki")
    server = server_factory(_tls_block(ca.issue("server"), ca, verify=True))
    client_cert = ca.issue("client", ips=(), dns=(), client=True)
    url = f"tls://127.0.0.1:{server.port}"
    profile = Profile(
        "mtls",
        (url,),
        tls_ca=str(ca.ca_file),
        tls_cert=str(client_cert.cert),
        tls_key=str(client_cert.key),
    )
    _save(tmp_path, profile, {})
    await _roundtrip(tmp_path, profile, bucket_name)

    no_cert = await probe(to_connect_profile(Profile("nocert", (url,), tls_ca=str(ca.ca_file))))
    assert not no_cert.ok
    assert "requires a client certificate" in no_cert.error, no_cert.error

    stranger = TestCA(tmp_path / "other", "other CA").issue("c2", ips=(), dns=(), client=True)
    rogue = Profile(
        "rogue",
        (url,),
        tls_ca=str(ca.ca_file),
        tls_cert=str(stranger.cert),
        tls_key=str(stranger.key),
    )
    refused = await probe(to_connect_profile(rogue))
    assert not refused.ok
    assert "did not accept the client certificate" in refused.error, refused.error


async def test_tls_unknown_ca(server_factory, tmp_path) -> None:
    ca, other = TestCA(tmp_path / "pki"), TestCA(tmp_path / "other", "other CA")
    server = server_factory(_tls_block(ca.issue("server")))
    cp = to_connect_profile(
        Profile("tls", (f"tls://127.0.0.1:{server.port}",), tls_ca=str(other.ca_file))
    )
    result = await probe(cp)
    assert not result.ok
    assert "not trusted (unknown CA)" in result.error, result.error


async def test_tls_hostname_mismatch(server_factory, tmp_path) -> None:
    ca = TestCA(tmp_path / "pki")
    server = server_factory(_tls_block(ca.issue("server", ips=(), dns=("nats.example.org",))))
    cp = to_connect_profile(
        Profile("tls", (f"tls://127.0.0.1:{server.port}",), tls_ca=str(ca.ca_file))
    )
    result = await probe(cp)
    assert not result.ok
    assert "does not match the host" in result.error, result.error


async def test_tls_handshake_first(server_factory, tmp_path, bucket_name) -> None:
    ca = TestCA(tmp_path / "pki")
    block = _tls_block(ca.issue("server")).replace("tls {\n", "tls {\n  handshake_first: 300ms\n")
    server = server_factory(block)
    url = f"tls://127.0.0.1:{server.port}"
    profile = Profile("first", (url,), tls_ca=str(ca.ca_file), tls_handshake_first=True)
    _save(tmp_path, profile, {})
    await _roundtrip(tmp_path, profile, bucket_name)


async def test_account_storage_limit(server_factory, bucket_name) -> None:
    """An account with 1 MB of JetStream file storage: the probe shows it, a bigger put says so."""
    server = server_factory(
        "accounts { APP: { jetstream: { max_file: 1MB, max_mem: 1MB },\n"
        '  users: [ { user: app, password: "p" } ] } }\n'
    )
    cp = to_connect_profile(
        Profile("app", (server.url,), AuthKind.USER, user="app"), {"password": "p"}
    )
    result = await probe(cp)
    assert "Storage: 0 B of 1.0 MiB used" in result.summary()
    async with await Client.connect(cp) as client:
        store = await client.create_bucket(bucket_name)
        with pytest.raises(E.AccountLimitError, match="resource limits would be exceeded"):
            await store.put("big.bin", b"x" * (2 << 20))
        assert await store.list() == []  # the failed put left nothing behind
        await store.put("small.txt", b"fits")  # and the connection still works


@pytest.mark.parametrize("how", ["tls-url", "ca-file"])
async def test_tls_required_but_server_is_plain(server_factory, tmp_path, how) -> None:
    """tls:// (or a CA) to a plain server fails before CONNECT: the password never leaves."""
    secret = "never-Sent-77"
    # -V traces every protocol line the server receives (CONNECT included).
    server = server_factory(
        f'authorization {{ user: u, password: "{secret}" }}\n', extra_args=("-V",)
    )
    ca = TestCA(tmp_path / "pki")
    if how == "tls-url":
        profile = Profile("p", (f"tls://127.0.0.1:{server.port}",), AuthKind.USER, user="u")
    else:
        profile = Profile("p", (server.url,), AuthKind.USER, user="u", tls_ca=str(ca.ca_file))
    with pytest.raises(E.ConnectionFailedError, match="does not offer TLS") as info:
        await Client.connect(to_connect_profile(profile, {"password": secret}))
    assert "no credentials were sent" in str(info.value)
    log_text = server.log_file.read_text(errors="replace")
    assert "CONNECT" not in log_text
    assert secret not in log_text


async def test_jetstream_domain_and_inbox_prefix(server_factory, bucket_name) -> None:
    """A domain-scoped JetStream and a user who may only receive on its own inbox prefix."""
    server = server_factory(
        "jetstream { domain: hub }\n"
        "authorization { users: [ { user: app, password: p, permissions: {\n"
        '  publish: { allow: [">"] },\n'
        '  subscribe: { allow: ["_INBOX_app.>"] } } } ] }\n'
    )
    base = Profile("dom", (server.url,), AuthKind.USER, user="app", inbox_prefix="_INBOX_app")
    cp = to_connect_profile(replace(base, js_domain="hub"), {"password": "p"})
    result = await probe(cp)
    assert result.ok and result.jetstream and result.domain == "hub", result.summary()
    assert "(domain hub)" in result.summary()
    async with await Client.connect(cp) as client:
        store = await client.create_bucket(bucket_name)
        await store.put("a.txt", b"via the hub domain")
        assert await store.get_bytes("a.txt") == b"via the hub domain"
        assert [o.name for o in await store.list()] == ["a.txt"]
        await client.buckets.delete(bucket_name)
    # The explicit API prefix form reaches the same JetStream.
    by_prefix = replace(base, js_api_prefix="$JS.hub.API")
    async with await Client.connect(to_connect_profile(by_prefix, {"password": "p"})) as client:
        assert await client.buckets.list() == []
    # A domain nobody serves: JetStream is not there.
    wrong = to_connect_profile(replace(base, js_domain="elsewhere"), {"password": "p"})
    async with await Client.connect(wrong) as client:
        with pytest.raises(E.JetStreamNotEnabledError):
            await client.buckets.list()
