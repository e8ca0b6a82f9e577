"""Choose files and folders to upload and the name prefix they get in the bucket.

Usage::

    dlg = UploadDialog("documents", parent=window, prefix="reports/")
    dlg.add_paths(dropped_paths)                         # optional, e.g. from a drop
    dlg.accepted.connect(lambda: start_uploads(dlg.sources(), dlg.prefix()))
    dlg.open()
    # later, in a job (it walks folders): core.uploads.plan_uploads(sources, prefix)

A folder keeps its own name: uploading /home/me/pics with prefix "2026/" gives
"2026/pics/a.jpg", "2026/pics/sub/b.jpg". Object names always use "/".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.uploads import join_prefix
from natsobj_gui.dialogs._common import buddy, chain_tab_order, value_label

_PATH_ROLE = Qt.ItemDataRole.UserRole
_FILE_ICON = QStyle.StandardPixmap.SP_FileIcon


class UploadDialog(QDialog):
    """A list of chosen files/folders plus a target prefix; `.sources()` and `.prefix()`."""

    def __init__(self, bucket: str, parent: QWidget | None = None, prefix: str = "") -> None:
        super().__init__(parent)
        self._bucket = bucket
        self.setWindowTitle(f"Upload to {bucket}")
        self.resize(560, 420)

        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(140)
        # Long paths lose their middle, not the file name at the end.
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add_files_button = QPushButton("Add &files…")
        self.add_folder_button = QPushButton("Add f&older…")
        self.remove_button = QPushButton("&Remove")
        side = QVBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            button.setAutoDefault(False)
            side.addWidget(button)
        side.addStretch(1)
        chooser = QHBoxLayout()
        chooser.addWidget(self.list, 1)
        chooser.addLayout(side)

        self.prefix_edit = QLineEdit(prefix)
        self.prefix_edit.setPlaceholderText("none, e.g. reports/2026/")
        self.preview_label = value_label()
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(buddy("Name &prefix:", self.prefix_edit), self.prefix_edit)
        form.addRow("Names:", self.preview_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Upload")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(value_label(f"Upload into the bucket “{bucket}”:"))
        lay.addLayout(chooser, 1)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        chain_tab_order(
            self.list,
            self.add_files_button,
            self.add_folder_button,
            self.remove_button,
            self.prefix_edit,
        )

        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._update)
        self.prefix_edit.textChanged.connect(self._update)
        self.file_dialog: QFileDialog | None = None  # the picker opened last
        self._pickers: dict[QFileDialog.FileMode, QFileDialog] = {}
        self._update()

    def sources(self) -> list[Path]:
        """The chosen files and folders, in the order added."""
        return [Path(self.list.item(i).data(_PATH_ROLE)) for i in range(self.list.count())]

    def prefix(self) -> str:
        """The prefix put before every object name (as typed; may be empty)."""
        return self.prefix_edit.text()

    def bucket(self) -> str:
        """The target bucket."""
        return self._bucket

    def add_paths(self, paths: Iterable[str | Path]) -> None:
        """Add files or folders (ignores duplicates and paths that do not exist)."""
        known = set(self.sources())
        for raw in paths:
            path = Path(raw).absolute()
            if path in known or not path.exists():
                continue
            known.add(path)
            kind = (
                QStyle.StandardPixmap.SP_DirIcon
                if path.is_dir()
                else QStyle.StandardPixmap.SP_FileIcon
            )
            item = QListWidgetItem(self.style().standardIcon(kind), str(path))
            item.setData(_PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.list.addItem(item)
        self._update()

    def remove_selected(self) -> None:
        """Drop the selected entries."""
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update()

    def choose_files(self) -> None:
        """Open a (non-blocking) file picker; chosen files are added."""
        self._picker(QFileDialog.FileMode.ExistingFiles).open()

    def choose_folder(self) -> None:
        """Open a (non-blocking) folder picker; the chosen folder is added."""
        self._picker(QFileDialog.FileMode.Directory).open()

    def _picker(self, mode: QFileDialog.FileMode) -> QFileDialog:
        # One picker per mode, reused: it remembers its folder, and deleting a QFileDialog
        # on close crashed (its file-system model outlives it briefly).
        dlg = self._pickers.get(mode)
        if dlg is None:
            folders = mode == QFileDialog.FileMode.Directory
            dlg = QFileDialog(self, "Add folder" if folders else "Add files")
            dlg.setFileMode(mode)
            if folders:
                dlg.setOption(QFileDialog.Option.ShowDirsOnly, True)
                dlg.fileSelected.connect(lambda path: self.add_paths([path]))
            else:
                dlg.filesSelected.connect(self.add_paths)
            self._pickers[mode] = dlg
        self.file_dialog = dlg
        return dlg

    def _update(self) -> None:
        sources = self.sources()
        self.ok_button.setEnabled(bool(sources))
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        if not sources:
            self.preview_label.setText("—")
            return
        # Top-level names only: walking folders here would stall the UI on big trees.
        # The names the upload will really use: a prefix is a folder ("trip/day1" → "trip/day1/").
        shown = [
            join_prefix(self.prefix(), p.name + ("/…" if p.is_dir() else "")) for p in sources[:3]
        ]
        more = f" and {len(sources) - 3} more" if len(sources) > 3 else ""
        self.preview_label.setText(", ".join(shown) + more)
