"""MetaDialog: prefilled values, rename, headers with repeated keys, metadata validation."""

from __future__ import annotations

from PySide6.QtCore import Qt

from natsobj_gui.core.types import ObjectMeta
from natsobj_gui.dialogs.meta_dialog import MetaDialog, group_headers, object_name_error

from .data import assert_tab_order, make_info


def test_prefilled_and_unchanged(qtbot, shot) -> None:
    info = make_info()
    dlg = MetaDialog(info)
    qtbot.addWidget(dlg)
    assert dlg.name_edit.text() == info.name
    assert dlg.description_edit.toPlainText() == info.description
    assert dlg.headers_table.pairs() == [
        ("Content-Type", "application/pdf"),
        ("X-Tag", "a"),
        ("X-Tag", "b"),
    ]
    assert dlg.ok_button.isEnabled()
    assert dlg.error.isHidden()
    assert dlg.meta() == info.meta
    assert not dlg.renamed()
    shot(dlg, "meta_dialog")


def test_rename_and_edit_everything(qtbot) -> None:
    dlg = MetaDialog(make_info(headers={}, metadata={}, description=""))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.name_edit.clear()
    qtbot.keyClicks(dlg.name_edit, "reports/final.pdf")
    qtbot.keyClicks(dlg.description_edit, "Final version")
    dlg.headers_table.add_row("X-Reviewer", "alice")
    dlg.headers_table.add_row("X-Reviewer", "bob")
    dlg.headers_table.add_row("Content-Type", "application/pdf")
    qtbot.mouseClick(dlg.metadata_table.add_button, Qt.MouseButton.LeftButton)
    dlg.metadata_table.set_cell(0, 0, "stage")
    dlg.metadata_table.set_cell(0, 1, "final")
    assert dlg.ok_button.isEnabled()
    assert dlg.renamed()
    assert dlg.meta() == ObjectMeta(
        name="reports/final.pdf",
        description="Final version",
        headers={"X-Reviewer": ["alice", "bob"], "Content-Type": ["application/pdf"]},
        metadata={"stage": "final"},
    )
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)


def test_empty_name_disables_ok_with_message(qtbot) -> None:
    dlg = MetaDialog(make_info())
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.name_edit.clear()
    assert not dlg.ok_button.isEnabled()
    assert dlg.error.isVisible() and "needs a name" in dlg.error.text()
    qtbot.keyClick(dlg.name_edit, Qt.Key.Key_Return)
    assert dlg.isVisible()  # Enter cannot bypass the check
    qtbot.keyClicks(dlg.name_edit, "x")
    assert dlg.ok_button.isEnabled() and dlg.error.isHidden()


def test_too_long_name_is_refused(qtbot) -> None:
    dlg = MetaDialog(make_info())
    qtbot.addWidget(dlg)
    dlg.name_edit.setText("n" * 3000)
    assert not dlg.ok_button.isEnabled()
    assert "too long" in dlg.error.text()


def test_duplicate_metadata_keys(qtbot, shot) -> None:
    dlg = MetaDialog(make_info())
    qtbot.addWidget(dlg)
    dlg.metadata_table.add_row("owner", "bob")
    assert not dlg.ok_button.isEnabled()
    assert "Duplicate metadata keys: owner" in dlg.error.text()
    shot(dlg, "meta_dialog_duplicate")
    dlg.metadata_table.table.selectRow(2)
    qtbot.mouseClick(dlg.metadata_table.remove_button, Qt.MouseButton.LeftButton)
    assert dlg.ok_button.isEnabled()
    assert dlg.meta().metadata == {"owner": "alice", "reviewed": "yes"}


def test_bad_header_names(qtbot) -> None:
    dlg = MetaDialog(make_info(headers={}))
    qtbot.addWidget(dlg)
    dlg.headers_table.add_row("Bad Name", "v")
    assert not dlg.ok_button.isEnabled()
    assert "cannot contain" in dlg.error.text()
    dlg.headers_table.set_cell(0, 0, "")
    assert "needs a header name" in dlg.error.text()
    dlg.headers_table.set_cell(0, 0, "Good-Name")
    assert dlg.ok_button.isEnabled()
    # A row with neither key nor value is ignored, not an error.
    dlg.headers_table.add_row("", "")
    assert dlg.ok_button.isEnabled()
    assert dlg.meta().headers == {"Good-Name": ["v"]}


def test_tab_order(qtbot) -> None:
    dlg = MetaDialog(make_info())
    qtbot.addWidget(dlg)
    dlg.show()
    assert_tab_order(
        dlg.name_edit,
        dlg.description_edit,
        dlg.headers_table.table,
        dlg.headers_table.add_button,
        dlg.metadata_table.table,
        dlg.metadata_table.add_button,
        dlg.ok_button,
    )


def test_helpers() -> None:
    assert group_headers([("A", "1"), ("B", "2"), ("A", "3")]) == {"A": ["1", "3"], "B": ["2"]}
    assert object_name_error("b", "any name: with * and > is fine") == ""
    assert object_name_error("b", "") == "An object needs a name."
