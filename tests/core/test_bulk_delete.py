"""Bulk delete against a real server: a mixed set, odd entries, progress, cancel mid-way."""

from __future__ import annotations

import asyncio

import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core import errors as E
from natsobj_gui.core.bulk import BulkProgress, Outcome, delete_infos, select
from natsobj_gui.core.types import ObjectMeta

from .raw import chunk_subjects, publish_meta, raw_meta_json


def _rich(name: str) -> ObjectMeta:
    return ObjectMeta(name, "a description", {"X-Kind": ["test"]}, {"owner": "ops"})


async def test_mixed_set_matches_single_delete(store: ObjectStore, client: Client) -> None:
    bucket = store.bucket
    await store.put(_rich("a"), b"a" * 300, chunk_size=100)
    await store.put(_rich("twin"), b"a" * 300, chunk_size=100)
    await store.put("b/one", b"12345")
    keep = await store.put("keep", b"k" * 250, chunk_size=100)
    await store.add_link("link", keep)
    await store.put("gone", b"old")
    await store.delete("gone")
    # A damaged entry from another writer: its nuid is a wildcard, never a purge filter.
    await publish_meta(
        client,
        bucket,
        "bad",
        {"name": "bad", "bucket": bucket, "nuid": ">", "size": 10, "chunks": 1},
    )
    before = await chunk_subjects(client, bucket)
    keep_chunks = before[f"$O.{bucket}.C.{keep.nuid}"]
    assert keep_chunks == 3

    listing = await store.list()
    infos, missing = select(listing, ["a", "b/one", "link", "gone", "bad", "nope", "a"])
    assert [i.name for i in infos] == ["a", "b/one", "link", "bad"]
    assert missing == ["gone", "nope"]
    seen: list[BulkProgress] = []
    results = await delete_infos(client.conn, bucket, infos, window=3, progress=seen.append)

    assert [(r.name, r.outcome) for r in results] == [
        ("a", Outcome.DELETED),
        ("b/one", Outcome.DELETED),
        ("link", Outcome.DELETED),
        ("bad", Outcome.DELETED),
    ]
    assert "not a plain token" in results[3].message
    assert seen[-1] == BulkProgress(4, 4, 305, 0)
    assert [p.done for p in seen] == [1, 2, 3, 4]

    after = await chunk_subjects(client, bucket)
    by_name = {i.name: i for i in infos}
    for name in ("a", "b/one"):
        assert f"$O.{bucket}.C.{by_name[name].nuid}" not in after
    # Nothing else was purged: the damaged entry's '>' never reached a filter.
    assert after[f"$O.{bucket}.C.{keep.nuid}"] == keep_chunks
    assert len(after) == len(before) - 2
    assert await store.get_bytes("keep") == b"k" * 250

    # The tombstone is exactly what ObjectStore.delete leaves.
    await store.delete("twin")
    ours = await raw_meta_json(client, bucket, "a")
    theirs = await raw_meta_json(client, bucket, "twin")
    for body in (ours, theirs):
        body.pop("name"), body.pop("nuid"), body.pop("mtime", None)
    assert ours == theirs
    tomb = await store.info("a", show_deleted=True)
    assert tomb.deleted and tomb.nuid == by_name["a"].nuid
    assert (tomb.size, tomb.chunks, tomb.digest) == (0, 0, "")
    assert tomb.description == "a description" and tomb.metadata == {"owner": "ops"}
    assert tomb.headers == {"X-Kind": ["test"]}
    for name in ("link", "bad"):
        assert (await store.info(name, show_deleted=True)).deleted
    assert {i.name for i in await store.list()} == {"keep"}


async def test_prefix_and_already_deleted_info(store: ObjectStore, client: Client) -> None:
    for name in ("dir/a", "dir/b", "dir2/c", "top"):
        await store.put(name, name.encode())
    infos, missing = select(await store.list(), prefix="dir/")
    assert [i.name for i in infos] == ["dir/a", "dir/b"] and missing == []
    stale = await store.delete("dir/b")  # deleted elsewhere after the listing was shown
    results = await delete_infos(client.conn, store.bucket, [infos[0], stale])
    assert [r.outcome for r in results] == [Outcome.DELETED, Outcome.NOT_FOUND]
    assert sorted(i.name for i in await store.list()) == ["dir2/c", "top"]


async def test_empty_and_bucket_gone(store: ObjectStore, client: Client) -> None:
    assert await delete_infos(client.conn, store.bucket, []) == []
    infos = [await store.put(f"o{i}", b"x") for i in range(5)]
    await client.buckets.delete(store.bucket)
    results = await delete_infos(client.conn, store.bucket, infos, window=2)
    assert len(results) == 5 and all(r.outcome is Outcome.FAILED for r in results)
    # The first failure says why; the rest were not attempted rather than each timing out.
    assert "does not exist" in results[0].message or "not found" in results[0].message
    assert any("not attempted" in r.message for r in results)


async def test_cancel_mid_way_leaves_each_object_whole_or_gone(
    store: ObjectStore, client: Client
) -> None:
    bucket = store.bucket
    names = [f"f/{i:04d}" for i in range(240)]
    for name in names:
        await store.put(name, name.encode() * 30, chunk_size=100)
    infos = await store.list()
    task: asyncio.Task | None = None

    def stop_early(p: BulkProgress) -> None:
        if p.done >= 40 and task is not None:
            task.cancel()  # again and again: a repeated Stop must not cut a delete short

    task = asyncio.ensure_future(
        delete_infos(client.conn, bucket, infos, window=16, progress=stop_early)
    )
    with pytest.raises(asyncio.CancelledError):
        await task

    chunks = await chunk_subjects(client, bucket)
    deleted = intact = 0
    for info in infos:
        subject = f"$O.{bucket}.C.{info.nuid}"
        try:
            live = await store.info(info.name)
        except E.ObjectNotFoundError:
            tomb = await store.info(info.name, show_deleted=True)
            assert tomb.deleted and tomb.nuid == info.nuid
            assert subject not in chunks, f"{info.name} tombstoned but its chunks remain"
            deleted += 1
        else:
            assert live.nuid == info.nuid and chunks[subject] == info.chunks
            intact += 1
    assert deleted >= 40 and intact > 0
    assert len(chunks) == intact  # no orphan chunk set of a tombstoned object
