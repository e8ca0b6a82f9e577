"""One place for connection trouble and failures: a non-modal banner above the views, with
Details…, and the window's error reporter.

While the server is unreachable every failure of that outage goes to this banner (never a
stack of message boxes); when the connection is back the banner says so and fades out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from natsobj_gui.core.sentences import describe_error, scrub
from natsobj_gui.dialogs import messages

STYLES = {
    "warning": "background: #fff4e0; border: 1px solid #ef8f00;",
    "error": "background: #fdecea; border: 1px solid #c62828;",
    "ok": "background: #e8f5e9; border: 1px solid #2e7d32;",
}
# How long an error stays in the status bar.
ERROR_STATUS_MS = 16000
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


def error_text(error: BaseException | str) -> str:
    """A sentence for the user: core errors are already human, others get their type name."""
    if isinstance(error, str):
        return scrub(error)
    return describe_error(error)


class ErrorReporter:
    """Failures for the user: a status-bar line plus one non-blocking box, or the banner."""

    def __init__(
        self,
        parent: QWidget,
        banner: OutageBanner,
        show_status: Callable[[str, int], None],
        offline: Callable[[], bool],
    ) -> None:
        self.parent = parent
        self.banner = banner
        self.show_status = show_status
        self.offline = offline  # connected, but the connection is down
        self.closing = False
        self.box: QMessageBox | None = None

    def report(self, title: str, error: BaseException | str) -> None:
        """Status bar line plus a non-blocking message box; never a traceback.

        While the server is unreachable, or while an error box is open, the error goes to
        the banner instead: one outage must not stack up boxes.
        """
        text = error_text(error)
        self.show_status(f"{title}: {text}", ERROR_STATUS_MS)
        if self.closing:
            return
        if self.offline() or self.box is not None:
            self.banner.show_message(f"{title}: {text}", "error")
            return
        # Opened from the event loop, never from inside the coroutine that failed.
        QTimer.singleShot(0, self.parent, lambda: self._show_box(title, text))

    def _show_box(self, title: str, text: str) -> None:
        if self.box is not None:
            self.banner.show_message(f"{title}: {text}", "error")
            return
        # The title again in the text: without a window manager (or in a small title bar) it
        # is the only part that says what failed.
        box = self.box = messages.show_error(self.parent, title, f"{title}: {text}")
        box.finished.connect(lambda _code: setattr(self, "box", None))
