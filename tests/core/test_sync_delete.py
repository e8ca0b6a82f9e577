"""A sync's extras go through the bulk delete: pipelined, and only as the plan saw them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nats
import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.bulk import BulkProgress, DeleteResults, Outcome
from natsobj_gui.core.hash_cache import HashCache
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.sync import Action, Direction, plan_sync, run_sync
from natsobj_gui.core.sync_delete import KEPT, delete_extras, extras_infos
from natsobj_gui.core.types import Progress

from .raw import chunk_subjects, raw_meta


@pytest.fixture
def cache(tmp_path: Path) -> HashCache:
    c = HashCache(tmp_path / "cache" / "hashes.sqlite3")
    yield c
    c.close()


async def _plan(store: ObjectStore, root: Path, cache: HashCache):
    root.mkdir(exist_ok=True)
    (root / "keep.txt").write_bytes(b"k")
    return await plan_sync(store, root, "p", Direction.UPLOAD, delete=True, cache=cache)


async def test_extras_are_deleted_with_tombstones_like_a_single_delete(
    client: Client, store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    extras = {f"p/x{i:02}": bytes([i]) * (i + 1) for i in range(40)}
    for name, data in {"p/keep.txt": b"k", "other": b"o", "ref": b"r", **extras}.items():
        await store.put(name, data, chunk_size=8)  # several chunks each: all purged
    plan = await _plan(store, tmp_path / "d", cache)
    assert plan.count(Action.DELETE) == 40
    seen: list[Progress] = []
    result = await run_sync(store, plan, progress=seen.append, cache=cache)

    assert result.matches and result.count(Action.DELETE) == 40 and not result.kept
    assert result.size(Action.DELETE) == sum(len(d) for d in extras.values())
    assert sorted(i.name for i in await store.list()) == ["other", "p/keep.txt", "ref"]
    assert seen and seen[-1].chunks_done == seen[-1].chunks_total == 40  # files, here
    left = await chunk_subjects(client, store.bucket)
    live = [(await store.info(n)).nuid for n in ("other", "p/keep.txt", "ref")]
    assert sorted(left) == sorted(f"$O.{store.bucket}.C.{nuid}" for nuid in live)
    # The tombstone is the one ObjectStore.delete writes (SPEC: delete), headers and all.
    await store.delete("ref")
    ours, ours_headers = await raw_meta(client, store.bucket, "p/x07")
    single, single_headers = await raw_meta(client, store.bucket, "ref")
    ours_doc, single_doc = json.loads(ours), json.loads(single)
    assert ours_doc.keys() == single_doc.keys() and ours_headers.keys() == single_headers.keys()
    assert ours_doc["deleted"] is True and ours_doc["size"] == ours_doc["chunks"] == 0
    assert not ours_doc.get("digest") and ours_doc["nuid"] == plan.of(Action.DELETE)[7].info.nuid


async def test_an_extra_written_by_another_client_after_the_plan_is_kept(
    client: Client,
    store: ObjectStore,
    nats_server: LocalServer,
    tmp_path: Path,
    cache: HashCache,
) -> None:
    await store.put("p/keep.txt", b"k")
    for name in ("p/a", "p/b", "p/c", "p/d"):
        await store.put(name, name.encode() * 10, chunk_size=16)
    plan = await _plan(store, tmp_path / "d", cache)
    assert [i.rel for i in plan.of(Action.DELETE)] == ["a", "b", "c", "d"]
    # Between the plan and the delete, another client (nats-py, its own connection)
    # writes a new p/b, edits p/d's description and deletes p/c.
    other = await nats.connect(nats_server.url)
    try:
        obs = await other.jetstream().object_store(store.bucket)
        await obs.put("p/b", b"theirs")
        await obs.delete("p/c")
        await obs.update_meta("p/d", nats.js.api.ObjectMeta(name="p/d", description="theirs"))
    finally:
        await other.close()
    new_b = await store.info("p/b")

    result = await run_sync(store, plan, cache=cache)
    assert [i.rel for i in result.done] == ["a"] and result.count(Action.DELETE) == 1
    assert [(i.rel, why) for i, why in result.kept] == [("b", KEPT), ("d", KEPT)]
    assert [i.rel for i in result.gone] == ["c"] and not result.failed
    assert not result.matches  # the bucket still has names the folder does not
    assert await store.get_bytes("p/b") == b"theirs"
    assert (await store.info("p/d")).description == "theirs"
    assert await store.get_bytes("p/d") == b"p/d" * 10  # its chunks were not purged
    assert sorted(i.name for i in await store.list()) == ["p/b", "p/d", "p/keep.txt"]
    assert f"$O.{store.bucket}.C.{new_b.nuid}" in await chunk_subjects(client, store.bucket)


async def test_the_summary_says_what_was_kept_and_why(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    await store.put("p/keep.txt", b"k")
    for name in ("p/gone", "p/mine", "p/theirs"):
        await store.put(name, b"12345")
    plan = await _plan(store, tmp_path / "d", cache)
    await store.put("p/theirs", b"rewritten")  # any other writer: the plan's revision is stale
    await store.delete("p/gone")
    result = await delete_extras(store.conn, store.bucket, plan.of(Action.DELETE))
    assert [i.rel for i in result.deleted] == ["mine"] and result.freed == 5
    assert result.summary(store.bucket) == (
        f"Deleted 1 object from {store.bucket} (5 B freed). gone had already been deleted by"
        " another client. Kept theirs: changed by another client since the compare."
    )


async def test_a_stopped_delete_of_extras_says_what_it_did(
    store: ObjectStore, nats_server: LocalServer, tmp_path: Path, cache: HashCache
) -> None:
    await store.put("p/keep.txt", b"k")
    for i in range(120):
        await store.put(f"p/x{i:03}", b"12345")
    plan = await _plan(store, tmp_path / "d", cache)
    extras = plan.of(Action.DELETE)
    other = await nats.connect(nats_server.url)
    try:  # another client rewrites the first extra after the compare
        await (await other.jetstream().object_store(store.bucket)).put(extras[0].info.name, b"t")
    finally:
        await other.close()
    results = DeleteResults(extras_infos(extras))
    task: asyncio.Task | None = None

    def stop_early(p: BulkProgress) -> None:
        if p.done >= 20 and task is not None:
            task.cancel()

    task = asyncio.ensure_future(
        delete_extras(
            store.conn, store.bucket, extras, window=4, progress=stop_early, results=results
        )
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    done = results.progress()
    # The kept one is its own outcome (no message to compare), the rest are the bucket's.
    assert (done.kept, done.failed, done.gone) == (1, 0, 0)
    assert [r.name for r in results.of(Outcome.KEPT)] == ["p/x000"]
    left = {i.name for i in await store.list()}
    assert len(left) == 1 + 120 - done.deleted and 20 <= done.done < 120
    assert {extras[i].info.name for i in results.missing()} == left - {"p/keep.txt", "p/x000"}
