"""Rename an object and edit its description, headers and metadata.

Usage::

    dlg = MetaDialog(info, parent=window)
    dlg.accepted.connect(lambda: start_job(store.update_meta(info.name, dlg.meta())))
    dlg.open()

Headers are a key/value table where a key repeated on several rows becomes a list of values
(`{"X-Tag": ["a", "b"]}`), the shape NATS headers have.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.errors import ObjectStoreError
from natsobj_gui.core.types import ObjectInfo, ObjectMeta
from natsobj_gui.core.wire import meta_subject
from natsobj_gui.dialogs._common import (
    KeyValueTable,
    buddy,
    chain_tab_order,
    duplicate_keys,
    error_label,
    show_message,
)

# Header names travel in the NATS/1.0 header block: no spaces, colons or control characters.
_HEADER_NAME_RE = re.compile(r"^[!-9;-~]+$")


def object_name_error(bucket: str, name: str) -> str:
    """Why name cannot be an object name, or ''."""
    if not name:
        return "An object needs a name."
    try:
        meta_subject(bucket or "b", name)
    except ObjectStoreError as exc:
        return str(exc)[:1].upper() + str(exc)[1:] + "."
    return ""


def group_headers(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Key/value rows to headers: a repeated key collects its values in row order."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


class MetaDialog(QDialog):
    """Edits an ObjectMeta; OK stays disabled while the input is invalid, with the reason shown."""

    def __init__(self, info: ObjectInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = info
        self.setWindowTitle(f"Edit {info.name}")
        self.resize(560, 560)

        self.name_edit = QLineEdit(info.name)
        self.description_edit = QPlainTextEdit(info.description)
        self.description_edit.setTabChangesFocus(True)
        lines = QFontMetrics(self.description_edit.font()).lineSpacing()
        self.description_edit.setFixedHeight(lines * 3 + 12)
        self.headers_table = KeyValueTable("Header", "Value")
        self.headers_table.set_pairs((k, v) for k, vs in info.headers.items() for v in vs)
        self.headers_table.table.setToolTip(
            "Repeat a header name on several rows to give it several values."
        )
        self.metadata_table = KeyValueTable("Key", "Value")
        self.metadata_table.set_pairs(info.metadata.items())
        self.error = error_label()

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(buddy("&Name:", self.name_edit), self.name_edit)
        form.addRow(buddy("&Description:", self.description_edit), self.description_edit)
        form.addRow(buddy("&Headers:", self.headers_table.table), self.headers_table)
        form.addRow(buddy("&Metadata:", self.metadata_table.table), self.metadata_table)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        chain_tab_order(
            self.name_edit,
            self.description_edit,
            self.headers_table.table,
            *self.headers_table.buttons(),
            self.metadata_table.table,
            *self.metadata_table.buttons(),
        )
        self.name_edit.textChanged.connect(self._validate)
        self.headers_table.changed.connect(self._validate)
        self.metadata_table.changed.connect(self._validate)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self._validate()

    def meta(self) -> ObjectMeta:
        """The edited name, description, headers and metadata."""
        return ObjectMeta(
            name=self.name_edit.text(),
            description=self.description_edit.toPlainText(),
            headers=group_headers(self.headers_table.pairs()),
            metadata=dict(self.metadata_table.pairs()),
        )

    def original(self) -> ObjectInfo:
        """The object being edited (its name is the one to update)."""
        return self._info

    def renamed(self) -> bool:
        """Whether the name changed."""
        return self.name_edit.text() != self._info.name

    def problems(self) -> list[str]:
        """Everything that keeps OK disabled, as sentences."""
        out = []
        if error := object_name_error(self._info.bucket, self.name_edit.text()):
            out.append(error)
        headers = self.headers_table.pairs()
        if any(not k for k, _ in headers):
            out.append("Every header value needs a header name.")
        elif bad := [k for k, _ in headers if not _HEADER_NAME_RE.match(k)]:
            out.append("Header names cannot contain spaces or “:”: " + ", ".join(bad))
        metadata = self.metadata_table.pairs()
        if any(not k for k, _ in metadata):
            out.append("Every metadata value needs a key.")
        if dups := duplicate_keys(metadata):
            out.append("Duplicate metadata keys: " + ", ".join(dups))
        return out

    def accept(self) -> None:
        """Accept only valid input (Enter cannot bypass validation)."""
        if not self.problems():
            super().accept()

    def _validate(self) -> None:
        problems = self.problems()
        show_message(self.error, "\n".join(problems))
        self.ok_button.setEnabled(not problems)
