"""Inline rename in the object table: F2, Escape, errors beside the cell, slow second click."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from natsobj_gui.models.object_columns import COL_SIZE

from .window_support import message_boxes, put_and_open, row_of, table_names, wait_until


def _editor(w) -> QLineEdit | None:
    focus = QApplication.focusWidget()
    table = w.objects.table
    if table.state() != QAbstractItemView.State.EditingState:
        return None
    return focus if isinstance(focus, QLineEdit) else None


def _start_f2(w, label: str) -> QLineEdit:
    table = w.objects.table
    table.setFocus()
    table.selectRow(row_of(w, label))
    table.setCurrentIndex(w.objects.proxy.index(row_of(w, label), COL_SIZE))
    QTest.keyClick(table, Qt.Key.Key_F2)
    editor = _editor(w)
    assert editor is not None, "F2 opened no editor"
    return editor


def _rename_to(w, label: str, new: str) -> None:
    """F2 on `label`, type `new`, press Return."""
    editor = _start_f2(w, label)
    editor.setText(new)
    QTest.keyClick(editor, Qt.Key.Key_Return)


def test_f2_renames_in_place_and_escape_cancels(qloop, window, store) -> None:
    async def body() -> None:
        await put_and_open(
            window, store, {"docs/report.txt": b"r", "docs/other.txt": b"o"}, "docs/"
        )
        editor = _start_f2(window, "report.txt")
        assert editor.text() == "report.txt"
        await wait_until(lambda: editor.selectedText() == "report")  # the extension is kept
        QTest.keyClick(editor, Qt.Key.Key_Escape)
        assert _editor(window) is None
        assert table_names(window) == ["other.txt", "report.txt"]

        _rename_to(window, "report.txt", "final.txt")
        await wait_until(lambda: table_names(window) == ["final.txt", "other.txt"])
        # The Return that confirmed the name did not also open the object.
        assert not window.transfers.queue.transfers()
        assert (await store.info("docs/final.txt")).size == 1
        assert window.window_actions.edit_meta.shortcut().toString() == "Shift+F2"

    qloop.run_until_complete(body())


def test_rename_errors_show_beside_the_cell_not_in_a_box(qloop, window, store) -> None:
    async def body() -> None:
        await put_and_open(window, store, {"a.txt": b"a", "b.txt": b"b"})
        ops = window.window_actions.rename
        _rename_to(window, "a.txt", "b.txt")
        await wait_until(lambda: "already exists" in ops.last_error)
        assert ops.last_error.startswith("An object named")
        assert "already exists" in window.statusBar().currentMessage()
        assert not message_boxes()
        assert table_names(window) == ["a.txt", "b.txt"]

        _rename_to(window, "a.txt", "sub/a.txt")
        await wait_until(lambda: "cannot contain" in ops.last_error)
        assert not message_boxes()

    qloop.run_until_complete(body())


def test_slow_second_click_edits_and_folders_do_not(qloop, window, store) -> None:
    async def body() -> None:
        await put_and_open(window, store, {"dir/x.txt": b"x", "y.txt": b"y"})
        table = window.objects.table
        proxy = window.objects.proxy
        cell = proxy.index(row_of(window, "y.txt"), 0)
        assert proxy.flags(cell) & Qt.ItemFlag.ItemIsEditable
        folder = proxy.index(row_of(window, "dir/"), 0)
        assert not proxy.flags(folder) & Qt.ItemFlag.ItemIsEditable
        assert table.editTriggers() & QAbstractItemView.EditTrigger.SelectedClicked
        table.selectRow(folder.row())
        table.setCurrentIndex(folder)
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_F2)
        assert _editor(window) is None

        # A click on the selected name, then another after the double-click interval.
        rect = table.visualRect(cell)
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await asyncio.sleep(QApplication.doubleClickInterval() / 1000 + 0.1)
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await wait_until(lambda: _editor(window) is not None)
        assert _editor(window).text() == "y.txt"
        QTest.keyClick(_editor(window), Qt.Key.Key_Escape)

    qloop.run_until_complete(body())
