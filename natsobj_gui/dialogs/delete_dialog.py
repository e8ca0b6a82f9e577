"""Confirmations for deleting objects and whole buckets.

Usage::

    dlg = DeleteObjectsDialog(infos, parent=window)
    dlg.accepted.connect(lambda: start_delete_job(dlg.infos()))
    dlg.open()

    # Or keep it open as the progress display while the job runs:
    dlg = DeleteObjectsDialog(infos, parent=window, stay_open=True)
    dlg.delete_requested.connect(start_job)   # job: dlg.set_busy(True); dlg.set_progress(n, N)
    dlg.cancel_requested.connect(job.cancel)  # Cancel / Esc while busy; then dlg.reject() when done
    dlg.open()                                # the job calls dlg.accept() when finished

    dlg = DeleteBucketDialog(bucket_info, parent=window, object_count=12)
    dlg.accepted.connect(lambda: start_bucket_delete(bucket_info.name))
    dlg.open()
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import BucketInfo, ObjectInfo
from natsobj_gui.dialogs._common import (
    fit_to_width,
    message_icon,
    plain_rows,
    size_text,
    value_label,
)
from natsobj_gui.formatting import human_size
from natsobj_gui.models.headed_table import HeadedTableModel, Index


class _ObjectList(HeadedTableModel):
    """Names and sizes of the objects to delete, read only for the rows shown."""

    headers = ("Name", "Size")

    def __init__(self, infos: list[ObjectInfo], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._infos = infos

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._infos)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._infos):
            return None
        info, col = self._infos[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return info.name
            return human_size(info.size) if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _warning_row(text: str, parent: QWidget) -> tuple[QWidget, QLabel]:
    """A warning icon beside a word-wrapped message; returns the row and the message label."""
    row = QWidget(parent)
    lay = QFormLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    icon = message_icon(parent, QStyle.StandardPixmap.SP_MessageBoxWarning)
    message = value_label(text)
    lay.addRow(icon, message)
    return row, message


class DeleteObjectsDialog(QDialog):
    """Lists the objects about to be deleted and asks once; Cancel is the default."""

    delete_requested = Signal()
    cancel_requested = Signal()

    def __init__(
        self, infos: list[ObjectInfo], parent: QWidget | None = None, *, stay_open: bool = False
    ) -> None:
        super().__init__(parent)
        self._infos = list(infos)
        self._stay_open = stay_open
        self._busy = False
        count = len(self._infos)
        total = self._total = sum(i.size for i in self._infos)
        self.setWindowTitle("Delete object" if count == 1 else f"Delete {count} objects")
        self.resize(520, 380)

        if count == 1:
            question = f"Delete “{self._infos[0].name}” ({human_size(total)})?"
        else:
            question = f"Delete these {count:,} objects ({human_size(total)} in total)?"
        question_row, self.question_label = _warning_row(
            question + "\nThis cannot be undone: the data is purged from the bucket.", self
        )
        self.summary_label = value_label(f"{count:,} objects, {size_text(total)}")

        # A lazy model: Qt asks only for the rows on screen, whatever the count (100,000
        # widget items took seconds to build).
        self.list_model = _ObjectList(self._infos, self)
        # A table, not a tree view: a tree lays out every row up front.
        self.list = QTableView()
        self.list.setModel(self.list_model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        plain_rows(self.list, self.fontMetrics().height() + 6)
        header = self.list.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 90)

        self.progress = QProgressBar()
        self.progress.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.delete_button = QPushButton("Delete")
        self.delete_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        # Enter must never delete by accident: Cancel is the default and holds the focus.
        self.delete_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.delete_button.clicked.connect(self._on_delete)
        self.cancel_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(question_row)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.progress)
        lay.addWidget(self.buttons)
        self.cancel_button.setFocus()

    def infos(self) -> list[ObjectInfo]:
        """The objects the user agreed to delete."""
        return list(self._infos)

    def count(self) -> int:
        """How many objects are listed."""
        return len(self._infos)

    def names(self) -> list[str]:
        """Their names, in the order shown."""
        return [i.name for i in self._infos]

    def total_size(self) -> int:
        """The sum of their sizes in bytes."""
        return self._total

    def is_busy(self) -> bool:
        """Whether the caller marked a delete as running."""
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """While busy, Delete is disabled, the progress bar shows, and Cancel asks to stop."""
        self._busy = busy
        self.delete_button.setEnabled(not busy)
        self.progress.setVisible(busy or self.progress.value() > 0)
        self.cancel_button.setText("Stop" if busy else "Cancel")

    def set_progress(self, done: int, total: int) -> None:
        """Show 'done of total' objects deleted."""
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(f"{done:,} of {total:,} deleted")

    def reject(self) -> None:
        """Close, unless a delete is running: then only ask the caller to stop it."""
        if self._busy:
            self.cancel_requested.emit()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window while busy asks to stop instead of leaving the job unseen."""
        if self._busy:
            event.ignore()
            self.cancel_requested.emit()
            return
        super().closeEvent(event)

    def _on_delete(self) -> None:
        self.delete_requested.emit()
        if not self._stay_open:
            self.accept()


class DeleteBucketDialog(QDialog):
    """Deleting a bucket loses everything in it: the user must type its name to enable Delete."""

    def __init__(
        self, bucket: BucketInfo, parent: QWidget | None = None, *, object_count: int | None = None
    ) -> None:
        super().__init__(parent)
        self._bucket = bucket
        self.setWindowTitle(f"Delete bucket {bucket.name}")

        warning, self.question_label = _warning_row(
            f"Delete the bucket “{bucket.name}” and everything in it? This cannot be undone.",
            self,
        )
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.objects_label = value_label(f"{object_count:,}" if object_count is not None else "—")
        self.size_label = value_label(size_text(bucket.size))
        self.messages_label = value_label(f"{bucket.messages:,}")
        form.addRow("Objects:", self.objects_label)
        # The caller may not know the count (the bucket was never listed): hide the row then.
        form.setRowVisible(self.objects_label, object_count is not None)
        form.addRow("Size:", self.size_label)
        form.addRow("Messages:", self.messages_label)

        self.prompt = QLabel(f"Type <b>{_html(bucket.name)}</b> to confirm:")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setPlaceholderText(bucket.name)
        self.prompt.setBuddy(self.confirm_edit)

        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = QPushButton("Delete bucket")
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        # Delete is the default but disabled until the name matches, so Enter only works then.
        self.cancel_button.setAutoDefault(False)
        self.delete_button.setDefault(True)
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_edit.textChanged.connect(self._check)

        lay = QVBoxLayout(self)
        lay.addWidget(warning)
        lay.addLayout(form)
        lay.addWidget(self.prompt)
        lay.addWidget(self.confirm_edit)
        lay.addWidget(self.buttons)
        self.confirm_edit.setFocus()
        fit_to_width(self, 480)

    def bucket(self) -> BucketInfo:
        """The bucket to delete."""
        return self._bucket

    def confirmed(self) -> bool:
        """Whether the typed name matches exactly."""
        return self.confirm_edit.text() == self._bucket.name

    def accept(self) -> None:
        """Accept only with the exact name typed (Enter cannot bypass the check)."""
        if self.confirmed():
            super().accept()

    def _check(self) -> None:
        self.delete_button.setEnabled(self.confirmed())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
