"""Servers that say no: no JetStream, denied permissions, and a restart mid-session."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from natsobj_gui.core import BucketConfig, Client, ConnectionEvents, ConnectProfile, WatchKind
from natsobj_gui.core.errors import (
    AccountLimitError,
    InsufficientStorageError,
    JetStreamNotEnabledError,
    PermissionDeniedError,
)
from natsobj_gui.core.types import Storage

from .raw import eventually

AUTH_CONFIG = """
authorization {
  users = [
    { user: admin, password: adminpw }
    { user: limited, password: limitedpw, permissions: {
        publish: {
          allow: [">"]
          deny: ["$O.>", "$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.DELETE.>"]
        }
        subscribe: { allow: [">"] }
    } }
  ]
}
"""


async def test_no_jetstream(server_factory) -> None:
    server = server_factory(jetstream=False)
    async with await Client.connect(server.url) as client:
        start = time.monotonic()
        with pytest.raises(JetStreamNotEnabledError):
            await client.buckets.list()
        with pytest.raises(JetStreamNotEnabledError):
            await client.buckets.create(BucketConfig("b"))
        with pytest.raises(JetStreamNotEnabledError):
            await client.buckets.status("b")
        store = client.store("b")
        with pytest.raises(JetStreamNotEnabledError):
            await store.info("x")
        with pytest.raises(JetStreamNotEnabledError):
            await store.put("x", b"data")
        with pytest.raises(JetStreamNotEnabledError):
            await store.list()
        # No responders answer at once: nothing here waits for a timeout.
        assert time.monotonic() - start < 4
    # Same through a custom JetStream API prefix (an imported JS account) or a domain.
    for profile in (
        ConnectProfile(servers=(server.url,), js_api_prefix="JS.custom.API"),
        ConnectProfile(servers=(server.url,), js_domain="hub"),
    ):
        async with await Client.connect(profile) as client:
            with pytest.raises(JetStreamNotEnabledError):
                await client.buckets.status("b")
            with pytest.raises(JetStreamNotEnabledError):
                await client.store("b").info("x")
            with pytest.raises(JetStreamNotEnabledError):
                await client.store("b").list()


async def test_publish_permission_denied(server_factory) -> None:
    server = server_factory(AUTH_CONFIG)
    admin = await Client.connect(
        ConnectProfile(servers=(server.url,), user="admin", password="adminpw")
    )
    limited = await Client.connect(
        ConnectProfile(servers=(server.url,), user="limited", password="limitedpw")
    )
    try:
        mine = await admin.create_bucket("perm")
        await mine.put("existing", b"readable")
        store = limited.store("perm")
        start = time.monotonic()
        with pytest.raises(PermissionDeniedError) as err:
            await asyncio.wait_for(store.put("x", b"data" * 100_000), 20)
        assert "permission" in str(err.value).lower()
        assert time.monotonic() - start < 4.5, "took a timeout to notice the denial"
        start = time.monotonic()
        with pytest.raises(PermissionDeniedError):
            await asyncio.wait_for(store.delete("existing"), 20)
        assert time.monotonic() - start < 4.5, "took a timeout to notice the denial"
        # Denied JetStream API calls fail as fast.
        start = time.monotonic()
        with pytest.raises(PermissionDeniedError):
            await asyncio.wait_for(limited.create_bucket("denied"), 20)
        with pytest.raises(PermissionDeniedError):
            await asyncio.wait_for(limited.buckets.delete("perm"), 20)
        assert time.monotonic() - start < 9, "took a timeout to notice the denial"
        # The connection stays usable for what is allowed.
        assert limited.conn.nc.is_connected
        assert await store.get_bytes("existing") == b"readable"
        assert [o.name for o in await store.list()] == ["existing"]
        assert (await limited.buckets.status("perm")).messages == 2
    finally:
        await limited.close()
        await admin.close()


async def test_restart_mid_session(fresh_server) -> None:
    reconnected = asyncio.Event()
    events = ConnectionEvents(on_reconnected=reconnected.set)
    async with await Client.connect(ConnectProfile(servers=(fresh_server.url,)), events) as client:
        store = await client.create_bucket("restart")
        data = b"r" * 300_000
        await store.put("obj", data)
        watcher = await store.watch().start()
        first = await asyncio.wait_for(watcher.next_batch(), 10)
        assert [e.kind for e in first] == [WatchKind.PUT, WatchKind.INITIAL_DONE]
        await asyncio.to_thread(fresh_server.restart)
        await asyncio.wait_for(reconnected.wait(), 20)

        async def works() -> bool:
            try:
                return [o.name for o in await store.list()] == ["obj"]
            except Exception:
                return False  # JetStream may still be recovering its streams

        await eventually(works, 20, "list after restart")
        assert await store.get_bytes("obj") == data
        await store.put("after", b"a")
        assert sorted(o.name for o in await store.list()) == ["after", "obj"]
        # A watch open across the restart resumes and sees the new object.
        try:
            events = await asyncio.wait_for(watcher.next_batch(), 30)
            assert [(e.kind, e.info.name if e.info else "") for e in events] == [
                (WatchKind.PUT, "after")
            ]
        finally:
            await watcher.close()


LIMIT_CONFIGS = {
    "server": ("jetstream { max_file_store: 3MB, max_memory_store: 3MB }\n", None),
    "account": (
        "jetstream: enabled\n"
        "accounts { A: { jetstream: { max_file: 3MB, max_mem: 3MB },"
        " users: [{user: a, password: a}] } }\n",
        "a",
    ),
}


@pytest.mark.parametrize("kind", sorted(LIMIT_CONFIGS))
async def test_storage_limits(server_factory, kind: str) -> None:
    config, user = LIMIT_CONFIGS[kind]
    server = server_factory(config)
    profile = ConnectProfile(servers=(server.url,), user=user, password=user)
    async with await Client.connect(profile) as client:
        store = await client.create_bucket("limited")
        await store.put("small", b"s" * 1000)
        expected = InsufficientStorageError if kind == "server" else AccountLimitError
        with pytest.raises(expected):
            await asyncio.wait_for(store.put("big", os.urandom(5 * 1024 * 1024)), 30)
        # Rolled back: only the small object's chunk is left.
        assert (await client.buckets.status("limited")).messages == 2
        assert await store.get_bytes("small") == b"s" * 1000
        # A bucket that reserves more than the limit allows is refused up front; the
        # server's words are the same for both limits, the message names the account's.
        match = "insufficient storage" if kind == "server" else r"file storage limit is 3\.0 MiB"
        with pytest.raises(expected, match=match):
            await client.create_bucket(BucketConfig("reserving", max_bytes=10 * 1024 * 1024))
        if kind == "account":
            with pytest.raises(AccountLimitError, match=r"memory storage limit is 3\.0 MiB"):
                cfg = BucketConfig("mem", max_bytes=4 << 20, storage=Storage.MEMORY)
                await client.create_bucket(cfg)
