"""A bucket's orphaned chunk sets (chunks no object refers to) and a Clean button.

Passive like the other dialogs: the caller runs the scan and the cleanup as jobs.

Usage::

    dlg = OrphansDialog("documents", parent=window)
    dlg.rescan_requested.connect(start_scan)        # job: dlg.set_scanning(); dlg.set_report(r)
    dlg.clean_requested.connect(start_clean)        # after the user confirmed; arg: the report
    dlg.open()                                      # the clean job: dlg.set_cleaned(result)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.orphans import CleanResult, OrphanReport, OrphanSet
from natsobj_gui.dialogs import messages
from natsobj_gui.dialogs._common import ERROR_STYLE, OK_STYLE, size_text, value_label
from natsobj_gui.formatting import count_text, human_duration, human_size, human_time

COLUMNS = ("NUID", "Chunks", "Size", "Newest chunk", "Note")
COL_NUID, COL_CHUNKS, COL_SIZE, COL_AGE, COL_NOTE = range(len(COLUMNS))


def age_text(orphan: OrphanSet, report: OrphanReport) -> str:
    """'5m00s ago', or '—' when it could not be measured."""
    age = orphan.age(report.scanned_at)
    return "—" if age is None else f"{human_duration(age)} ago"


def summary_text(report: OrphanReport) -> str:
    """One sentence on what the scan found and what Clean would free."""
    if not report.orphans:
        return f"No orphaned chunks in {report.bucket}: every chunk belongs to an object."
    found = (
        f"{count_text(len(report.orphans), 'orphaned chunk set')} "
        f"({count_text(report.chunks, 'chunk')}, {human_size(report.size)})."
    )
    kept = len(report.orphans) - len(report.purgeable)
    if not report.purgeable:
        return f"{found} None can be cleaned now: see the notes."
    clean = f"Clean frees {human_size(report.purgeable_size)}"
    return f"{found} {clean}" + (f"; {kept:,} kept (see the notes)." if kept else ".")


class OrphansDialog(QDialog):
    """The scan's chunk sets in a table; sets in the grace period are marked and kept."""

    rescan_requested = Signal()
    clean_requested = Signal(object)  # the OrphanReport whose purgeable sets to purge

    def __init__(self, bucket: str, parent: QWidget | None = None, *, writable: bool = True):
        super().__init__(parent)
        self._bucket = bucket
        self._writable = writable
        self._report: OrphanReport | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle(f"Orphaned chunks in {bucket}")
        self.resize(720, 420)

        self.summary_label = value_label("Scanning…")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NOTE, QHeaderView.ResizeMode.Stretch)
        self.status_label = value_label()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.rescan_button = QPushButton("Scan Again")
        self.clean_button = QPushButton("Clean…")
        self.buttons.addButton(self.rescan_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.clean_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.clean_button.setAutoDefault(False)
        self.rescan_button.clicked.connect(self.rescan_requested)
        self.clean_button.clicked.connect(self.confirm_clean)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status_label)
        lay.addWidget(self.buttons)
        self.set_scanning()

    def bucket(self) -> str:
        return self._bucket

    def report(self) -> OrphanReport | None:
        """The last scan shown."""
        return self._report

    def set_scanning(self) -> None:
        """A scan is running: no cleaning from a stale list meanwhile."""
        self.summary_label.setText(f"Scanning {self._bucket} for orphaned chunks…")
        self.rescan_button.setEnabled(False)
        self.clean_button.setEnabled(False)

    def set_error(self, message: str) -> None:
        """The scan or the cleanup failed; a new scan may be tried."""
        self._show_status(message, ERROR_STYLE)
        self.rescan_button.setEnabled(True)
        self.clean_button.setEnabled(False)

    def set_report(self, report: OrphanReport) -> None:
        """Show a finished scan."""
        self._report = report
        self.summary_label.setText(summary_text(report))
        self.table.setRowCount(len(report.orphans))
        muted = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for row, orphan in enumerate(report.orphans):
            size = "—" if orphan.size is None else human_size(orphan.size)
            cells = (
                orphan.nuid,
                f"{orphan.chunks:,}",
                size,
                age_text(orphan, report),
                orphan.describe(),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (COL_CHUNKS, COL_SIZE, COL_AGE):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == COL_SIZE and orphan.size is not None:
                    item.setToolTip(size_text(orphan.size))
                if not orphan.purgeable:  # kept sets (recent, unsafe) are marked, greyed
                    item.setForeground(muted)
                self.table.setItem(row, col, item)
        self.rescan_button.setEnabled(True)
        self.clean_button.setEnabled(self._writable and bool(report.purgeable))
        if not self._writable and report.purgeable:
            self.clean_button.setToolTip("The bucket is sealed: nothing can be removed from it")
        self.table.setToolTip(f"Scanned {human_time(report.scanned_at)}")
        if self.status_label.styleSheet() == ERROR_STYLE:
            self._show_status("", "")  # the error was about an earlier attempt

    def confirm_clean(self) -> None:
        """Ask, naming the bytes to be freed; emits clean_requested after a yes."""
        report = self._report
        if report is None or not report.purgeable:
            return
        sets = count_text(len(report.purgeable), "chunk set")
        text = (
            f"Permanently remove {sets} from {self._bucket}, freeing "
            f"{size_text(report.purgeable_size)}?\n\nNo object refers to these chunks; "
            "sets that may be uploads in progress are kept."
        )

        def yes() -> None:
            self.set_scanning()
            self.summary_label.setText(f"Cleaning {sets}…")
            self.clean_requested.emit(report)

        self.confirm_box = messages.ask(
            self, "Clean orphaned chunks", text, yes, yes_text="Clean", no_text="Cancel"
        )

    def set_cleaned(self, result: CleanResult) -> None:
        """Report what the cleanup freed; a new scan follows."""
        text = (
            f"Freed {human_size(result.size)} ({count_text(len(result.purged), 'chunk set')}, "
            f"{count_text(result.chunks, 'chunk')})."
        )
        kept = [o for o, why in result.skipped if why.startswith("an object refers")]
        if kept:
            text += f" {count_text(len(kept), 'set')} kept: an object refers to it now."
        self._show_status(text, OK_STYLE)

    def _show_status(self, text: str, style: str) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
