"""The Connections dialog's two sides, as passive widgets: the list of profiles (the embedded
server first, in italics) with New, Duplicate, Delete and Import below it, and the form side
(the embedded server's note or the editor, Test connection, its result, the dialog's notes).
The dialog connects them and holds the behaviour."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.profiles import Profile
from natsobj_gui.dialogs.profile_editor import ProfileEditor

PROFILE_ROLE = Qt.ItemDataRole.UserRole


def profile_of(item: QListWidgetItem) -> Profile:
    """The profile a list item shows."""
    return item.data(PROFILE_ROLE)


def _item(profile: Profile) -> QListWidgetItem:
    item = QListWidgetItem(profile.name)
    item.setData(PROFILE_ROLE, profile)
    if profile.embedded:
        font = QFont(item.font())
        font.setItalic(True)
        item.setFont(font)
        item.setToolTip("The app's own server on this computer (not editable)")
    return item


class ProfileList(QWidget):
    """Profiles by name; below them the buttons (the dialog connects them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setMinimumWidth(190)
        self.new_button = QPushButton("New")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import nats contexts…")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        for b in (self.new_button, self.duplicate_button, self.delete_button):
            row.addWidget(b)
        lay.addLayout(row)
        lay.addWidget(self.import_button)

    def fill(self, profiles: list[Profile], select_id: str = "") -> None:
        """Show `profiles` and select one by id (else the first); no signals while filling."""
        self.list.blockSignals(True)
        self.list.clear()
        for profile in profiles:
            self.list.addItem(_item(profile))
        self.list.blockSignals(False)
        ids = [profile_of(self.list.item(i)).id for i in range(self.list.count())]
        self.list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)

    def add(self, profile: Profile) -> None:
        """Add a profile at the end and select it."""
        item = _item(profile)
        self.list.addItem(item)
        self.list.setCurrentItem(item)

    def current(self) -> Profile | None:
        """The selected profile, if any."""
        item = self.list.currentItem()
        return profile_of(item) if item else None


class ProfileSide(QScrollArea):
    """The form side: the embedded server's note or the editor, the test and the notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = ProfileEditor()
        self.embedded_note = QLabel()
        self.embedded_note.setWordWrap(True)
        self.test_button = QPushButton("Test connection")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(self.embedded_note)
        lay.addWidget(self.editor)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        lay.addLayout(test_row)
        lay.addWidget(self.result)
        lay.addWidget(self.message)
        # Spare height goes below: the test button stays under the fields (or the note).
        lay.addStretch(1)
        self.setWidgetResizable(True)
        self.setWidget(inner)
