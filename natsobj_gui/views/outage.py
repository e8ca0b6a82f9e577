"""One place for connection trouble: a non-modal banner above the views, with Details…

While the server is unreachable every failure of that outage goes to this banner (never a
stack of message boxes); when the connection is back the banner says so and fades out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from natsobj_gui.dialogs import messages

STYLES = {
    "warning": "background: #fff4e0; border: 1px solid #ef8f00;",
    "error": "background: #fdecea; border: 1px solid #c62828;",
    "ok": "background: #e8f5e9; border: 1px solid #2e7d32;",
}
# How long "Connected again" stays up.
BACK_MS = 6000
# Lines of history kept for Details….
HISTORY = 30


class OutageBanner(QFrame):
    """A one-line message with Details… (what happened, in order) and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outageBanner")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…")
        self.details_button.clicked.connect(self.show_details)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Hide this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.clear)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.details_button)
        lay.addWidget(close)
        self.history: list[str] = []
        self.kind = "warning"
        self._state = ""
        self._errors: list[str] = []
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(self.clear)
        self.hide()

    def show_message(self, text: str, kind: str = "warning", detail: str = "") -> None:
        """Show `text`: a state ("warning", "ok") replaces the last one; an "error" is added
        below it (the latest one, with how many more). Details… lists `detail` or `text`."""
        self._fade.stop()
        if kind == "error":
            self._errors.append(text)
        else:
            self._state = text
        shown = "error" if kind == "error" or (self._errors and kind != "ok") else kind
        self.kind = shown
        self.setStyleSheet(f"#outageBanner {{ {STYLES[shown]} }} QLabel {{ border: none; }}")
        lines = [self._state] if self._state else []
        if self._errors:
            more = len(self._errors) - 1
            lines.append(self._errors[-1] + (f" (and {more} more: see Details…)" if more else ""))
        self.text.setText("\n".join(lines))
        line = detail or text
        if not self.history or self.history[-1] != line:
            self.history.append(line)
            del self.history[:-HISTORY]
        self.details_button.setVisible(bool(self.history))
        self.show()

    def clear(self) -> None:
        """Forget the current state and errors, and hide."""
        self._state = ""
        self._errors.clear()
        self.hide()

    def resolve(self, text: str) -> None:
        """The trouble is over: say so, then hide after a few seconds."""
        self._errors.clear()
        self.show_message(text, "ok")
        self._fade.start(BACK_MS)

    def show_details(self) -> None:
        messages.show_info(self.window(), "Connection details", "\n".join(self.history))
