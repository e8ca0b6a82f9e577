"""The object view's count and empty hint say what is shown: after deletes, under a filter."""

from __future__ import annotations

from datetime import UTC, datetime

from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.types import ObjectInfo, WatchEvent, WatchKind
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.views.object_view import ObjectView

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _obj(name: str, deleted: bool = False) -> ObjectInfo:
    return ObjectInfo(
        name=name, bucket="docs", nuid="N" + name, size=1, modified=T0, deleted=deleted
    )


def _view(qapp, names: list[str]) -> tuple[ObjectView, BucketIndex]:
    index = BucketIndex("docs", [_obj(n) for n in names])
    index.initial_done = True
    model = ObjectTableModel()
    view = ObjectView(model)
    view.set_location("docs", "")
    model.set_bucket(index, "")
    return view, index


def test_count_after_deleting_100_of_20000(qapp) -> None:
    names = [f"file{i:05d}.bin" for i in range(20_000)]
    view, index = _view(qapp, names)
    qapp.processEvents()
    assert view.count_label.text() == "20,000 items"
    gone = names[::200]
    change = index.apply([WatchEvent(WatchKind.DELETE, _obj(n, True)) for n in gone])
    view.model.apply(change)
    qapp.processEvents()
    assert view.proxy.rowCount() == 19_900
    assert view.count_label.text() == "19,900 items"


def test_filter_is_per_folder_and_the_hint_says_what_it_hides(qapp) -> None:
    view, _ = _view(qapp, ["a/x.txt", "b.txt"])
    view.set_empty_hint("This folder is empty.")
    view.filter_edit.setText("nomatch")
    qapp.processEvents()
    assert view.proxy.rowCount() == 0
    assert view.count_label.text() == "0 of 2 items"
    assert view.table.empty_text == "Nothing in this folder matches “nomatch”."
    view.model.set_prefix("a/")
    view.set_location("docs", "a/")
    qapp.processEvents()
    assert view.filter_edit.text() == ""
    assert view.proxy.rowCount() == 1 and view.count_label.text() == "1 item"
    assert view.table.empty_text == "This folder is empty."


def test_scattered_removals_leave_one_selection_range(qapp) -> None:
    names = [f"file{i:05d}.bin" for i in range(2_000)]
    view, index = _view(qapp, names)
    view.table.selectAll()
    sm = view.table.selectionModel()
    # Every other row of the first 600: Qt splits the selected range at each one.
    for start in (0, 1000):
        gone = names[start : start + 600 : 2]
        view.model.apply(index.apply([WatchEvent(WatchKind.DELETE, _obj(n, True)) for n in gone]))
    left = [n for n in names if n not in set(names[0:600:2] + names[1000:1600:2])]
    assert len(sm.selection()) > 100  # split, until the joining timer runs
    changes: list[int] = []
    sm.selectionChanged.connect(lambda *_: changes.append(1))
    qapp.processEvents()
    assert len(sm.selection()) == 1
    assert changes == []  # the same rows: joining them is no change
    assert [i.name for i in view.selected_infos()] == left
    assert view.selection_counts(lambda _: True) == (0, len(left), True)
