"""What the user is told when transfers end, and the retry of what an outage broke.

A finished download gets a status line (unless its owner reports it: Open, drag-out); a
failure gets a status line plus one box for the failures of the same moment, or, during an
outage, the banner, and the transfer is queued again once the connection is back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from natsobj_gui.core.transfers import Transfer, TransferQueue, TransferState
from natsobj_gui.dialogs import messages
from natsobj_gui.formatting import count_text
from natsobj_gui.qt_compat import is_alive
from natsobj_gui.views.ops_host import is_online

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from natsobj_gui.views.ops_host import Session
    from natsobj_gui.views.outage import ErrorReporter

AUTO_RETRY_KEY = "transfers/retry_after_reconnect"
# Automatic retries of one transfer at most: a server that drops every time needs a person.
MAX_AUTO_RETRIES = 3


class TransferOutcomes:
    """Follows one queue: reports finished downloads and failures, retries dropped ones."""

    def __init__(
        self,
        queue: TransferQueue,
        *,
        session: Session,
        errors: ErrorReporter,
        settings: QSettings,
        parent: QWidget,
        refresh_status: Callable[[str], None],
    ) -> None:
        self.queue = queue
        self.session = session  # whether the connection is up
        self.errors = errors
        self.settings = settings
        self.parent = parent  # of the box and timers
        # A bucket's status again after a failed upload: sealed or full since?
        self.refresh_status = refresh_status
        queue.subscribe(on_change=self.changed, on_added=self.changed)
        self._error_box: QMessageBox | None = None
        self._failures: list[str] = []  # reported in the next error box
        # Downloads whose owner reports them itself (the session cache: Open, drag-out).
        self.is_quiet: Callable[[Transfer], bool] = lambda t: False
        self._box_pending = False
        self._auto_retries: dict[int, int] = {}
        self.auto_retry_action = QAction("Retry Transfers When Reconnected", parent)
        self.auto_retry_action.setCheckable(True)
        self.auto_retry_action.setChecked(self.auto_retry())
        self.auto_retry_action.setToolTip(
            "Transfers that failed because the connection dropped start again once it is back"
        )
        self.auto_retry_action.toggled.connect(
            lambda on: self.settings.setValue(AUTO_RETRY_KEY, bool(on))
        )

    def auto_retry(self) -> bool:
        """Whether transfers the lost connection broke are retried when it is back."""
        value = self.settings.value(AUTO_RETRY_KEY, True)
        return value not in (False, "false", "0", 0)

    def retry_dropped(self) -> int:
        """Queue again the transfers that failed because the connection dropped."""
        if not self.auto_retry():
            return 0
        n = 0
        for t in self.queue.transfers():
            tries = self._auto_retries.get(t.id, 0)
            if t.state is TransferState.FAILED and t.dropped and tries < MAX_AUTO_RETRIES:
                self._auto_retries[t.id] = tries + 1
                n += self.queue.retry(t.id)
        if n:
            self.errors.show_status(
                f"Retrying {count_text(n, 'transfer')} the lost connection broke", 0
            )
        return n

    def changed(self, t: Transfer) -> None:
        """A transfer changed: say what a finished download or a failure means."""
        if t.state is TransferState.FAILED:
            self._failed(t)
        elif t.state is TransferState.DONE and not t.is_upload and not self.is_quiet(t):
            self.errors.show_status(f"Downloaded {t.name} to {t.local_path}", 8000)

    def _failed(self, t: Transfer) -> None:
        verb = "Upload" if t.is_upload else "Download"
        if t.is_upload:
            # Sealed or full since we last looked? The actions should know.
            self.refresh_status(t.bucket)
        self.errors.show_status(f"{verb} of {t.name} failed: {t.error}", 10000)
        if t.dropped or not is_online(self.session.client):
            # Part of an outage: the banner, not a box; retried when the connection is back.
            later = " It will be retried once the connection is back." if self.auto_retry() else ""
            self.errors.banner.show_message(
                f"{verb} of “{t.name}” failed: {t.error}.{later}", "error"
            )
            if is_online(self.session.client):  # back already: nothing else will trigger the retry
                QTimer.singleShot(1000, self.parent, self.retry_dropped)
            return
        box_open = self._error_box is not None and is_alive(self._error_box)
        if box_open or not self.parent.isVisible():
            return  # one box at a time: the status bar and the panel show the rest
        self._failures.append(f"{verb} of “{t.name}” failed: {t.error}")
        if self._box_pending:
            return  # failures of the same moment (a folder upload) share one box
        self._box_pending = True
        # Opened from the event loop, outside the queue's task that reported the failure.
        QTimer.singleShot(0, self.parent, self._show_failures)

    def _show_failures(self) -> None:
        self._box_pending = False
        failures, self._failures = self._failures, []
        if not failures or not is_alive(self.parent):
            return
        title = "Transfer failed" if len(failures) == 1 else f"{len(failures)} transfers failed"
        text = (
            failures[0] if len(failures) == 1 else f"{failures[0]}\n(and {len(failures) - 1} more)"
        )
        self._error_box = messages.show_error(self.parent, title, text, details="\n".join(failures))
