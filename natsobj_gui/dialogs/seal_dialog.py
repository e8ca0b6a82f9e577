"""Confirm sealing a bucket, which cannot be undone.

Usage::

    dlg = SealDialog("documents", parent=window)
    dlg.accepted.connect(lambda: start_seal_job("documents"))
    dlg.open()
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.dialogs._common import fit_to_width, message_icon, value_label


class SealDialog(QDialog):
    """Seal / Cancel, with Cancel the default: sealing makes the bucket read-only for good."""

    def __init__(self, bucket: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bucket = bucket
        self.setWindowTitle(f"Seal bucket {bucket}")

        icon = message_icon(self, QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.message_label = value_label(
            f"Seal the bucket “{bucket}”?\n\n"
            "A sealed bucket is read-only: no object can be added, replaced, renamed or "
            "deleted, and no more data expires from it. Sealing cannot be undone; "
            "only deleting the whole bucket remains possible."
        )
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.message_label, 1)

        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.seal_button = QPushButton("Seal")
        self.buttons.addButton(self.seal_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.seal_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.buttons)
        self.cancel_button.setFocus()
        fit_to_width(self, 460)

    def bucket(self) -> str:
        """The bucket to seal."""
        return self._bucket
