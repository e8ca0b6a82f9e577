"""BucketIndex: folder semantics, children, watch events, hostile names, a 100k build."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from natsobj_gui.core.index import (
    BucketIndex,
    ancestors,
    folder_label,
    parent_folder,
    split_name,
)
from natsobj_gui.core.types import ObjectInfo, WatchEvent, WatchKind


def obj(name: str, size: int = 1, **kw) -> ObjectInfo:
    return ObjectInfo(name=name, bucket="b", nuid=f"nuid-{name}", size=size, **kw)


def put(name: str, size: int = 1) -> WatchEvent:
    return WatchEvent(WatchKind.PUT, obj(name, size))


def delete(name: str) -> WatchEvent:
    return WatchEvent(WatchKind.DELETE, obj(name, 0, deleted=True))


@pytest.mark.parametrize(
    ("name", "parent", "leaf"),
    [
        ("a", "", "a"),
        ("a/b", "a/", "b"),
        ("a/b/c.txt", "a/b/", "c.txt"),
        ("x/", "", "x/"),
        ("a/b/", "a/", "b/"),
        ("/x", "", "/x"),
        ("/x/y", "/x/", "y"),
        ("a//b", "a/", "/b"),
        ("a//b/c", "a//b/", "c"),
        ("//", "", "//"),
        ("/", "", "/"),
        ("a///", "a/", "//"),
        ("ü/日本/ファイル", "ü/日本/", "ファイル"),
        ('a b/.*<>:"\\|?&', "a b/", '.*<>:"\\|?&'),
    ],
)
def test_split_name(name: str, parent: str, leaf: str) -> None:
    assert split_name(name) == (parent, leaf)
    assert parent + leaf == name
    assert leaf
    if parent:
        assert parent.endswith("/") and folder_label(parent)


def test_folder_helpers() -> None:
    assert parent_folder("a/b/") == "a/"
    assert parent_folder("a/") == ""
    assert parent_folder("") == ""
    assert parent_folder("a//b/") == "a/"
    assert folder_label("a//b/") == "/b"
    assert folder_label("a/b/") == "b"
    assert ancestors("a/b/c/") == ["a/b/c/", "a/b/", "a/"]
    assert ancestors("") == []


def test_children_and_counts() -> None:
    idx = BucketIndex("b", [obj(n) for n in ["z", "a/1", "a/2", "a/b/3", "c/d/e/4", "x/"]])
    assert len(idx) == 6
    folders, objects = idx.children("")
    assert folders == ["a/", "c/"]
    assert [o.name for o in objects] == ["x/", "z"]
    folders, objects = idx.children("a/")
    assert folders == ["a/b/"]
    assert [o.name for o in objects] == ["a/1", "a/2"]
    assert idx.folders() == ["a/", "a/b/", "c/", "c/d/", "c/d/e/"]
    assert idx.count("") == 6
    assert idx.count("a/") == 3
    assert idx.count("c/d/") == 1
    assert idx.count("nope/") == 0
    assert idx.children("nope/") == ([], [])
    assert idx.children("c/") == (["c/d/"], [])


def test_objects_under_folders() -> None:
    names = ["z", "a/", "a/1", "a//x", "a/b/", "a/b/3", "ab/4", "c/d/e/4", "/r/5"]
    idx = BucketIndex("b", [obj(n) for n in names])

    def under(*folders: str) -> list[str]:
        return [o.name for o in idx.objects_under(folders)]

    # The object "a/" sits beside folder "a/"; "a/b/" is the object "b/" inside "a/".
    assert under("a/") == ["a//x", "a/1", "a/b/", "a/b/3"]
    assert under("a/b/", "a/", "a/b/") == under("a/")  # nested and repeated: each once
    assert under("c/", "/r/") == ["/r/5", "c/d/e/4"]
    assert under("nope/") == [] and under() == []
    rng = random.Random(7)
    parts = ["a", "b", "", "/", "c"]
    many = {"/".join(rng.choice(parts) for _ in range(rng.randint(1, 5))) for _ in range(400)}
    idx = BucketIndex("b", [obj(n) for n in many if n])
    for folder in idx.folders():
        expected = sorted(n for n in idx._objects if n.startswith(folder) and n != folder)
        assert under(folder) == expected, folder


def test_deleted_infos_are_skipped() -> None:
    idx = BucketIndex("b", [obj("a"), obj("b/c", deleted=True)])
    assert "a" in idx and "b/c" not in idx
    assert idx.folders() == []


def test_apply_reports_net_changes() -> None:
    idx = BucketIndex("b", [obj("keep"), obj("f/old")])
    ch = idx.apply([put("new/deep/x"), put("keep", 5), delete("f/old")])
    assert ch.added == ["new/deep/x"]
    assert ch.updated == ["keep"]
    assert ch.removed == ["f/old"]
    assert ch.added_folders == ["new/", "new/deep/"]  # parents first
    assert ch.removed_folders == ["f/"]
    assert idx.get("keep").size == 5
    assert set(ch.counts_changed) == {"", "new/", "new/deep/"}
    assert idx.folders() == ["new/", "new/deep/"]


def test_apply_add_then_delete_in_one_batch_is_invisible() -> None:
    idx = BucketIndex("b", [obj("x")])
    ch = idx.apply([put("t/tmp"), delete("t/tmp")])
    assert not ch.added and not ch.removed and not ch.updated
    assert not ch.added_folders and not ch.removed_folders
    assert idx.folders() == []


def test_apply_delete_then_readd_is_update() -> None:
    idx = BucketIndex("b", [obj("d/x")])
    ch = idx.apply([delete("d/x"), put("d/x", 9)])
    assert ch.updated == ["d/x"] and not ch.added and not ch.removed
    assert not ch.added_folders and not ch.removed_folders
    assert idx.get("d/x").size == 9


def test_apply_folder_removed_and_recreated_with_other_object() -> None:
    idx = BucketIndex("b", [obj("d/e/x")])
    ch = idx.apply([delete("d/e/x"), put("d/y")])
    assert ch.removed == ["d/e/x"] and ch.added == ["d/y"]
    assert ch.removed_folders == ["d/e/"]
    assert ch.added_folders == []
    assert idx.folders() == ["d/"]


def test_removing_last_object_removes_nested_folders_children_first() -> None:
    idx = BucketIndex("b", [obj("a/b/c/x"), obj("keep")])
    ch = idx.apply([delete("a/b/c/x")])
    assert ch.removed_folders == ["a/b/c/", "a/b/", "a/"]
    assert idx.folders() == []
    assert idx.children("") == ([], [idx.get("keep")])


def test_delete_of_unknown_and_initial_done() -> None:
    idx = BucketIndex("b")
    ch = idx.apply([delete("ghost"), WatchEvent(WatchKind.INITIAL_DONE, None, initial=True)])
    assert ch.initial_done and idx.initial_done
    assert not ch.removed and not ch.added
    assert bool(ch)
    assert not idx.apply([])


def test_rename_by_another_client_drops_the_old_name() -> None:
    # A rename writes the new meta with the object's nuid and purges the old meta, which
    # no watcher sees: the reused nuid is what tells the index the old name is gone.
    idx = BucketIndex("b", [obj("a/old.txt"), obj("keep")])
    moved = replace(obj("a/old.txt"), name="b/new.txt")
    ch = idx.apply([WatchEvent(WatchKind.PUT, moved)])
    assert ch.added == ["b/new.txt"] and ch.removed == ["a/old.txt"]
    assert ch.added_folders == ["b/"] and ch.removed_folders == ["a/"]
    assert sorted(i.name for i in idx.objects()) == ["b/new.txt", "keep"]
    # Renamed back in the same batch as another put: still one object under the last name.
    back = replace(moved, name="a/old.txt")
    ch = idx.apply([WatchEvent(WatchKind.PUT, back), put("keep", 7)])
    assert sorted(i.name for i in idx.objects()) == ["a/old.txt", "keep"]
    assert ch.removed == ["b/new.txt"] and ch.added == ["a/old.txt"]


def test_overwrite_and_empty_nuids_are_not_renames() -> None:
    idx = BucketIndex("b", [obj("x"), obj("y")])
    # A put over "x" (new nuid) and then an object that reuses x's old nuid under
    # another name after x's nuid changed: nothing else may disappear.
    idx.apply([WatchEvent(WatchKind.PUT, replace(obj("x"), nuid="fresh"))])
    idx.apply([WatchEvent(WatchKind.PUT, replace(obj("z"), nuid="nuid-x"))])
    assert sorted(i.name for i in idx.objects()) == ["x", "y", "z"]
    # Objects without a nuid never match each other.
    idx.apply([WatchEvent(WatchKind.PUT, replace(obj(n), nuid="")) for n in ("e1", "e2")])
    assert {"e1", "e2"} <= {i.name for i in idx.objects()}
    # A deleted object's nuid is forgotten.
    idx.apply([delete("y")])
    idx.apply([WatchEvent(WatchKind.PUT, replace(obj("w"), nuid="nuid-y"))])
    assert "w" in idx and "y" not in idx


def test_put_of_a_tombstone_removes() -> None:
    idx = BucketIndex("b", [obj("x")])
    ch = idx.apply([WatchEvent(WatchKind.PUT, obj("x", deleted=True))])
    assert ch.removed == ["x"] and len(idx) == 0


@pytest.mark.parametrize(
    "names",
    [
        ["a//b", "a/b", "a/"],
        ["/x", "/", "//", "///a"],
        ["x/", "x/y", "x//", "x"],
        ["a/b/", "a/b/c", "a/b//c/"],
        ["\x00/\x00", "..", "../..", "./.", "a/../b"],
    ],
)
def test_hostile_names_round_trip(names: list[str]) -> None:
    idx = BucketIndex("b")
    ch = idx.apply([put(n) for n in names])
    assert sorted(ch.added) == sorted(names)
    seen = []
    stack = [""]
    while stack:
        prefix = stack.pop()
        folders, objects = idx.children(prefix)
        for f in folders:
            assert f.endswith("/") and f.startswith(prefix) and f != prefix
            assert folder_label(f)
            assert parent_folder(f) == prefix
        seen += [o.name for o in objects]
        stack += folders
    assert sorted(seen) == sorted(names)
    ch = idx.apply([delete(n) for n in names])
    assert sorted(ch.removed) == sorted(names)
    assert idx.folders() == [] and len(idx) == 0 and idx.count() == 0


def test_random_events_stay_consistent() -> None:
    rng = random.Random(7)
    parts = ["a", "b", "", "c"]
    pool = [
        "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) or "z" for _ in range(200)
    ]
    idx = BucketIndex("b")
    live: set[str] = set()
    folders: set[str] = set()
    for _ in range(50):
        batch = []
        for _ in range(rng.randint(1, 20)):
            n = rng.choice(pool)
            batch.append(put(n) if rng.random() < 0.6 else delete(n))
        before = set(live)
        ch = idx.apply(batch)
        for ev in batch:
            if ev.kind is WatchKind.PUT:
                live.add(ev.info.name)
            else:
                live.discard(ev.info.name)
        assert set(ch.added) == live - before
        assert set(ch.removed) == before - live
        new_folders = set(idx.folders())
        assert set(ch.added_folders) == new_folders - folders
        assert set(ch.removed_folders) == folders - new_folders
        folders = new_folders
        expected = {p for n in live for p in ancestors(split_name(n)[0])}
        assert folders == expected
        assert idx.count() == len(live)
        assert idx.total_size() == len(live)  # every put is 1 byte


def test_build_100k_objects_in_1000_folders_is_fast() -> None:
    infos = [obj(f"dir{i % 1000:04d}/sub{i % 7}/file{i:06d}.bin", i) for i in range(100_000)]
    t0 = time.perf_counter()
    idx = BucketIndex("b", infos)
    elapsed = time.perf_counter() - t0
    assert len(idx) == 100_000
    assert len(idx.subfolders("")) == 1000
    assert idx.count("dir0001/") == 100
    folders, objects = idx.children("dir0001/sub1/")
    assert not folders and objects
    # Generous bound: a shared 2-core machine; the build itself is ~0.2 s.
    assert elapsed < 3.0, elapsed


def test_total_size_follows_puts_overwrites_renames_and_deletes() -> None:
    idx = BucketIndex("b")
    ch = idx.apply([put("a/x", 10), put("a/b/y", 5), put("z", 1)])
    assert (idx.total_size(""), idx.total_size("a/"), idx.total_size("a/b/")) == (16, 15, 5)
    # An overwrite with another size changes every ancestor, and says so.
    ch = idx.apply([put("a/b/y", 50)])
    assert (idx.total_size(""), idx.total_size("a/"), idx.total_size("a/b/")) == (61, 60, 50)
    assert set(ch.counts_changed) == {"", "a/", "a/b/"}
    # A rename by another client (same nuid, new name) moves the bytes.
    moved = replace(obj("a/b/y", 50), name="c/y")
    idx.apply([WatchEvent(WatchKind.PUT, moved)])
    assert (idx.total_size("a/"), idx.total_size("c/"), idx.total_size("a/b/")) == (10, 50, 0)
    idx.apply([delete("a/x"), delete("c/y")])
    assert idx.total_size("") == 1 and idx.total_size("a/") == 0
    idx.clear()
    assert idx.total_size("") == 0
