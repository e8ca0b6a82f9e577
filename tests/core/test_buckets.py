"""Bucket management: create with every option, status, list, edit, seal, delete, errors."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from nats.js.api import StreamConfig

from natsobj_gui.core import BucketConfig, Client, ObjectStore, Storage
from natsobj_gui.core.errors import (
    BucketExistsError,
    BucketFullError,
    BucketNotFoundError,
    BucketSealedError,
    ObjectStoreError,
)

from .raw import stream

MB = 1024 * 1024


async def _raw_config(client: Client, bucket: str) -> dict[str, Any]:
    return (await client.conn.api(f"STREAM.INFO.{stream(bucket)}"))["config"]


async def test_create_with_every_option(client: Client, bucket_name: str) -> None:
    cfg = BucketConfig(
        bucket_name,
        description="all options",
        ttl=3600.0,
        max_bytes=10 * MB,
        storage=Storage.MEMORY,
        replicas=1,
        compression=True,
        metadata={"owner": "tests", "ünï": "✓"},
    )
    try:
        created = await client.buckets.create(cfg)
        status = await client.buckets.status(bucket_name)
        for info in (created, status):
            assert info.name == bucket_name and info.stream == f"OBJ_{bucket_name}"
            assert info.description == "all options"
            assert info.ttl == 3600.0
            assert info.max_bytes == 10 * MB
            assert info.storage is Storage.MEMORY
            assert info.replicas == 1
            assert info.compression is True
            assert info.sealed is False
            assert info.metadata["owner"] == "tests" and info.metadata["ünï"] == "✓"
            assert info.size == 0 and info.messages == 0
        assert status.config() == cfg  # server keys hidden from the editable config
        raw = await _raw_config(client, bucket_name)
        assert raw["subjects"] == [f"$O.{bucket_name}.C.>", f"$O.{bucket_name}.M.>"]
        assert raw["discard"] == "new"
        assert raw["allow_rollup_hdrs"] is True and raw["allow_direct"] is True
        assert raw["max_age"] == 3600 * 10**9
        assert raw["storage"] == "memory" and raw["compression"] == "s2"
        assert raw["num_replicas"] == 1 and raw["max_bytes"] == 10 * MB
        # Creating the same bucket again is fine; a different config is an error.
        await client.buckets.create(cfg)
        with pytest.raises(BucketExistsError):
            await client.buckets.create(BucketConfig(bucket_name, description="other"))
    finally:
        await client.buckets.delete(bucket_name)


async def test_defaults(client: Client, store: ObjectStore) -> None:
    status = await client.buckets.status(store.bucket)
    assert status.storage is Storage.FILE and status.max_bytes == -1 and status.ttl == 0
    assert status.compression is False and status.description == ""
    raw = await _raw_config(client, store.bucket)
    assert raw["max_bytes"] == -1 and raw["discard"] == "new"
    assert raw["allow_rollup_hdrs"] is True and raw["allow_direct"] is True


async def test_status_size_counts_tombstones(client: Client, store: ObjectStore) -> None:
    await store.put("a", b"x" * 1000)
    first = await client.buckets.status(store.bucket)
    assert first.size > 1000 and first.messages == 2
    await store.delete("a")
    status = await client.buckets.status(store.bucket)
    assert status.messages == 1 and 0 < status.size < first.size


async def test_list_excludes_other_streams(client: Client, store: ObjectStore) -> None:
    await client.conn.jsm.add_stream(StreamConfig(name="PLAIN_" + store.bucket, subjects=["p.>"]))
    # An OBJ_ stream that is not an object store (wrong subjects) is not a bucket either.
    fake = "OBJ_" + store.bucket + "_fake"
    await client.conn.jsm.add_stream(StreamConfig(name=fake, subjects=[f"fake.{store.bucket}"]))
    try:
        names = [b.name for b in await client.buckets.list()]
        assert store.bucket in names
        assert store.bucket + "_fake" not in names
        assert not any(n.startswith("PLAIN_") for n in names)
        assert names == sorted(names, key=str.lower)
        with pytest.raises(BucketNotFoundError):
            await client.buckets.status(store.bucket + "_fake")
    finally:
        await client.conn.jsm.delete_stream("PLAIN_" + store.bucket)
        await client.conn.jsm.delete_stream(fake)


async def test_update_keeps_server_metadata(client: Client, bucket_name: str) -> None:
    # `_nats.*` keys belong to the server (or tools): hidden from the editable config,
    # kept on every edit. `_nats.custom` is not one the server would put back itself.
    await client.buckets.create(BucketConfig(bucket_name, metadata={"_nats.custom": "kept"}))
    try:
        before = await client.buckets.status(bucket_name)
        assert before.metadata["_nats.custom"] == "kept"
        assert before.config().metadata == {}
        cfg = BucketConfig(
            bucket_name, description="edited", max_bytes=5 * MB, metadata={"team": "x"}
        )
        updated = await client.buckets.update(cfg)
        assert updated.description == "edited" and updated.max_bytes == 5 * MB
        assert updated.metadata["team"] == "x" and updated.metadata["_nats.custom"] == "kept"
        assert updated.config().metadata == {"team": "x"}
        raw = await _raw_config(client, bucket_name)
        assert raw["allow_rollup_hdrs"] is True and raw["discard"] == "new"
        # Removing the user key leaves the server's keys.
        await client.buckets.update(BucketConfig(bucket_name, description="edited"))
        after = await client.buckets.status(bucket_name)
        assert "team" not in after.metadata and after.metadata["_nats.custom"] == "kept"
        assert after.config().metadata == {}
        # A user cannot smuggle a `_nats.` key in through an edit either.
        await client.buckets.update(BucketConfig(bucket_name, metadata={"_nats.custom": "new"}))
        assert (await client.buckets.status(bucket_name)).metadata["_nats.custom"] == "kept"
    finally:
        await client.buckets.delete(bucket_name)


async def test_seal(client: Client, store: ObjectStore) -> None:
    await store.put("a", b"1")
    sealed = await client.buckets.seal(store.bucket)
    assert sealed.sealed and (await client.buckets.status(store.bucket)).sealed
    with pytest.raises(BucketSealedError):
        await store.put("b", b"2")
    with pytest.raises(BucketSealedError):
        await store.put("c", b"")
    with pytest.raises(BucketSealedError):
        await store.delete("a")
    assert await store.get_bytes("a") == b"1"
    assert [o.name for o in await store.list()] == ["a"]


async def test_delete_bucket(client: Client, bucket_name: str) -> None:
    store = await client.create_bucket(bucket_name)
    await store.put("a", b"1")
    await client.buckets.delete(bucket_name)
    with pytest.raises(BucketNotFoundError):
        await client.buckets.status(bucket_name)
    assert bucket_name not in [b.name for b in await client.buckets.list()]
    with pytest.raises(BucketNotFoundError):
        await client.buckets.delete(bucket_name)


async def test_missing_bucket(client: Client) -> None:
    store = client.store("does_not_exist")
    with pytest.raises(BucketNotFoundError):
        await client.buckets.status("does_not_exist")
    with pytest.raises(BucketNotFoundError):
        await store.info("x")
    with pytest.raises(BucketNotFoundError):
        await store.put("x", b"data")
    with pytest.raises(BucketNotFoundError):
        await store.get_bytes("x")
    with pytest.raises(BucketNotFoundError):
        await store.list()
    with pytest.raises(BucketNotFoundError):
        await client.buckets.update(BucketConfig("does_not_exist"))


async def test_full_bucket(client: Client, bucket_name: str) -> None:
    store = await client.create_bucket(BucketConfig(bucket_name, max_bytes=MB))
    try:
        await store.put("fits", b"x" * 100_000)
        with pytest.raises(BucketFullError):
            await store.put("too big", b"y" * 2 * MB)
        assert await store.get_bytes("fits") == b"x" * 100_000
        assert [o.name for o in await store.list(show_deleted=True)] == ["fits"]
    finally:
        with contextlib.suppress(Exception):
            await client.buckets.delete(bucket_name)


async def test_short_ttl(client: Client, bucket_name: str) -> None:
    # A TTL under the server's default 2-minute duplicate window must still work.
    try:
        created = await client.buckets.create(BucketConfig(bucket_name, ttl=30))
        assert created.ttl == 30
        updated = await client.buckets.update(BucketConfig(bucket_name, ttl=5))
        assert updated.ttl == 5
        assert (await _raw_config(client, bucket_name))["max_age"] == 5 * 10**9
        forever = await client.buckets.update(BucketConfig(bucket_name, ttl=0))
        assert forever.ttl == 0
    finally:
        await client.buckets.delete(bucket_name)


async def test_update_ttl_below_duplicate_window(client: Client, store: ObjectStore) -> None:
    updated = await client.buckets.update(BucketConfig(store.bucket, ttl=60))
    assert updated.ttl == 60
    await store.put("a", b"1")
    assert await store.get_bytes("a") == b"1"


async def test_update_compression(client: Client, store: ObjectStore) -> None:
    await store.put("a", b"x" * 100_000)
    on = await client.buckets.update(BucketConfig(store.bucket, compression=True))
    assert on.compression and (await client.buckets.status(store.bucket)).compression
    assert await store.get_bytes("a") == b"x" * 100_000
    off = await client.buckets.update(BucketConfig(store.bucket, compression=False))
    assert not off.compression


async def test_update_cannot_change_storage(client: Client, store: ObjectStore) -> None:
    with pytest.raises(ObjectStoreError, match="storage"):
        await client.buckets.update(BucketConfig(store.bucket, storage=Storage.MEMORY))
    assert (await client.buckets.status(store.bucket)).storage is Storage.FILE
