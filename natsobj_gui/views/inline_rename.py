"""Rename in place: F2 or a slow second click edits the name cell; errors show beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from natsobj_gui.core.index import split_name
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.models.object_columns import COL_NAME, ObjectRole

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import RenameHost

Index = QModelIndex | QPersistentModelIndex
ERROR_TOOLTIP_MS = 8000


def check_leaf(leaf: str) -> str | None:
    """Why a new last name part cannot be used, or None when it can."""
    if not leaf.strip():
        return "A name cannot be empty."
    if "/" in leaf:
        return "A name here cannot contain “/”: move an object with Edit Metadata / Move…"
    return None


class RenameDelegate(QStyledItemDelegate):
    """Edits an object's last name part; the rename itself goes to `on_rename`."""

    def __init__(self, on_rename: Callable[[ObjectInfo, str, QModelIndex], None], parent=None):
        super().__init__(parent)
        self.on_rename = on_rename

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        info = index.data(ObjectRole)
        if not isinstance(editor, QLineEdit) or info is None:
            return
        leaf = split_name(info.name)[1]
        editor.setText(leaf)
        # As file managers do: the stem is selected, the extension kept (after the view's
        # own selectAll, which follows this call).
        stem = leaf.rfind(".")
        if stem > 0:
            QTimer.singleShot(0, editor, lambda: editor.setSelection(0, stem))

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        handled = super().eventFilter(editor, event)
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if isinstance(event, QKeyEvent) and event.key() in keys:
            # The line edit ignores Return: it must not reach the table and open the object.
            return True
        return handled

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        # The table never changes a name itself: the watch shows the renamed object.
        info = index.data(ObjectRole)
        if isinstance(editor, QLineEdit) and info is not None:
            self.on_rename(info, editor.text(), QModelIndex(index))


class InlineRename:
    """Wires in-place renaming into the window's object table."""

    def __init__(self, window: RenameHost) -> None:
        self.w = window
        self.last_error = ""  # the message last shown beside a cell (tests read it)
        table = window.objects.table
        self.delegate = RenameDelegate(self.rename, table)
        table.setItemDelegateForColumn(COL_NAME, self.delegate)
        triggers = QAbstractItemView.EditTrigger
        table.setEditTriggers(triggers.SelectedClicked | triggers.EditKeyPressed)
        window.objects.proxy.is_name_editable = self._editable
        self.action = QAction("Rename", window.window())
        self.action.setShortcut(QKeySequence("F2"))
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.triggered.connect(lambda _=False: self.start())
        table.addAction(self.action)

    def _editable(self) -> bool:
        return self.w.client is not None and self.w.is_writable(self.w.bucket)

    def start(self) -> bool:
        """F2: edit the current object's name cell."""
        table = self.w.objects.table
        current = table.currentIndex()
        if not current.isValid() or not self._editable():
            return False
        cell = current.siblingAtColumn(COL_NAME)
        if cell.data(ObjectRole) is None:
            return False  # folders are virtual: nothing to rename
        table.setCurrentIndex(cell)
        return table.edit(cell, QAbstractItemView.EditTrigger.EditKeyPressed, None)

    def rename(self, info: ObjectInfo, leaf: str, index: QModelIndex) -> None:
        """Rename `info` to `leaf` in its folder through the core's update_meta."""
        folder = split_name(info.name)[0]
        new = folder + leaf
        if new == info.name or self.w.client is None:
            return
        problem = check_leaf(leaf)
        if problem is not None:
            self.show_error(index, problem)
            return
        store = self.w.client.store(info.bucket)
        where = QPersistentModelIndex(index)

        async def update() -> None:
            await store.update_meta(info.name, replace(info.meta, name=new))
            self.w.forget_object(info)  # the purge of the old name is never watched
            self.w.show_status(f"Renamed {info.name} to {new}", 5000)

        job = self.w.jobs.run(update(), key=f"rename:{info.bucket}:{info.name}")
        job.failed.connect(lambda message: self.show_error(QModelIndex(where), message))

    def show_error(self, index: QModelIndex, message: str) -> None:
        """A tooltip at the cell (never a modal box), and the status bar."""
        text = message[:1].upper() + message[1:]
        if not text.endswith((".", "…")):
            text += "."
        self.last_error = text
        self.w.show_status(f"Could not rename: {text}", ERROR_TOOLTIP_MS)
        table = self.w.objects.table
        if not index.isValid():
            return
        rect = table.visualRect(index)
        pos = table.viewport().mapToGlobal(rect.bottomLeft())
        QToolTip.showText(pos, text, table.viewport(), rect, ERROR_TOOLTIP_MS)
