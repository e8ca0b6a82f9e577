"""BucketTreeModel: model tester, lazy folders, in-place bucket updates, events, index_for."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.types import BucketInfo, ObjectInfo, Storage, WatchEvent, WatchKind
from natsobj_gui.models.bucket_tree_model import (
    BucketInfoRole,
    BucketRole,
    BucketTreeModel,
    PrefixRole,
)


def binfo(name: str, **kw) -> BucketInfo:
    fields = dict(
        name=name,
        description=f"{name} bucket",
        ttl=0.0,
        storage=Storage.FILE,
        replicas=1,
        sealed=False,
        compression=False,
        size=12345,
        max_bytes=-1,
        messages=3,
        metadata={},
    )
    fields.update(kw)
    return BucketInfo(**fields)


def obj(name: str) -> ObjectInfo:
    return ObjectInfo(name=name, bucket="b", nuid=f"nuid-{name}", size=1)


def put(name: str) -> WatchEvent:
    return WatchEvent(WatchKind.PUT, obj(name))


def delete(name: str) -> WatchEvent:
    return WatchEvent(
        WatchKind.DELETE, ObjectInfo(name=name, bucket="b", nuid=f"nuid-{name}", deleted=True)
    )


def kids(model: BucketTreeModel, parent: QModelIndex = QModelIndex()) -> list[str]:  # noqa: B008
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


@pytest.fixture
def tree(qapp) -> BucketTreeModel:
    m = BucketTreeModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_buckets([binfo("photos"), binfo("archive", sealed=True), binfo("docs")])
    return m


def test_buckets_sorted_with_roles_and_sealed(tree: BucketTreeModel) -> None:
    assert kids(tree) == ["archive", "docs", "photos"]
    a = tree.index(0, 0)
    assert a.data(BucketRole) == "archive" and a.data(PrefixRole) == ""
    assert a.data(BucketInfoRole).sealed
    assert "sealed" in a.data(Qt.ItemDataRole.ToolTipRole)
    assert not a.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert not (tree.flags(a) & Qt.ItemFlag.ItemIsDropEnabled)
    assert tree.flags(tree.index(1, 0)) & Qt.ItemFlag.ItemIsDropEnabled
    assert tree.headerData(0, Qt.Orientation.Horizontal) == "Buckets"


def test_set_buckets_keeps_nodes(tree: BucketTreeModel) -> None:
    docs = QPersistentModelIndex(tree.index(1, 0))
    resets: list[int] = []
    changed: list[str] = []
    tree.modelReset.connect(lambda: resets.append(1))
    tree.dataChanged.connect(lambda a, _b, _r=None: changed.append(a.data()))
    tree.set_buckets([binfo("docs", size=99), binfo("zoo"), binfo("photos"), binfo("aaa")])
    assert kids(tree) == ["aaa", "docs", "photos", "zoo"]
    assert not resets
    assert docs.isValid() and docs.row() == 1 and docs.data(BucketInfoRole).size == 99
    assert changed == ["docs"]  # only the bucket whose info changed


def test_unknown_bucket_expands_by_asking_for_its_index(tree: BucketTreeModel) -> None:
    wanted: list[str] = []
    tree.indexWanted.connect(wanted.append)
    photos = tree.index(2, 0)
    assert tree.hasChildren(photos) and tree.canFetchMore(photos)
    tree.fetchMore(photos)
    tree.fetchMore(photos)  # once only
    assert wanted == ["photos"]
    assert tree.rowCount(photos) == 0
    # The listing arrives: the wanted node fills at once.
    tree.set_index("photos", BucketIndex("photos", [obj("2024/june/a.jpg"), obj("2023/x.jpg")]))
    assert kids(tree, photos) == ["2023", "2024"]
    june_parent = tree.index(1, 0, photos)
    assert june_parent.data(PrefixRole) == "2024/"
    assert tree.hasChildren(june_parent) and tree.rowCount(june_parent) == 0  # lazy
    assert tree.canFetchMore(june_parent)
    tree.fetchMore(june_parent)
    assert kids(tree, june_parent) == ["june"]
    june = tree.index(0, 0, june_parent)
    assert not tree.hasChildren(june)
    assert june.data(Qt.ItemDataRole.ToolTipRole).endswith("\n1 object")


def test_index_set_before_expanding_stays_lazy(tree: BucketTreeModel) -> None:
    tree.set_index("docs", BucketIndex("docs", [obj("a/b/c"), obj("plain")]))
    docs = tree.index(1, 0)
    assert tree.rowCount(docs) == 0 and tree.canFetchMore(docs)
    empty = BucketIndex("photos", [obj("plain")])
    tree.set_index("photos", empty)
    assert not tree.hasChildren(tree.index(2, 0))


def test_apply_inserts_and_removes_folder_nodes(tree: BucketTreeModel) -> None:
    idx = BucketIndex("docs", [obj("a/1"), obj("c/1")])
    tree.set_index("docs", idx)
    docs = tree.index(1, 0)
    tree.fetchMore(docs)
    assert kids(tree, docs) == ["a", "c"]
    a = QPersistentModelIndex(tree.index(0, 0, docs))
    tree.apply("docs", idx.apply([put("b/deep/x"), delete("c/1"), put("a/sub/y")]))
    assert kids(tree, docs) == ["a", "b"]
    assert a.isValid() and a.data(PrefixRole) == "a/"
    b = tree.index(1, 0, docs)
    assert tree.canFetchMore(b)
    tree.fetchMore(b)
    assert kids(tree, b) == ["deep"]
    tree.apply("docs", idx.apply([delete("b/deep/x")]))
    assert kids(tree, docs) == ["a"]
    tree.apply("other", idx.apply([]))  # unknown bucket: ignored


def test_index_for_fetches_the_chain(tree: BucketTreeModel) -> None:
    tree.set_index("docs", BucketIndex("docs", [obj("a/b/c/file")]))
    i = tree.index_for("docs", "a/b/c/")
    assert i.isValid() and i.data(PrefixRole) == "a/b/c/" and i.data(BucketRole) == "docs"
    assert i.parent().data(PrefixRole) == "a/b/"
    assert tree.index_for("docs", "") == tree.index(1, 0)
    assert not tree.index_for("docs", "nope/").isValid()
    assert not tree.index_for("ghost", "").isValid()


def test_removed_bucket_forgets_its_nodes(tree: BucketTreeModel) -> None:
    tree.set_index("docs", BucketIndex("docs", [obj("a/x")]))
    tree.index_for("docs", "a/")
    tree.set_buckets([binfo("photos")])
    assert kids(tree) == ["photos"]
    assert not tree.index_for("docs", "a/").isValid()
    assert tree.bucket_index("docs") is None
    tree.set_buckets([binfo("photos"), binfo("docs")])
    assert tree.canFetchMore(tree.index(0, 0))


def test_sealing_updates_in_place(tree: BucketTreeModel) -> None:
    docs = tree.index(1, 0)
    tree.set_buckets(
        [binfo("photos"), binfo("archive", sealed=True), replace(binfo("docs"), sealed=True)]
    )
    assert docs.data(BucketInfoRole).sealed
    assert not (tree.flags(docs) & Qt.ItemFlag.ItemIsDropEnabled)


def test_thousand_folders(tree: BucketTreeModel) -> None:
    idx = BucketIndex("docs", [obj(f"d{i % 1000:04d}/s{i % 3}/f{i}") for i in range(20_000)])
    tree.set_index("docs", idx)
    docs = tree.index(1, 0)
    tree.fetchMore(docs)
    assert tree.rowCount(docs) == 1000
    i = tree.index_for("docs", "d0999/s0/")
    assert i.isValid() and i.parent().row() == 999
