"""Ask what to do when an upload would replace an existing object.

Usage::

    dlg = OverwriteDialog(name, existing_info, new_size, parent=window)

    def done(_code: int) -> None:
        choice, for_all = dlg.choice(), dlg.apply_to_all()
        ...  # OverwriteChoice.REPLACE / SKIP / CANCEL (Esc and closing the window = CANCEL)

    dlg.finished.connect(done)
    dlg.open()

Skip is the default button: Enter never destroys the existing version.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
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
    SKIP = "skip"
    CANCEL = "cancel"


class OverwriteDialog(QDialog):
    """Replace / Skip / Cancel all, with an "Apply to all" checkbox."""

    def __init__(
        self,
        name: str,
        existing: ObjectInfo,
        new_size: int,
        parent: QWidget | None = None,
        *,
        remaining: int | None = None,
    ) -> None:
        """remaining: conflicts still to come; 0 hides "Apply to all", None shows it plainly."""
        super().__init__(parent)
        self._choice = OverwriteChoice.CANCEL
        self.setWindowTitle("Replace object?")

        icon = message_icon(self, QStyle.StandardPixmap.SP_MessageBoxQuestion)
        self.message_label = value_label(
            f"An object named “{name}” already exists in “{existing.bucket}”. Replace it?"
        )
        self.existing_label = value_label(
            f"{size_text(existing.size)}, modified {human_time(existing.modified) or '—'}"
        )
        self.new_label = value_label(size_text(new_size))
        details = QFormLayout()
        details.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        details.addRow("Existing:", self.existing_label)
        details.addRow("New:", self.new_label)
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
        self.skip_button = QPushButton("&Skip")
        self.cancel_button = QPushButton("Cancel all")
        self.buttons.addButton(self.replace_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.replace_button, self.cancel_button):
            button.setAutoDefault(False)
        self.skip_button.setDefault(True)
        self.replace_button.clicked.connect(lambda: self._answer(OverwriteChoice.REPLACE))
        self.skip_button.clicked.connect(lambda: self._answer(OverwriteChoice.SKIP))
        self.cancel_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.apply_all_check)
        lay.addWidget(self.buttons)
        self.skip_button.setFocus()
        fit_to_width(self, 500)

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
