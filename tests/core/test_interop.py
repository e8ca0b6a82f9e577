"""Interop with nats-py's ObjectStore, in both directions, on what it does correctly."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import api
from nats.js.errors import ObjectNotFoundError as NatsPyNotFound

from natsobj_gui.core import Client, ObjectMeta, ObjectStore
from natsobj_gui.core.errors import ObjectNotFoundError

from .raw import digest_of, raw_meta_json


async def test_we_write_nats_py_reads(store: ObjectStore, client: Client) -> None:
    theirs = await client.conn.js.object_store(store.bucket)
    objects = {
        "multi/chunk.bin": os.urandom(3 * 131072 + 99),
        "one": b"1",
        "empty": b"",
    }
    for name, data in objects.items():
        await store.put(ObjectMeta(name, description="by us", headers={"A": ["b"]}), data)
    for name, data in objects.items():
        result = await theirs.get(name)  # nats-py verifies the digest itself
        assert result.data == data
        assert result.info.size == len(data)
        assert result.info.description == "by us"
        assert result.info.headers == {"A": ["b"]}
        assert result.info.options.max_chunk_size == 131072
    # Our object links are followed by nats-py too.
    await store.add_link("link", await store.info("one"))
    assert (await theirs.get("link")).data == b"1"
    # And our tombstones are tombstones to it.
    await store.delete("one")
    with pytest.raises(NatsPyNotFound):
        await theirs.get_info("one")
    assert (await theirs.get_info("one", show_deleted=True)).deleted is True


async def test_nats_py_writes_we_read(store: ObjectStore, client: Client) -> None:
    theirs = await client.conn.js.object_store(store.bucket)
    big = os.urandom(5 * 131072 + 7)
    await theirs.put("big", big)
    await theirs.put("small", b"hi", meta=api.ObjectMeta(name="small", description="theirs"))
    await theirs.put("empty", b"")
    info = await store.info("big")
    assert info.size == len(big) and info.chunks == 6
    assert info.digest == digest_of(big)
    assert await store.get_bytes("big") == big
    assert (await store.verify("big")).size == len(big)
    assert await store.get_bytes("small") == b"hi"
    assert (await store.info("small")).description == "theirs"
    assert await store.get_bytes("empty") == b""
    # The displayed time is the server's, whatever mtime the writer put in.
    modified = (await store.info("big")).modified
    assert modified is not None
    assert abs(datetime.now(UTC) - modified) < timedelta(minutes=5)
    assert sorted(o.name for o in await store.list()) == ["big", "empty", "small"]
    # We replace their object: their chunks go, ours read back.
    await store.put("big", b"ours")
    assert await store.get_bytes("big") == b"ours"
    assert (await theirs.get("big")).data == b"ours"


async def test_nats_py_delete_tombstone(store: ObjectStore, client: Client) -> None:
    theirs = await client.conn.js.object_store(store.bucket)
    await store.put("x", b"content")
    await store.put("y", b"other")
    await theirs.delete("x")
    # nats-py writes `"mtime": ""` in its tombstones.
    assert (await raw_meta_json(client, store.bucket, "x"))["mtime"] == ""
    with pytest.raises(ObjectNotFoundError):
        await store.info("x")
    tomb = await store.info("x", show_deleted=True)
    assert tomb.deleted and tomb.size == 0
    assert [o.name for o in await store.list()] == ["y"]
    assert {o.name: o.deleted for o in await store.list(show_deleted=True)} == {
        "x": True,
        "y": False,
    }
    # A put over their tombstone makes a live object again, written properly.
    await store.put("x", b"again")
    assert await store.get_bytes("x") == b"again"
    assert (await raw_meta_json(client, store.bucket, "x"))["mtime"] == "0001-01-01T00:00:00Z"


async def test_buckets_and_listings_both_ways(client: Client, bucket_name: str) -> None:
    # A bucket nats-py creates gets the stream config ours gets, and is listed by us; nats-py
    # lists the objects we write.
    await client.conn.js.create_object_store(bucket_name)
    ours = await client.create_bucket(bucket_name + "_ours")
    try:
        theirs_cfg = (await client.conn.api(f"STREAM.INFO.OBJ_{bucket_name}"))["config"]
        ours_cfg = (await client.conn.api(f"STREAM.INFO.OBJ_{ours.bucket}"))["config"]
        differ = {
            k for k in set(theirs_cfg) | set(ours_cfg) if theirs_cfg.get(k) != ours_cfg.get(k)
        }
        assert differ == {"name", "subjects"}
        names = [b.name for b in await client.buckets.list()]
        assert bucket_name in names and ours.bucket in names
        await ours.put("a", b"1")
        await ours.put("dir/b", b"22")
        await ours.put("gone", b"3")
        await ours.delete("gone")
        theirs = await client.conn.js.object_store(ours.bucket)
        # nats-py lists tombstones too (its list() does not ignore deletes by default).
        listed = {i.name: bool(i.deleted) for i in await theirs.list()}
        assert listed == {"a": False, "dir/b": False, "gone": True}
    finally:
        await client.buckets.delete(bucket_name)
        await client.buckets.delete(ours.bucket)
