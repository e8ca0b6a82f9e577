"""Bulk delete against a real server: a mixed set, odd entries, progress, cancel, races."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import replace

import nats
import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core import errors as E
from natsobj_gui.core.bulk import (
    CHANGED,
    BulkProgress,
    DeleteResult,
    DeleteResults,
    Outcome,
    delete_infos,
    select,
)
from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.types import ObjectInfo, ObjectMeta

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
    assert seen[-1] == BulkProgress(4, 4, 305, 0, 4, 0)
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
    assert list(await delete_infos(client.conn, store.bucket, [])) == []
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


async def test_a_stopped_delete_leaves_its_results_readable(
    store: ObjectStore, client: Client, nats_server: LocalServer
) -> None:
    bucket = store.bucket
    names = [f"s/{i:04d}" for i in range(200)]
    for name in names:
        await store.put(name, name.encode() * 30, chunk_size=100)
    infos = await store.list()
    # Another client rewrites the first one after the listing: among the first started.
    await _put_elsewhere(nats_server.url, bucket, "s/0000", b"theirs")
    results = DeleteResults(infos)
    task: asyncio.Task | None = None

    def stop_early(p: BulkProgress) -> None:
        if p.done >= 40 and task is not None:
            task.cancel()

    task = asyncio.ensure_future(
        delete_infos(client.conn, bucket, infos, window=8, progress=stop_early, results=results)
    )
    with pytest.raises(asyncio.CancelledError):
        await task

    done = results.progress()
    assert done.kept == 1 and done.failed == 0 and done.gone == 0
    assert 40 <= done.done < 200 and done.deleted == done.done - 1
    assert done.freed == sum(r.freed for r in results.of(Outcome.DELETED))
    assert results.of(Outcome.KEPT) == [DeleteResult("s/0000", Outcome.KEPT, CHANGED)]
    # The counts are the bucket's: each deleted one is gone, each untouched one whole.
    untouched = results.missing()
    assert len(untouched) == 200 - done.done
    live = {i.name: i for i in await store.list()}
    assert len(live) == 1 + len(untouched)
    for i in untouched:
        assert live[infos[i].name].nuid == infos[i].nuid
    assert done.summary() == (
        f"Stopped: deleted {done.deleted} of 200 objects ({human_size(done.freed)} freed);"
        " 1 kept (changed by another client after it was listed);"
        f" the remaining {len(untouched)} untouched"
    )


def test_summary_says_every_count() -> None:
    assert BulkProgress(3, 3, 2048, 0, 3, 0).summary() == "Deleted 3 objects (2.0 KiB freed)"
    assert BulkProgress(5, 5, 10, 1, 2, 1).summary("extra", since=" since the compare") == (
        "Deleted 2 of 5 extras (10 B freed); 1 kept (changed by another client since the"
        " compare); 1 already deleted by another client; 1 could not be deleted"
    )
    assert BulkProgress(1, 300, 0, 0, 0, 1).summary() == (
        "Stopped: deleted 0 of 300 objects (0 B freed); 1 kept (changed by another client"
        " after it was listed); the remaining 299 untouched"
    )


async def _put_elsewhere(url: str, bucket: str, name: str, data: bytes) -> None:
    """Another client (nats-py's object store, on a connection of its own) writes `name`."""
    other = await nats.connect(url)
    try:
        theirs = await other.jetstream().object_store(bucket)
        await theirs.put(name, data)
    finally:
        await other.close()


async def _put_and_list(store: ObjectStore, names: tuple[str, ...]) -> list[ObjectInfo]:
    """Each name stored as three 100-byte chunks of itself; the bucket's listing after."""
    for name in names:
        await store.put(name, name.encode() * 300, chunk_size=100)
    return await store.list()


async def test_version_written_after_listing_is_kept(
    store: ObjectStore, client: Client, nats_server: LocalServer
) -> None:
    bucket = store.bucket
    listed = await _put_and_list(store, ("a", "b", "c"))
    assert all(i.revision for i in listed)  # a listing knows which version it saw
    fresh = b"new data" * 40_000  # 320,000 bytes: three chunks of nats-py's 128 KiB
    await _put_elsewhere(nats_server.url, bucket, "b", fresh)
    new = await store.info("b")
    assert new.nuid != next(i.nuid for i in listed if i.name == "b")

    results = await delete_infos(client.conn, bucket, listed, window=3)

    by_name = {r.name: r for r in results}
    assert by_name["a"].outcome is Outcome.DELETED and by_name["c"].outcome is Outcome.DELETED
    assert by_name["b"].outcome is Outcome.KEPT  # not a failure of the delete: its own count
    assert by_name["b"].message == CHANGED and by_name["b"].freed == 0
    assert results.failed() == [] and results.of(Outcome.KEPT) == [by_name["b"]]
    assert results.progress() == BulkProgress(3, 3, 600, 0, 2, 1)
    # The new version is whole: its meta, all its chunks, its data; nothing else is left.
    assert (await store.info("b")).nuid == new.nuid
    assert await chunk_subjects(client, bucket) == {f"$O.{bucket}.C.{new.nuid}": 3}
    assert await store.get_bytes("b") == fresh
    assert [i.name for i in await store.list()] == ["b"]


async def test_unknown_revision_is_read_again(
    store: ObjectStore, client: Client, nats_server: LocalServer
) -> None:
    bucket = store.bucket
    # Infos from somewhere that did not keep the stream sequence.
    listed = [
        replace(i, revision=0) for i in await _put_and_list(store, ("same", "replaced", "gone"))
    ]
    await _put_elsewhere(nats_server.url, bucket, "replaced", b"theirs")
    await store.delete("gone")
    new = await store.info("replaced")

    results = await delete_infos(client.conn, bucket, listed, window=2)

    outcomes = {r.name: (r.outcome, r.message) for r in results}
    assert outcomes == {
        "same": (Outcome.DELETED, ""),
        "replaced": (Outcome.KEPT, CHANGED),
        "gone": (Outcome.NOT_FOUND, "it is already deleted"),
    }
    assert await chunk_subjects(client, bucket) == {f"$O.{bucket}.C.{new.nuid}": 1}
    assert await store.get_bytes("replaced") == b"theirs"


async def test_deleted_elsewhere_after_listing_is_not_found(
    store: ObjectStore, client: Client
) -> None:
    await store.put("x", b"x" * 300, chunk_size=100)
    listed = await store.list()
    await store.delete("x")
    await store.put("x", b"again")
    await store.delete("x")  # the tombstone now is another client's, newer than the listing
    [result] = await delete_infos(client.conn, store.bucket, listed)
    assert result.outcome is Outcome.NOT_FOUND
    assert result.message == "it was deleted by another client after it was listed"
    assert await chunk_subjects(client, store.bucket) == {}


async def test_results_are_compact_until_read(store: ObjectStore, client: Client) -> None:
    infos = [await store.put(f"r/{i:03d}", b"x" * i) for i in range(60)]
    results = await delete_infos(client.conn, store.bucket, infos, window=8)
    # 100,000 result objects alive to the end made every full GC rescan them (GUI stalls).
    gc.collect()
    assert not any(isinstance(o, DeleteResult) for o in gc.get_objects())
    assert len(results) == 60 and results.done == 60 and results.freed == sum(range(60))
    assert [r.name for r in results] == [i.name for i in infos]
    assert results[-1] == DeleteResult("r/059", Outcome.DELETED, "", 59) == results[59]
    assert results[58:] == [results[58], results[59]] and results.failed() == []
    with pytest.raises(IndexError):
        results[60]
