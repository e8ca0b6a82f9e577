"""Folder ⇄ bucket sync against a real server: plans, both directions, deletes, cancel."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectMeta, ObjectStore
from natsobj_gui.core import orphans as O
from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.hash_cache import HashCache
from natsobj_gui.core.sync import (
    Action,
    Direction,
    SyncItem,
    SyncPlan,
    SyncResult,
    describe_stop,
    plan_sync,
    run_sync,
)
from natsobj_gui.core.sync_plan import excluded, local_name_for

UP, DOWN = Direction.UPLOAD, Direction.DOWNLOAD


@pytest.fixture
def cache(tmp_path: Path) -> HashCache:
    c = HashCache(tmp_path / "cache" / "hashes.sqlite3")
    yield c
    c.close()


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


async def _objects(store: ObjectStore, objects: dict[str, bytes]) -> None:
    """Store each object: the bucket's side, as `_tree` writes the folder's."""
    for name, data in objects.items():
        await store.put(name, data)


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def _sync(store, root, prefix, direction, cache, **kw):
    plan = await plan_sync(
        store,
        root,
        prefix,
        direction,
        delete=kw.pop("delete", False),
        exclude=kw.pop("exclude", ()),
        cache=cache,
    )
    return plan, await run_sync(store, plan, cache=cache, **kw)


async def _replan(
    store: ObjectStore, root: Path, prefix: str, direction: Direction, cache: HashCache, same: int
) -> tuple[int, int]:
    """Plan the same sync again: `same` pairs alike, nothing to do; (hashed, cache hits)."""
    again = await plan_sync(store, root, prefix, direction, cache=cache)
    assert again.count(Action.SAME) == same and not again.todo
    return again.hashed, again.cache_hits


FILES = {
    "a/x.txt": b"hello\n",
    "a/b/deep.bin": os.urandom(300_000),
    "empty": b"",
    "top.txt": b"top",
}


async def test_upload_then_resync_reads_nothing_and_other_clients_read_it(
    client: Client, store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "DIR"
    _tree(root, FILES)
    plan, result = await _sync(store, root, "backup", UP, cache)
    assert plan.count(Action.UPLOAD) == 4 and plan.hashed == 0
    assert result.matches and result.count(Action.UPLOAD) == 4
    names = sorted(i.name for i in await store.list())
    assert names == sorted(f"backup/{rel}" for rel in FILES)

    # nats-py's own object store reads what sync wrote, byte for byte.
    obs = await client.conn.js.object_store(store.bucket)
    for rel, data in FILES.items():
        assert (await obs.get(f"backup/{rel}")).data == data

    # The upload left each digest in the cache: nothing was read to compare.
    assert await _replan(store, root, "backup", UP, cache, 4) == (0, 4)


async def test_a_file_rewritten_after_planning_is_never_cached_under_its_old_stamp(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    _tree(root, {"moved.txt": b"old!", "still.txt": b"same"})
    plan = await plan_sync(store, root, "", UP, cache=cache)
    (root / "moved.txt").write_bytes(b"new!")  # same size, after the scan
    os.utime(root / "moved.txt", ns=(5, 5))
    result = await run_sync(store, plan, cache=cache)
    assert result.matches and await store.get_bytes("moved.txt") == b"new!"
    # The untouched file came from the cache; the rewritten one was read again.
    assert await _replan(store, root, "", UP, cache, 2) == (1, 1)


async def test_the_folder_scan_follows_file_links_only_and_reports_special_files(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    _tree(root, {"a/x.txt": b"x", "skip/me.txt": b"s", "top.txt": b"t"})
    os.mkfifo(root / "a" / "fifo")
    (root / "broken").symlink_to(tmp_path / "nowhere")
    (root / "to-file").symlink_to(root / "top.txt")
    (root / "to-folder").symlink_to(root / "a", target_is_directory=True)
    plan = await plan_sync(store, root, "", UP, cache=cache, exclude=("skip",))
    assert [(i.rel, i.action) for i in plan.items] == [
        ("a/fifo", Action.SKIP),
        ("a/x.txt", Action.UPLOAD),
        ("broken", Action.SKIP),
        ("to-file", Action.UPLOAD),
        ("top.txt", Action.UPLOAD),
    ]
    assert {i.reason for i in plan.of(Action.SKIP)} == {"not a readable regular file"}


def test_a_damaged_hash_cache_is_started_over(tmp_path: Path) -> None:
    path = tmp_path / "hashes.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))  # what a torn write leaves
    f = tmp_path / "f.txt"
    f.write_bytes(b"data")
    st = f.stat()
    cache = HashCache(path)
    sha = cache.digest(f, st.st_size, st.st_mtime_ns, {})
    cache.close()
    again = HashCache(path)
    try:
        assert again.load(tmp_path) == {str(f): ((st.st_size, st.st_mtime_ns), sha)}
    finally:
        again.close()


async def test_download_writes_the_tree_under_the_folder(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    await _objects(store, {f"backup/{rel}": data for rel, data in FILES.items()})
    await store.put("elsewhere/not-mine", b"x")
    out = tmp_path / "OUT"
    plan, result = await _sync(store, out, "backup", DOWN, cache)
    assert result.matches and plan.count(Action.DOWNLOAD) == 4
    assert _read_tree(out) == FILES
    hashed, _ = await _replan(store, out, "backup", DOWN, cache, 4)
    assert hashed == 4  # the same-size pairs, read once …
    assert await _replan(store, out, "backup", DOWN, cache, 4) == (0, 4)  # … then never again


async def test_a_change_on_each_side_is_found_by_digest(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    _tree(root, {"same.txt": b"same", "local.txt": b"AAAA", "remote.txt": b"BBBB"})
    await _sync(store, root, "", UP, cache)

    (root / "local.txt").write_bytes(b"aaaa")  # same size, new content
    os.utime(root / "local.txt", ns=(1, 1))  # an mtime the cache has never seen
    plan = await plan_sync(store, root, "", UP, cache=cache)
    assert [(i.rel, i.reason) for i in plan.todo] == [("local.txt", "content differs")]
    meta = ObjectMeta("local.txt", "keep me", {"X-K": ["v"]}, {"m": "1"})
    await store.update_meta("local.txt", meta)
    result = await run_sync(store, plan, cache=cache)
    assert result.matches
    info = await store.info("local.txt")
    assert await store.get_bytes("local.txt") == b"aaaa"
    assert (info.description, info.headers, info.metadata) == (
        "keep me",
        {"X-K": ["v"]},
        {"m": "1"},
    )

    await _objects(store, {"remote.txt": b"bbbb", "new-remote.txt": b"n"})
    plan, result = await _sync(store, root, "", DOWN, cache)
    assert [(i.rel, i.action, i.reason) for i in plan.todo] == [
        ("new-remote.txt", Action.DOWNLOAD, "only in the bucket"),
        ("remote.txt", Action.DOWNLOAD, "content differs"),
    ]
    assert result.matches and (root / "remote.txt").read_bytes() == b"bbbb"


async def test_delete_removes_extras_only_when_asked(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    _tree(root, {"keep.txt": b"k"})
    await _objects(
        store, {"p/keep.txt": b"k", "p/extra.txt": b"extra", "other/x": b"outside the prefix"}
    )

    plan, result = await _sync(store, root, "p", UP, cache)
    assert plan.of(Action.EXTRA)[0].rel == "extra.txt" and result.matches
    assert "p/extra.txt" in {i.name for i in await store.list()}

    plan, result = await _sync(store, root, "p", UP, cache, delete=True)
    assert [i.rel for i in plan.of(Action.DELETE)] == ["extra.txt"]
    assert sorted(i.name for i in await store.list()) == ["other/x", "p/keep.txt"]

    # Downloading with --delete removes local files the bucket does not have.
    _tree(root, {"local-only.txt": b"l", "sub/also.txt": b"a"})
    plan, result = await _sync(store, root, "p", DOWN, cache, delete=True)
    assert sorted(i.rel for i in plan.of(Action.DELETE)) == ["local-only.txt", "sub/also.txt"]
    assert result.matches and _read_tree(root) == {"keep.txt": b"k"}


async def test_excludes_apply_to_both_sides(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    _tree(root, {"a.txt": b"a", "b.tmp": b"b", ".git/config": b"c", "x/y.tmp": b"y"})
    await store.put("remote.tmp", b"never deleted: excluded")
    plan, result = await _sync(store, root, "", UP, cache, delete=True, exclude=("*.tmp", ".git"))
    assert result.matches
    assert [i.rel for i in plan.items] == ["a.txt"]
    assert sorted(i.name for i in await store.list()) == ["a.txt", "remote.tmp"]
    assert excluded("x/y.tmp", ["*.tmp"]) and excluded(".git/config", [".git"])
    assert not excluded("a.txt", ["*.tmp"])


async def test_names_that_cannot_be_local_files_are_reported_and_never_written(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    bad = ["../evil", "a/../../evil2", "back\\slash", "CON", "trailing.", "/abs", "q?.txt"]
    for name in [*bad, "ok/fine.txt"]:
        await store.put(name, b"data of " + name.encode())
    out = tmp_path / "box" / "out"
    plan, result = await _sync(store, out, "", DOWN, cache)
    assert sorted(i.info.name for i in plan.of(Action.SKIP)) == sorted(bad)
    assert all(i.reason == "cannot be a local file name" for i in plan.of(Action.SKIP))
    assert not result.matches and not result.failed
    assert _read_tree(tmp_path / "box") == {"out/ok/fine.txt": b"data of ok/fine.txt"}
    assert local_name_for("a/b.txt") == "a/b.txt" and local_name_for("a//b") is None


async def _bytes_on_both_sides(store: ObjectStore, root: Path, files: dict[str, bytes]) -> None:
    """Each name is either missing or complete on the destination: never half written."""
    remote = {i.name: i for i in await store.list()}
    for rel, data in files.items():
        if rel in remote:
            assert await store.get_bytes(rel) == data
        p = root / rel
        if p.exists():
            assert p.read_bytes() == data
    assert not [p for p in root.rglob("*") if p.name.endswith(".partial")]


async def test_cancelled_upload_leaves_no_orphans_or_half_objects(
    client: Client, store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    root = tmp_path / "d"
    files = {f"f{i:02}.bin": os.urandom(400_000) for i in range(12)}
    _tree(root, files)
    plan = await plan_sync(store, root, "", UP, cache=cache)
    task: asyncio.Task | None = None

    def progress(p) -> None:
        if p.chunks_done >= 2 and task is not None:  # two files done (chunks count files)
            task.cancel()

    task = asyncio.ensure_future(run_sync(store, plan, progress=progress, cache=cache))
    with pytest.raises(asyncio.CancelledError):
        await task
    done = {i.name for i in await store.list()}
    assert 0 < len(done) < len(files)
    await _bytes_on_both_sides(store, root, files)
    assert (await O.scan(client.conn, store.bucket, grace=0)).orphans == ()

    plan, result = await _sync(store, root, "", UP, cache)
    assert result.matches and plan.count(Action.SAME) == len(done)
    assert len(await store.list()) == len(files)


async def test_cancelled_download_leaves_no_partial_files(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    files = {f"f{i:02}.bin": os.urandom(400_000) for i in range(12)}
    await _objects(store, files)
    out = tmp_path / "out"
    plan = await plan_sync(store, out, "", DOWN, cache=cache)
    out.mkdir()
    task: asyncio.Task | None = None

    def progress(p) -> None:
        if p.chunks_done >= 2 and task is not None:  # two files done (chunks count files)
            task.cancel()

    task = asyncio.ensure_future(run_sync(store, plan, progress=progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(list(out.iterdir())) < len(files)
    await _bytes_on_both_sides(store, out, files)
    _, result = await _sync(store, out, "", DOWN, cache)
    assert result.matches and _read_tree(out) == files


def test_a_stopped_download_says_what_it_did(tmp_path: Path) -> None:
    gets = tuple(SyncItem(f"f{i}", Action.DOWNLOAD, 1000) for i in range(5))
    deletes = tuple(SyncItem(f"x{i}", Action.DELETE, 7) for i in range(3))
    items = (*gets, *deletes, SyncItem("same", Action.SAME, 1))
    plan = SyncPlan(DOWN, tmp_path, "b", "", items, delete=True)
    failed = ((gets[4], "a folder is in the way of f4"),)
    result = SyncResult(plan, done=(*gets[:4], deletes[0]), failed=failed)
    assert describe_stop(result) == (
        f"Stopped: downloaded 4 of 5 files ({human_size(4000)}); deleted 1 of 3 files;"
        " 1 failed; the remaining 2 untouched. Run the same sync again to finish."
    )


async def test_failures_are_collected_and_the_rest_goes_on(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    await _objects(store, {"a/file": b"1", "b": b"2"})
    out = tmp_path / "out"
    (out / "a" / "file").mkdir(parents=True)  # a folder where the file must go
    _, result = await _sync(store, out, "", DOWN, cache)
    assert [i.rel for i, _ in result.failed] == ["a/file"]
    assert "folder is in the way" in result.failed[0][1]
    assert (out / "b").read_bytes() == b"2" and not result.matches


async def test_symlinks_never_take_a_download_out_of_the_folder(
    store: ObjectStore, tmp_path: Path, cache: HashCache
) -> None:
    await _objects(store, {"link/escaped.txt": b"must not leave the folder", "fine.txt": b"f"})
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(outside, target_is_directory=True)
    os.mkfifo(out / "a-fifo")  # a special file no object names: not the sync's business
    plan, result = await _sync(store, out, "", DOWN, cache)
    assert [i.rel for i in plan.of(Action.SKIP)] == []
    assert [(i.rel, "symbolic link" in why) for i, why in result.failed] == [
        ("link/escaped.txt", True)
    ]
    assert list(outside.iterdir()) == [] and (out / "fine.txt").read_bytes() == b"f"
