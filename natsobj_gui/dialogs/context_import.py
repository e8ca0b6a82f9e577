"""Choose which `nats` CLI contexts to import as connection profiles."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core import contexts


def _describe(name: str) -> str:
    """'name — url (description)' from a context file; the name alone if unreadable."""
    try:
        data = contexts.context_settings(name)
    except contexts.ContextError:
        return name
    url = str(data.get("url") or data.get("nsc") or contexts.DEFAULT_URL)
    # Only the host part: a context URL may carry user:password@.
    url = url.split("@", 1)[-1] if "@" in url else url
    desc = str(data.get("description") or "")
    return f"{name} — {url}" + (f" ({desc})" if desc else "")


class ContextImportDialog(QDialog):
    """A checkable list of the saved contexts; `chosen(names)` on OK."""

    chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import nats contexts")
        names = contexts.list_contexts()
        selected = contexts.selected_context()
        self.list = QListWidget()
        for name in names:
            label = _describe(name) + ("  [selected]" if name == selected else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        where = QLabel(
            f"Contexts in {contexts.context_dir()}"
            if names
            else f"No nats contexts found in {contexts.context_dir()}."
        )
        where.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(names))
        lay = QVBoxLayout(self)
        lay.addWidget(where)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(520, 320)

    def names(self) -> list[str]:
        """The checked context names."""
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def _accept(self) -> None:
        self.chosen.emit(self.names())
        self.accept()
