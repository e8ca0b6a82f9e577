"""BucketIndex fed by a real watcher: the initial set, then live puts, deletes and renames."""

from __future__ import annotations

import asyncio

from natsobj_gui.core import ObjectMeta, ObjectStore
from natsobj_gui.core.index import BucketIndex, IndexChange
from natsobj_gui.core.store import Watcher


async def _until(watcher: Watcher, index: BucketIndex, cond) -> list[IndexChange]:
    changes: list[IndexChange] = []
    async with asyncio.timeout(10):
        while not cond():
            changes.append(index.apply(await watcher.next_batch()))
    return changes


async def test_index_follows_a_live_bucket(store: ObjectStore) -> None:
    for name in ["a/1", "a/b/2", "top", "x/", "gone/soon"]:
        await store.put(name, name.encode())
    await store.delete("gone/soon")
    index = BucketIndex(store.bucket)
    async with store.watch() as watcher:
        await _until(watcher, index, lambda: index.initial_done)
        assert sorted(o.name for o in index.objects()) == ["a/1", "a/b/2", "top", "x/"]
        assert index.folders() == ["a/", "a/b/"]
        assert index.get("top").modified is not None  # the server's timestamp

        await store.put("new/deep/file", b"n")
        changes = await _until(watcher, index, lambda: "new/deep/file" in index)
        assert any(c.added_folders == ["new/", "new/deep/"] for c in changes)

        await store.delete("a/b/2")
        changes = await _until(watcher, index, lambda: "a/b/2" not in index)
        assert any(c.removed_folders == ["a/b/"] for c in changes)

        await store.update_meta("top", ObjectMeta("moved/top", "renamed"))
        await _until(watcher, index, lambda: "moved/top" in index)
        assert index.get("moved/top").description == "renamed"
        # The old name's meta is purged, which no watcher sees: the new name arrives with
        # the old nuid (only a rename reuses one), so the index drops the old name itself.
        # A barrier, not a sleep: the watcher delivers in stream order, so once an object
        # put after the rename is in, nothing the rename published is still on its way.
        await store.put("barrier", b"")
        await _until(watcher, index, lambda: "barrier" in index)
        assert "top" not in index
        # forget (the renamer's own hint) is then harmless.
        change = index.forget(["top", "not-there"])
        assert change.removed == [] and "moved/top" in index

        await store.put("a/1", b"new version")
        await _until(watcher, index, lambda: index.get("a/1").size == len(b"new version"))
    listed = sorted(o.name for o in await store.list())
    assert sorted(o.name for o in index.objects()) == listed


async def test_empty_bucket_initial_done(store: ObjectStore) -> None:
    index = BucketIndex(store.bucket)
    async with store.watch() as watcher:
        change = index.apply(await watcher.next_batch())
    assert change.initial_done and len(index) == 0
