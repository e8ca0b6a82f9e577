"""Ask what to do when an upload would replace an existing object.

Usage::

    dlg = OverwriteDialog(name, existing_info, new_size, parent=window,
                          new_modified=mtime, remaining=2, total=3)

    def done(_code: int) -> None:
        choice, for_all = dlg.choice(), dlg.apply_to_all()
        ...  # REPLACE / KEEP_BOTH / SKIP / CANCEL (Esc and closing the window = CANCEL)

    dlg.finished.connect(done)
    dlg.open()

Skip is the default button: Enter never destroys the existing version.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.dialogs._common import fit_to_width, message_icon, size_text, value_label
from natsobj_gui.formatting import human_time


class OverwriteChoice(Enum):
    REPLACE = "replace"
    KEEP_BOTH = "keep"  # store the new one under a numbered name
    SKIP = "skip"
    CANCEL = "cancel"


def no_break(name: str) -> str:
    """A name that word wrap never breaks at its hyphens (non-breaking hyphens)."""
    return name.replace("-", "\u2011")


class OverwriteDialog(QDialog):
    """Replace / Keep both / Skip / Cancel all, with "Apply to all" when more conflicts come."""

    def __init__(
        self,
        name: str,
        existing: ObjectInfo,
        new_size: int,
        parent: QWidget | None = None,
        *,
        remaining: int | None = None,
        total: int | None = None,
        new_modified: datetime | None = None,
    ) -> None:
        """remaining: conflicts still to come (0 hides "Apply to all"); total: conflicts of the
        whole upload, said in the message when more than one."""
        super().__init__(parent)
        self._choice = OverwriteChoice.CANCEL
        self.setWindowTitle("Replace object?")

        icon = message_icon(self, QStyle.StandardPixmap.SP_MessageBoxQuestion)
        where = f"An object named “{no_break(name)}” already exists in “{existing.bucket}”."
        if total is not None and total > 1:
            done = total - (remaining or 0)
            where += f" {total} of the files to upload already exist: this is {done} of {total}."
        self.message_label = value_label(f"{where} Replace it?")
        # Side by side: what is being uploaded and what the bucket holds.
        self.new_label = value_label(size_text(new_size))
        self.existing_label = value_label(size_text(existing.size))
        self.new_time_label = value_label(human_time(new_modified) or "—")
        self.existing_time_label = value_label(human_time(existing.modified) or "—")
        details = QGridLayout()
        details.setHorizontalSpacing(16)
        for col, head in ((1, "Uploading"), (2, "In the bucket")):
            header = QLabel(head)
            header.setStyleSheet("font-weight: bold;")
            details.addWidget(header, 0, col)
        details.addWidget(QLabel("Size:"), 1, 0, Qt.AlignmentFlag.AlignRight)
        details.addWidget(self.new_label, 1, 1)
        details.addWidget(self.existing_label, 1, 2)
        details.addWidget(QLabel("Modified:"), 2, 0, Qt.AlignmentFlag.AlignRight)
        details.addWidget(self.new_time_label, 2, 1)
        details.addWidget(self.existing_time_label, 2, 2)
        details.setColumnStretch(1, 1)
        details.setColumnStretch(2, 1)
        text = QVBoxLayout()
        text.addWidget(self.message_label)
        text.addLayout(details)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text, 1)

        label = "Apply to all" if not remaining else f"Apply to all {remaining + 1} conflicts"
        self.apply_all_check = QCheckBox(label)
        self.apply_all_check.setVisible(remaining != 0)

        self.buttons = QDialogButtonBox()
        self.replace_button = QPushButton("&Replace")
        self.keep_button = QPushButton("Keep &Both")
        self.keep_button.setToolTip("Upload the new one under a numbered name, as “name (2).ext”")
        self.skip_button = QPushButton("&Skip")
        self.cancel_button = QPushButton("Cancel all")
        self.buttons.addButton(self.replace_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.replace_button, self.keep_button, self.cancel_button):
            button.setAutoDefault(False)
        self.skip_button.setDefault(True)
        self.replace_button.clicked.connect(lambda: self._answer(OverwriteChoice.REPLACE))
        self.keep_button.clicked.connect(lambda: self._answer(OverwriteChoice.KEEP_BOTH))
        self.skip_button.clicked.connect(lambda: self._answer(OverwriteChoice.SKIP))
        self.cancel_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.apply_all_check)
        lay.addWidget(self.buttons)
        self.skip_button.setFocus()
        fit_to_width(self, 540)

    def choice(self) -> OverwriteChoice:
        """The user's answer; CANCEL until a button was pressed or after Esc."""
        return self._choice

    def apply_to_all(self) -> bool:
        """Whether the answer holds for every later conflict of the same batch."""
        # isHidden, not isVisible: callers ask after the dialog closed.
        return not self.apply_all_check.isHidden() and self.apply_all_check.isChecked()

    def reject(self) -> None:
        """Esc, Cancel all, or closing the window: cancel the whole batch."""
        self._choice = OverwriteChoice.CANCEL
        super().reject()

    def _answer(self, choice: OverwriteChoice) -> None:
        self._choice = choice
        self.accept()
