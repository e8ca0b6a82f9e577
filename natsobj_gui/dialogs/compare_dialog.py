"""Compare a bucket (folder) with a local folder: a table of differences, counts, filters.

Passive: it shows a `SyncPlan` (folder → bucket, with deletions) and emits what the user
asks for; the caller compares, transfers and deletes. Usage::

    dlg = CompareDialog("photos", "2024", parent=window)
    dlg.compare_requested.connect(lambda folder: start_compare(folder))
    dlg.open()
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.sync_plan import Action, SyncItem, SyncPlan
from natsobj_gui.dialogs._common import fit_to_width, value_label
from natsobj_gui.formatting import human_size
from natsobj_gui.models.headed_table import HeadedTableModel

ONLY_LOCAL, ONLY_BUCKET, DIFFERENT, SAME, SKIPPED = (
    "Only in folder",
    "Only in bucket",
    "Different",
    "Same",
    "Skipped",
)
STATUSES = (ONLY_LOCAL, ONLY_BUCKET, DIFFERENT, SAME, SKIPPED)
ALL = "All"
_Index = QModelIndex | QPersistentModelIndex


def status_of(item: SyncItem) -> str:
    """The comparison's word for one row of an upload plan made with deletions."""
    if item.action is Action.UPLOAD:
        return ONLY_LOCAL if item.info is None else DIFFERENT
    if item.action in (Action.DELETE, Action.EXTRA):
        return ONLY_BUCKET
    return SAME if item.action is Action.SAME else SKIPPED


class CompareModel(HeadedTableModel):
    """Rows of (status, item), filtered by status; reset as a whole (a dialog's list)."""

    headers = ("Name", "Status", "Size", "Note")

    def __init__(self) -> None:
        super().__init__()
        self._all: list[tuple[str, SyncItem]] = []
        self._rows: list[tuple[str, SyncItem]] = []
        self._filter = ALL

    def set_plan(self, plan: SyncPlan | None) -> None:
        self._all = [(status_of(i), i) for i in plan.items] if plan else []
        self.set_filter(self._filter)

    def set_filter(self, status: str) -> None:
        self.beginResetModel()
        self._filter = status
        self._rows = [r for r in self._all if status == ALL or r[0] == status]
        self.endResetModel()

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for status, _ in self._all:
            out[status] += 1
        return out

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        status, item = self._rows[index.row()]
        return (item.rel, status, _size_cell(status, item), item.reason)[index.column()]


def _size_cell(status: str, item: SyncItem) -> str:
    """One short size; a different object shows the folder's size against the bucket's."""
    if status == DIFFERENT and item.info is not None:
        return f"{human_size(item.size)} here, {human_size(item.info.size)} in bucket"
    return human_size(item.size)


class CompareDialog(QDialog):
    """Folder chooser, Compare, the differences, and Upload / Download / Delete extras."""

    compare_requested = Signal(str)
    upload_requested = Signal()
    download_requested = Signal()
    delete_requested = Signal()

    def __init__(
        self, bucket: str, prefix: str, parent: QWidget | None = None, folder: str = ""
    ) -> None:
        super().__init__(parent)
        where = f"{bucket}/{prefix}" if prefix else bucket
        self.setWindowTitle(f"Compare {where} with a local folder")
        self._plan: SyncPlan | None = None

        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setPlaceholderText("Local folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self._compare)
        top = QHBoxLayout()
        top.addWidget(self.folder_edit, 1)
        top.addWidget(browse)
        top.addWidget(self.compare_button)

        self.filter_box = QComboBox()
        self.filter_box.currentIndexChanged.connect(
            lambda _i: self.model.set_filter(self.filter_box.currentData() or ALL)
        )
        self.status_label = value_label("Choose a folder, then Compare.")
        # What the last delete did; it stays through the compare that follows it.
        self.outcome_label = value_label("")
        self.outcome_label.setVisible(False)
        self.model = CompareModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)

        self.upload_button = QPushButton("Upload changes")
        self.download_button = QPushButton("Download changes")
        self.delete_button = QPushButton("Delete extras…")
        self.upload_button.clicked.connect(self.upload_requested)
        self.download_button.clicked.connect(self.download_requested)
        self.delete_button.clicked.connect(self.delete_requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for b in (self.upload_button, self.download_button, self.delete_button):
            b.setAutoDefault(False)
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self._update()
        fit_to_width(self, 860)

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def plan(self) -> SyncPlan | None:
        return self._plan

    def _browse(self) -> None:
        dlg = QFileDialog(self, "Folder to compare", self.folder())
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dlg.fileSelected.connect(self.folder_edit.setText)
        self.file_dialog = dlg
        dlg.open()

    def _compare(self) -> None:
        if self.folder():
            self.set_outcome("")
            self.compare_requested.emit(self.folder())

    def set_outcome(self, text: str) -> None:
        """Say what the last action did (deleted, kept, failed); empty hides it."""
        self.outcome_label.setText(text)
        self.outcome_label.setVisible(bool(text))

    def set_busy(self, text: str) -> None:
        self.status_label.setText(text)
        self._plan = None
        self.model.set_plan(None)
        self._update(busy=True)

    def set_error(self, text: str) -> None:
        self.status_label.setText(text)
        self._update()

    def set_plan(self, plan: SyncPlan) -> None:
        """Show a folder → bucket plan made with deletions."""
        self._plan = plan
        self.model.set_plan(plan)
        counts = self.model.counts()
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        self.filter_box.addItem(f"{ALL} ({len(plan.items):,})", ALL)
        for status in STATUSES:
            self.filter_box.addItem(f"{status} ({counts[status]:,})", status)
        self.filter_box.blockSignals(False)
        self.model.set_filter(ALL)
        self.status_label.setText(
            ", ".join(f"{counts[s]:,} {s.lower()}" for s in STATUSES if counts[s] or s == SAME)
        )
        self._update()

    def _update(self, busy: bool = False) -> None:
        plan = self._plan
        counts = self.model.counts()
        self.compare_button.setEnabled(not busy)
        self.upload_button.setEnabled(bool(plan) and bool(counts[ONLY_LOCAL] + counts[DIFFERENT]))
        self.download_button.setEnabled(
            bool(plan) and bool(counts[ONLY_BUCKET] + counts[DIFFERENT])
        )
        self.delete_button.setEnabled(bool(plan) and bool(counts[ONLY_BUCKET]))
