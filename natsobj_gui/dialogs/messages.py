"""Non-blocking message boxes (errors, information, a callback-based confirmation) and
`open_dialog` for any other dialog.

Usage::

    show_error(window, "Upload failed", str(exc))          # returns at once
    show_info(window, "Bucket sealed", "documents is now read-only.")
    ask(window, "Discard changes?", "Close without saving?", on_yes=self.close)

Every box is opened with ``open()`` (never ``exec()``, which would re-enter the event loop
under qasync) and deletes itself when closed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

# Parentless boxes are owned by Python: keep them referenced until they close, or the
# garbage collector would delete them while on screen.
_orphans: set[QMessageBox] = set()


def _open(box: QMessageBox) -> QMessageBox:
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextFormat(Qt.TextFormat.PlainText)  # server messages may contain '<'
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if box.parent() is None:
        _orphans.add(box)
        box.finished.connect(lambda _code: _orphans.discard(box))
    box.open()
    return box


def _box(
    icon: QMessageBox.Icon, parent: QWidget | None, title: str, message: str, details: str
) -> QMessageBox:
    box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    return box


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """Show an error without blocking; returns the (self-deleting) box."""
    return _open(_box(QMessageBox.Icon.Critical, parent, title, message, details))


def show_info(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """Show information without blocking; returns the (self-deleting) box."""
    return _open(_box(QMessageBox.Icon.Information, parent, title, message, details))


def show_warning(
    parent: QWidget | None, title: str, message: str, details: str = ""
) -> QMessageBox:
    """Show a warning without blocking; returns the (self-deleting) box."""
    return _open(_box(QMessageBox.Icon.Warning, parent, title, message, details))


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    on_yes: Callable[[], object],
    *,
    on_no: Callable[[], object] | None = None,
    yes_text: str = "Yes",
    no_text: str = "No",
    default_yes: bool = False,
) -> QMessageBox:
    """Ask a yes/no question; on_yes runs after a Yes, on_no after No, Esc or closing."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.YesRole)
    no = box.addButton(no_text, QMessageBox.ButtonRole.NoRole)
    box.setEscapeButton(no)
    box.setDefaultButton(yes if default_yes else no)

    def finished(_code: int) -> None:
        if box.clickedButton() is yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(finished)
    return _open(box)


def open_dialog(dialog: QDialog, on_accept: Callable[[], object] | None = None) -> QDialog:
    """Show a dialog without blocking (never exec()); it deletes itself when closed."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_accept is not None:
        dialog.accepted.connect(lambda: on_accept())
    dialog.open()
    return dialog
