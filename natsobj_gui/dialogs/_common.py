"""Small widgets shared by the dialogs: selectable values, copy buttons, key/value tables
(and the plain many-row table setup the object table shares)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.formatting import human_size, human_time

SELECTABLE = (
    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
)
ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"


def message_icon(widget: QWidget, kind: QStyle.StandardPixmap) -> QLabel:
    """A message-box sized standard icon (warning, question…) in the style of `widget`."""
    icon = QLabel()
    style = widget.style()
    size = style.pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
    icon.setPixmap(style.standardIcon(kind).pixmap(size))
    return icon


def value_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A read-only value the user can select and copy."""
    label = QLabel(text)
    label.setTextInteractionFlags(SELECTABLE)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def value_field(text: str = "", *, mono: bool = False) -> QLineEdit:
    """A frameless read-only line for long unbroken values (names, digests) that must not widen."""
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setPlaceholderText("—")
    field.setFrame(False)
    # Look like a label, keep the line edit's scrolling and selection.
    field.setStyleSheet("QLineEdit { background: transparent; }")
    field.setCursorPosition(0)
    if mono:
        field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return field


def set_field(field: QLineEdit, text: str) -> None:
    """Replace a value field's text and show its start."""
    field.setText(text)
    field.setCursorPosition(0)


def copy_button(get_text: Callable[[], str], tooltip: str = "Copy") -> QToolButton:
    """A small button that puts get_text() on the clipboard."""
    button = QToolButton()
    button.setText("Copy")
    button.setToolTip(tooltip)
    button.setAutoRaise(True)
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(get_text()))
    return button


def with_copy(field: QLineEdit, tooltip: str = "Copy") -> tuple[QWidget, QToolButton]:
    """A value field followed by its copy button, in one row widget."""
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(field, 1)
    button = copy_button(field.text, tooltip)
    lay.addWidget(button)
    return row, button


def size_text(n: int) -> str:
    """'1,572,864 bytes (1.5 MiB)'; exact count first because it is what the server stores."""
    if n < 1024:
        return f"{n:,} bytes"
    return f"{n:,} bytes ({human_size(n)})"


def time_text(t: datetime | None) -> str:
    """Local time with the UTC time beside it, or '—' when unknown."""
    if t is None:
        return "—"
    utc = t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{human_time(t)} (local) · {utc}"


def yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


class KeyValueTable(QWidget):
    """A two-column key/value table; editable with add/remove buttons, or read-only."""

    changed = Signal()

    def __init__(
        self,
        key_title: str = "Key",
        value_title: str = "Value",
        *,
        editable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._editable = editable
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([key_title, value_title])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(0, 160)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Tab leaves the table instead of walking every cell: the dialog's tab order stays usable.
        self.table.setTabKeyNavigation(False)
        self.table.setMinimumHeight(110)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)
        self.add_button: QPushButton | None = None
        self.remove_button: QPushButton | None = None
        if editable:
            buttons = QHBoxLayout()
            self.add_button = QPushButton("Add")
            self.remove_button = QPushButton("Remove")
            for b in (self.add_button, self.remove_button):
                b.setAutoDefault(False)
                buttons.addWidget(b)
            buttons.addStretch(1)
            lay.addLayout(buttons)
            # Lambdas: clicked(bool) would otherwise land in add_row(key=...).
            self.add_button.clicked.connect(lambda: self.add_row())
            self.remove_button.clicked.connect(lambda: self.remove_selected())
            self.table.itemChanged.connect(lambda _item: self.changed.emit())
            self.table.itemSelectionChanged.connect(self._update_buttons)
            self._update_buttons()
        else:
            self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def buttons(self) -> list[QPushButton]:
        """The Add and Remove buttons (none when read-only), for tab chains."""
        return [b for b in (self.add_button, self.remove_button) if b is not None]

    def set_pairs(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Replace all rows."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for key, value in pairs:
            self._append(key, value)
        self.table.blockSignals(False)
        self._update_buttons()
        self.changed.emit()

    def pairs(self) -> list[tuple[str, str]]:
        """Every row as (key, value), stripped keys; rows with neither key nor value are dropped."""
        out: list[tuple[str, str]] = []
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text().strip() if key_item else ""
            value = value_item.text() if value_item else ""
            if key or value:
                out.append((key, value))
        return out

    def add_row(self, key: str = "", value: str = "") -> None:
        """Append a row and start editing its key."""
        self.table.blockSignals(True)
        self._append(key, value)
        self.table.blockSignals(False)
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, 0)
        if self._editable and not key:
            self.table.editItem(self.table.item(row, 0))
        self._update_buttons()
        self.changed.emit()

    def remove_selected(self) -> None:
        """Delete the selected rows (or the current one)."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)
        self._update_buttons()
        self.changed.emit()

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Set one cell's text (as an edit would)."""
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, column, item)
        item.setText(text)

    def _append(self, key: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate((key, value)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.table.setItem(row, col, item)

    def _update_buttons(self) -> None:
        if self.remove_button is not None:
            has_row = bool(self.table.selectedIndexes()) or self.table.currentRow() >= 0
            self.remove_button.setEnabled(has_row and self.table.rowCount() > 0)


def duplicate_keys(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Keys that occur more than once, in first-seen order."""
    seen: set[str] = set()
    dups: list[str] = []
    for key, _ in pairs:
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    return dups


def error_label() -> QLabel:
    """An inline, initially hidden, red message line."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_message(label: QLabel, text: str) -> None:
    """Show text in an inline message label, or hide it when text is empty."""
    label.setText(text)
    label.setVisible(bool(text))


def chain_tab_order(*widgets: QWidget) -> None:
    """Make Tab visit widgets in the given order."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def buddy(text: str, widget: QWidget) -> QLabel:
    """A form label whose mnemonic focuses widget."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def fit_to_width(dialog: QWidget, width: int) -> None:
    """Size a dialog to width and the height its word-wrapped labels need at that width."""
    lay = dialog.layout()
    dialog.ensurePolished()
    for child in dialog.findChildren(QWidget):
        child.ensurePolished()
    if lay.hasHeightForWidth():
        height = lay.totalHeightForWidth(width)
    else:
        height = lay.totalSizeHint().height()
    dialog.resize(width, max(height, lay.totalMinimumSize().height()))


def align_form_labels(*forms: QFormLayout) -> None:
    """Give the label columns of several forms one width, so stacked group boxes line up."""
    labels: list[QWidget] = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                labels.append(item.widget())
    width = max((w.sizeHint().width() for w in labels), default=0)
    for w in labels:
        w.setMinimumWidth(width)
        if isinstance(w, QLabel):
            w.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def plain_rows(table: QTableView, row_height: int) -> None:
    """No row numbers, grid or wrapping, one fixed row height: Qt then never measures the
    rows to lay out 100,000 of them."""
    table.setShowGrid(False)
    table.setWordWrap(False)
    rows = table.verticalHeader()
    rows.setVisible(False)
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(row_height)
