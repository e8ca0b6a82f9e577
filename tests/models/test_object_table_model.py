"""ObjectTableModel + ObjectSortProxy: model tester, folders first, >2 GiB sorting, events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.types import ObjectInfo, ObjectLink, WatchEvent, WatchKind
from natsobj_gui.models.object_columns import parse_objects_mime
from natsobj_gui.models.object_table_model import (
    COL_CHUNKS,
    COL_DESCRIPTION,
    COL_MODIFIED,
    COL_NAME,
    COL_SIZE,
    HEADERS,
    MIME_TYPE,
    FolderRole,
    ObjectRole,
    ObjectTableModel,
    SortRole,
)
from natsobj_gui.models.sort_proxy import ObjectSortProxy

GiB = 1 << 30
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def obj(name: str, size: int = 10, **kw) -> ObjectInfo:
    kw.setdefault("modified", T0 + timedelta(seconds=size % 1000))
    kw.setdefault("chunks", -(-size // 131072))
    return ObjectInfo(name=name, bucket="docs", nuid="N" + name, size=size, **kw)


def put(info: ObjectInfo) -> WatchEvent:
    return WatchEvent(WatchKind.PUT, info)


def delete(name: str) -> WatchEvent:
    return WatchEvent(WatchKind.DELETE, obj(name, 0, deleted=True))


def realistic() -> BucketIndex:
    return BucketIndex(
        "docs",
        [
            obj("readme.md", 1200, description="Start here"),
            obj("big.iso", 5 * GiB),
            obj("medium.bin", 3 * GiB),
            obj("small.bin", 2 * GiB - 1),
            obj("tiny.txt", 3),
            obj("Zeta.txt", 300),
            obj("reports/2026/q3.pdf", 3_456_789),
            obj("reports/2026/q4.pdf", 4_000_000),
            obj("photos/a.jpg", 50_000),
            obj("x/", 7),
            obj("alias", 0, link=ObjectLink("docs", "readme.md")),
        ],
    )


def names(model, col: int = COL_NAME) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


@pytest.fixture
def model(qapp) -> ObjectTableModel:
    m = ObjectTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_bucket(realistic(), "")
    return m


def test_root_rows_folders_first_and_cells(model: ObjectTableModel) -> None:
    assert model.columnCount() == len(HEADERS)
    assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(6)] == list(HEADERS)
    assert names(model) == [
        "photos/",
        "reports/",
        "alias",
        "big.iso",
        "medium.bin",
        "readme.md",
        "small.bin",
        "tiny.txt",
        "x/",
        "Zeta.txt",
    ]
    assert model.folder_at(0) == "photos/" and model.info_at(0) is None
    # The Size column of a folder: its object count and their total size.
    assert model.index(1, COL_SIZE).data().startswith("2 objects, ")
    assert model.index(1, COL_DESCRIPTION).data() == ""
    assert model.index(0, COL_NAME).data(FolderRole) == "photos/"
    r = model.row_of("readme.md")
    assert model.info_at(r).name == "readme.md" and model.folder_at(r) is None
    assert model.index(r, COL_SIZE).data() == "1.2 KiB"
    assert model.index(r, COL_CHUNKS).data() == "1"
    assert model.index(r, COL_DESCRIPTION).data() == "Start here"
    assert model.index(r, COL_MODIFIED).data()
    assert model.index(r, COL_NAME).data(ObjectRole) is model.info_at(r)
    assert model.index(r, COL_NAME).data(Qt.ItemDataRole.ToolTipRole) == "readme.md"
    assert model.index(r, COL_SIZE).data(SortRole) == 1200
    assert not model.index(r, COL_NAME).data(Qt.ItemDataRole.DecorationRole).isNull()
    link = model.row_of("alias")
    assert "link to docs/readme.md" in model.index(link, COL_NAME).data(Qt.ItemDataRole.ToolTipRole)
    big = model.row_of("big.iso")
    assert model.index(big, COL_SIZE).data(SortRole) == 5 * GiB


def test_subfolder_and_full_name_tooltip(model: ObjectTableModel) -> None:
    model.set_prefix("reports/2026/")
    assert names(model) == ["q3.pdf", "q4.pdf"]
    assert model.index(0, COL_NAME).data(Qt.ItemDataRole.ToolTipRole) == "reports/2026/q3.pdf"
    model.set_prefix("reports/")
    assert names(model) == ["2026/"]
    model.clear()
    assert model.rowCount() == 0


@pytest.mark.parametrize("delegate", [True, False])
def test_sort_by_size_over_2gib_folders_first(qapp, delegate: bool) -> None:
    m = ObjectTableModel()
    m.set_bucket(realistic(), "")
    proxy = ObjectSortProxy()
    QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    if delegate:
        proxy.setSourceModel(m)
    else:
        # A plain source (no self-sort) makes the proxy sort with its Python lessThan.
        from PySide6.QtCore import QIdentityProxyModel

        ident = QIdentityProxyModel()
        ident.setSourceModel(m)
        proxy.setSourceModel(ident)
        proxy._keep = ident  # keep it alive
    proxy.sort(COL_SIZE, Qt.SortOrder.DescendingOrder)
    rows = names(proxy)
    assert rows[:2] in (["photos/", "reports/"], ["reports/", "photos/"])
    assert rows[2:6] == ["big.iso", "medium.bin", "small.bin", "readme.md"]
    proxy.sort(COL_SIZE, Qt.SortOrder.AscendingOrder)
    rows = names(proxy)
    assert set(rows[:2]) == {"photos/", "reports/"}
    assert rows[-3:] == ["small.bin", "medium.bin", "big.iso"]
    assert proxy.sortColumn() == COL_SIZE


def test_proxy_filter_case_insensitive(model: ObjectTableModel) -> None:
    proxy = ObjectSortProxy()
    QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    proxy.setSourceModel(model)
    proxy.set_filter_text("  BIN ")
    assert names(proxy) == ["medium.bin", "small.bin"]
    proxy.set_filter_text("o")
    assert "photos/" in names(proxy) and "reports/" in names(proxy)
    assert "tiny.txt" not in names(proxy)
    proxy.set_filter_text("nothing-matches")
    assert proxy.rowCount() == 0
    proxy.set_filter_text("")
    assert proxy.rowCount() == model.rowCount()


def test_apply_targeted_inserts_updates_removes(model: ObjectTableModel) -> None:
    idx = model.bucket_index
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    changed: list[int] = []
    resets: list[int] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.dataChanged.connect(lambda a, _b, _r=None: changed.append(a.row()))
    model.modelReset.connect(lambda: resets.append(1))
    readme_row = model.row_of("readme.md")
    keep = QPersistentModelIndex(model.index(readme_row, 0))

    change = idx.apply(
        [
            put(obj("new.txt", 5)),
            put(obj("music/song.mp3", 5000)),
            put(obj("readme.md", 1200, description="updated")),
            delete("tiny.txt"),
            put(obj("reports/2026/q5.pdf")),  # not in the shown folder
            delete("photos/a.jpg"),  # removes the photos/ folder row
        ]
    )
    model.apply(change)
    assert not resets
    assert names(model) == [
        "music/",
        "reports/",
        "alias",
        "big.iso",
        "medium.bin",
        "new.txt",
        "readme.md",
        "small.bin",
        "x/",
        "Zeta.txt",
    ]
    assert inserted == [(0, 0), (5, 5)]  # the music/ folder, then new.txt in place
    assert len(removed) == 2
    assert model.info_at(model.row_of("readme.md")).description == "updated"
    assert keep.isValid() and keep.data(ObjectRole).name == "readme.md"
    assert model.row_of("readme.md") in changed


def test_update_that_changes_the_sort_key_moves_the_row(model: ObjectTableModel) -> None:
    model.sort(COL_SIZE, Qt.SortOrder.AscendingOrder)
    tiny = QPersistentModelIndex(model.index(model.row_of("tiny.txt"), 0))
    moved: list[int] = []
    model.rowsMoved.connect(lambda *a: moved.append(1))
    model.apply(model.bucket_index.apply([put(obj("tiny.txt", 10 * GiB))]))
    assert moved
    assert names(model)[-1] == "tiny.txt"
    assert tiny.isValid() and tiny.row() == model.rowCount() - 1


def test_sort_keeps_selection_rows(model: ObjectTableModel) -> None:
    p = QPersistentModelIndex(model.index(model.row_of("big.iso"), COL_SIZE))
    f = QPersistentModelIndex(model.index(model.row_of_folder("reports/"), 0))
    model.sort(COL_SIZE, Qt.SortOrder.DescendingOrder)
    assert p.data(ObjectRole).name == "big.iso" and p.column() == COL_SIZE
    assert p.row() == 2
    assert f.data(FolderRole) == "reports/"


def test_removing_shown_folder_emits_prefix_removed(model: ObjectTableModel) -> None:
    model.set_prefix("reports/2026/")
    gone: list[str] = []
    model.prefixRemoved.connect(gone.append)
    model.apply(
        model.bucket_index.apply([delete("reports/2026/q3.pdf"), delete("reports/2026/q4.pdf")])
    )
    assert model.rowCount() == 0
    assert gone == ["reports/2026/"]


def test_mime_data_lists_dragged_objects(model: ObjectTableModel) -> None:
    rows = [model.index(model.row_of("big.iso"), c) for c in range(3)]
    rows.append(model.index(0, 0))  # a folder row: not an object, not dragged
    mime = model.mimeData(rows)
    assert mime.hasFormat(MIME_TYPE)
    assert bytes(mime.data(MIME_TYPE)) == b'[{"bucket": "docs", "name": "big.iso"}]'
    assert parse_objects_mime(mime) == [("docs", "big.iso")]
    bad = QMimeData()
    bad.setData(MIME_TYPE, b"{not json")
    assert parse_objects_mime(bad) == [] and parse_objects_mime(QMimeData()) == []
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(rows[0]) & Qt.ItemFlag.ItemIsDragEnabled


def test_large_batches_and_100k_flat_folder(qapp) -> None:
    idx = BucketIndex("b")
    m = ObjectTableModel()
    proxy = ObjectSortProxy()
    proxy.setSourceModel(m)
    m.set_bucket(idx, "")
    inserted: list[tuple[int, int]] = []
    m.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    t0 = time.perf_counter()
    m.apply(idx.apply([put(obj(f"f{i:06d}", i)) for i in range(100_000)]))
    elapsed = time.perf_counter() - t0
    assert inserted == [(0, 99_999)]  # one batch insert, not 100,000
    assert m.rowCount() == proxy.rowCount() == 100_000
    assert names(m)[:3] == ["f000000", "f000001", "f000002"]
    assert elapsed < 10  # ~0.5 s here; generous for a loaded 2-core machine
    t0 = time.perf_counter()
    m.set_bucket(idx, "")
    proxy.sort(COL_SIZE, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, COL_NAME).data() == "f099999"
    assert time.perf_counter() - t0 < 10
    # Small batches go to their sorted place one by one.
    inserted.clear()
    m.apply(idx.apply([put(obj("zz", 50_000 + 1))]))
    assert inserted == [(49_998, 49_998)]
    m.apply(idx.apply([delete("f000000")]))
    assert m.rowCount() == 100_000


def test_empty_index_and_no_index(qapp) -> None:
    m = ObjectTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert m.rowCount() == 0 and m.info_at(0) is None and m.folder_at(0) is None
    m.apply(BucketIndex("b").apply([put(obj("a"))]))  # no index shown: ignored
    m.set_bucket(BucketIndex("b"), "")
    assert m.rowCount() == 0
    assert m.data(QModelIndex()) is None


def test_hostile_names_in_the_table(qapp) -> None:
    hostile = ["/x", "x/", "//", "a//b", "a/", "a/b", "\x00", " ", "..", "a/../b", "ü/日本"]
    idx = BucketIndex("b", [obj(n) for n in hostile])
    m = ObjectTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_bucket(idx, "")
    shown = names(m)
    assert shown[:2] == ["a/", "ü/"]  # folder rows first
    assert sorted(shown[2:]) == sorted(["/x", "x/", "//", "a/", "\x00", " ", ".."])
    m.set_prefix("a/")
    assert names(m) == ["../", "/b", "b"]
    assert m.folder_at(0) == "a/../" and m.info_at(1).name == "a//b"
    m.apply(idx.apply([delete(n) for n in hostile]))
    assert m.rowCount() == 0
    m.set_prefix("")
    assert m.rowCount() == 0


def test_many_updates_repaint_once(qapp) -> None:
    idx = BucketIndex("b", [obj(f"f{i:04d}", i) for i in range(1000)])
    m = ObjectTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_bucket(idx, "")
    m.sort(COL_SIZE, Qt.SortOrder.AscendingOrder)
    keep = QPersistentModelIndex(m.index(m.row_of("f0000"), 0))
    changed: list[tuple[int, int]] = []
    m.dataChanged.connect(lambda a, b, _r=None: changed.append((a.row(), b.row())))
    # Every object re-delivered with reversed sizes (a watch that restarted).
    m.apply(idx.apply([put(obj(f"f{i:04d}", 5000 - i)) for i in range(1000)]))
    assert changed == [(0, 999)]
    assert names(m)[0] == "f0999" and names(m)[-1] == "f0000"
    assert keep.isValid() and keep.row() == 999


@pytest.mark.parametrize(
    ("col", "order"),
    [
        (COL_NAME, Qt.SortOrder.AscendingOrder),
        (COL_NAME, Qt.SortOrder.DescendingOrder),
        (COL_SIZE, Qt.SortOrder.DescendingOrder),
    ],
)
def test_rows_stay_found_across_removal_batches(qapp, col: int, order: Qt.SortOrder) -> None:
    # Removals no longer rebuild the name -> row lookup each batch (a bulk delete made
    # ~1,400 rebuilds over 20,000 rows): every later lookup must still find the right row.
    idx = BucketIndex("b", [obj(f"d/f{i:04d}", (i * 7919) % 1000) for i in range(600)])
    idx.apply([put(obj("d/sub/x", 1))])
    m = ObjectTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_bucket(idx, "d/")
    m.sort(col, order)
    left = [f"d/f{i:04d}" for i in range(600)]
    for batch in (left[10:30], left[::7], left[100:400:3], left[500:], left[40:300]):
        gone = [n for n in batch if n in idx]
        m.apply(idx.apply([delete(n) for n in gone]))
        left = [n for n in left if n not in set(batch)]
        shown = [m.info_at(r).name for r in range(1, m.rowCount())]  # row 0: folder sub/
        assert sorted(shown) == sorted(left)
        assert [m.row_of(n) for n in shown] == list(range(1, m.rowCount()))
        assert m.row_of(gone[0]) == -1
    # An update after the removals finds its row and keeps the order.
    m.apply(idx.apply([put(obj(left[0], 999, description="changed"))]))
    assert m.info_at(m.row_of(left[0])).description == "changed"
    assert [m.row_of(m.info_at(r).name) for r in range(1, m.rowCount())] == list(
        range(1, m.rowCount())
    )


def test_split_runs_slices_ranges_and_reads_lists(model: ObjectTableModel) -> None:
    rows = model.rowCount()
    every = list(range(rows))
    assert model.split_runs([range(rows)]) == model.split_rows(every)
    # Runs across the folder/object border, a list in view order, an empty and a long range.
    runs = [range(1, 5), [rows - 1, 0], range(3, 3), range(rows - 2, rows + 5)]
    expected = model.split_rows([1, 2, 3, 4, rows - 1, 0, rows - 2, rows - 1])
    assert model.split_runs(runs) == expected
    folders, objects = model.split_runs([range(0, 2)])
    assert folders == ["photos/", "reports/"] and objects == []


def test_count_runs_counts_what_split_runs_reads(model: ObjectTableModel) -> None:
    rows = model.rowCount()
    runs = [range(1, 5), [rows - 1, 0, rows + 3], range(3, 3), range(rows - 2, rows + 5)]
    folders, objects = model.split_runs(runs)
    seen: list[str] = []

    def big(info: ObjectInfo) -> bool:
        seen.append(info.name)
        return info.size > 4 * GiB

    assert model.count_runs(runs, big) == (len(folders), len(objects), True)
    # A range is looked at only until a wanted object shows up.
    seen.clear()
    assert model.count_runs([range(rows)], big) == (2, rows - 2, True)
    assert seen[-1] == "big.iso" and len(seen) < rows - 2
    assert model.count_runs([range(0, 2)], big) == (2, 0, False)
    # A run that ends before the last folder holds no objects (not a negative count that
    # cancels objects selected elsewhere).
    assert model.count_runs([range(0, 1)], big) == (1, 0, False)
    assert model.count_runs([range(0, 1), range(2, 3)], big) == (1, 1, False)
    assert model.count_runs([range(rows)], lambda _: False) == (2, rows - 2, False)


def test_proxy_flags_and_roles_a_paint_asks(model: ObjectTableModel) -> None:
    proxy = ObjectSortProxy()
    proxy.setSourceModel(model)
    folder, obj_name = proxy.index(0, COL_NAME), proxy.index(model.row_of("big.iso"), COL_NAME)
    assert folder.data(FolderRole) == "photos/"
    drag, drop = Qt.ItemFlag.ItemIsDragEnabled, Qt.ItemFlag.ItemIsDropEnabled
    editable = Qt.ItemFlag.ItemIsEditable
    # Folders are dragged out (as local folders) and take drops; objects only drag.
    assert proxy.flags(folder) & drag and proxy.flags(folder) & drop
    assert proxy.flags(obj_name) & drag and not proxy.flags(obj_name) & drop
    assert not proxy.flags(obj_name) & editable
    proxy.is_name_editable = lambda: True
    assert proxy.flags(obj_name) & editable
    assert not proxy.flags(folder) & editable
    assert not proxy.flags(obj_name.siblingAtColumn(COL_SIZE)) & editable
    # The roles a delegate asks of every cell that no row answers; the ones rows answer.
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole):
        assert obj_name.data(role) is None and folder.data(role) is None
    assert obj_name.data() == "big.iso" and obj_name.data(ObjectRole).name == "big.iso"
