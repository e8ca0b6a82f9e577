"""Help → About (versions of the app, its libraries and the server) and the shortcut list."""

from __future__ import annotations

import importlib.metadata
import platform
from collections.abc import Iterable
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui import __version__
from natsobj_gui.dialogs._common import value_label

APP_NAME = "NATS Object Browser"
# Keys the table handles itself (no QAction to read them from).
TABLE_KEYS = (
    ("Enter, double click", "Open the object (or enter the folder)"),
    ("Backspace", "Up one folder"),
    ("Slow second click", "Rename in place"),
    ("Escape", "Cancel renaming"),
    ("Drag to the file manager", "Copy objects and folders out"),
)


def package_version(dist: str) -> str:
    """An installed distribution's version, "unknown" when it cannot be read."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def about_rows(server_info: dict[str, Any] | None, url: str = "") -> list[tuple[str, str]]:
    """(label, value) pairs for the About box; the server's when connected."""
    rows = [
        ("Version", __version__),
        ("nats-py", package_version("nats-py")),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        ("qasync", package_version("qasync")),
        ("Python", f"{platform.python_version()} on {platform.system()} {platform.machine()}"),
    ]
    if server_info is None:
        rows.append(("Server", "Not connected"))
        return rows
    version = str(server_info.get("version") or "unknown")
    name = str(server_info.get("server_name") or "")
    if name == server_info.get("server_id"):
        name = ""  # an unnamed server reports its 56-character id: no help to a reader
    rows.append(("Server", f"nats-server {version}" + (f" ({name})" if name else "")))
    if url:
        rows.append(("Connected to", url))
    return rows


class AboutDialog(QDialog):
    """Versions, selectable and copyable for a bug report."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.rows = rows
        title = QLabel(APP_NAME)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        blurb = QLabel("Browse, upload and download objects in NATS JetStream object stores.")
        blurb.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in rows:
            self.values[label] = value_label(value)
            form.addRow(f"{label}:", self.values[label])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy Versions")
        copy.setToolTip("Copy these lines, for a bug report")
        copy.clicked.connect(self.copy)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.rows)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action with a shortcut, then the table's own keys."""
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, str]] = []
    for act in actions:
        if isinstance(act.parent(), QMenu):
            continue  # a context menu's own entry, not a command of the window
        keys = ", ".join(
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()
        )
        what = act.text().replace("&", "").rstrip("…").strip()
        if not keys or not what or (keys, what) in seen:
            continue
        seen.add((keys, what))
        rows.append((keys, what))
    rows.sort(key=lambda r: r[1].casefold())
    return rows + list(TABLE_KEYS)


class ShortcutsDialog(QDialog):
    """Help → Keyboard Shortcuts: a two-column list."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def rows(self) -> list[tuple[str, str]]:
        """What the table lists (tests read it)."""
        t = self.table
        return [(t.item(r, 0).text(), t.item(r, 1).text()) for r in range(t.rowCount())]
