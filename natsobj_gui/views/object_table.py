"""The object table itself: rows dragged out and onto folders, files dropped in, Enter."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QModelIndex, Qt, Signal
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon, QKeyEvent
from PySide6.QtWidgets import QTableView, QWidget

from natsobj_gui.views.drop import accept, accept_if_local, dragged_objects, take_drop
from natsobj_gui.views.empty_hint import EmptyHintMixin

DRAGGABLE = Qt.ItemFlag.ItemIsDragEnabled


class ObjectTable(EmptyHintMixin, QTableView):
    """A table that takes file drops and turns Enter into `activated_row`."""

    files_dropped = Signal(list, str)  # list[Path], target folder prefix
    objects_dropped = Signal(list, str)  # object names of this bucket, target folder prefix
    activated_row = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bucket = ""
        self.prefix = ""
        self.writable = True
        self.folder_at_index = lambda index: None  # set by ObjectView
        self.empty_text = ""  # shown while the table has no rows
        # Set by DragOut: the drag data for dragged rows (else the model's own mimeData).
        self.drag_data: Callable[[list[QModelIndex]], QMimeData] | None = None
        # Our own objects in the drag under way, read on entry: a move event comes with every
        # mouse step, and reading 100,000 dragged names took ~80 ms each time.
        self._dragged: list[str] = []

    def startDrag(self, supported: Qt.DropAction) -> None:
        if self.drag_data is None:
            super().startDrag(supported)
            return
        rows = [i for i in self.selectionModel().selectedRows(0) if i.flags() & DRAGGABLE]
        if not rows:
            return
        drag = QDrag(self)
        drag.setMimeData(self.drag_data(rows))
        icon = rows[0].data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            drag.setPixmap(icon.pixmap(32, 32))
        # A copy: file managers copy the local files, our own folders move (a rename).
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)

    def _folder_at(self, event: QDragMoveEvent | QDropEvent) -> str | None:
        return self.folder_at_index(self.indexAt(event.position().toPoint()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._dragged = []
        if not accept_if_local(event, self.writable):
            # Our own objects: accepted on entry, the row under the mouse decides on move.
            self._dragged = dragged_objects(event.mimeData(), self.bucket)
            accept(event, self.writable and bool(self._dragged))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not accept_if_local(event, self.writable):
            names = self._dragged  # the same drag data as on entry
            accept(event, self.writable and bool(names) and self._folder_at(event) is not None)

    def dropEvent(self, event: QDropEvent) -> None:
        if not self.writable:
            event.ignore()
            return
        folder = self._folder_at(event)
        names = dragged_objects(event.mimeData(), self.bucket)
        if names:
            # Objects dropped on a folder row move into it (a rename each).
            if accept(event, folder is not None):
                self.objects_dropped.emit(names, folder)
            return
        paths = take_drop(event)
        if paths:
            # Dropping on a folder row puts the files in that folder, like a file manager.
            self.files_dropped.emit(paths, folder if folder is not None else self.prefix)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)
