"""The transfers pane: a tree over TransferModel (a folder transfer is one row that expands
to its files) with painted progress bars and controls.

Usage::

    panel = TransferPanel(queue)        # a TransferQueue is all it needs
    dock.setWidget(panel)
    panel.cancel_selected(); panel.retry_failed(); panel.clear_finished()

Buttons and the context menu: cancel (selected), cancel all, retry (selected / failed),
resume (what the last session left unfinished), clear finished, show in folder; a spin
box sets how many transfers run at once. Rows are painted by ProgressDelegate (a
QStyleOptionProgressBar per row), not a widget per row.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QUrl,
)
from PySide6.QtGui import QAction, QDesktopServices, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.transfers import ACTIVE, FINISHED, Transfer, TransferQueue, TransferState
from ..dialogs import messages
from ..icons import icon
from ..models.transfer_model import (
    COL_NAME,
    COL_PROGRESS,
    COL_SIZE,
    COL_STATE,
    CaptionRole,
    GroupRole,
    ProgressRole,
    TransferModel,
    TransferRole,
    caption,
)
from ..progress_bridge import DEFAULT_INTERVAL, Throttle
from .empty_hint import EmptyHintMixin

Index = QModelIndex | QPersistentModelIndex
MAX_PARALLEL = 16


class ProgressDelegate(QStyledItemDelegate):
    """Paints a transfer's progress bar with its percentage (the State column says the rest).

    The caption is drawn here, not by the style: some styles put it beside the bar or leave
    it out, and one colour cannot be read over both the filled and the empty part. The part
    over the fill uses the highlighted-text colour, the rest the normal text colour.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        t: Transfer | None = index.data(TransferRole)
        group = index.data(GroupRole)
        if t is None and group is None:
            super().paint(painter, option, index)
            return
        state = t.state if t is not None else group.summary().state
        value, maximum = index.data(ProgressRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 2, -2, -2)
        bar.minimum, bar.maximum, bar.progress = 0, maximum, value
        bar.textVisible = False
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        stopped = state in (TransferState.FAILED, TransferState.CANCELLED)
        if stopped:
            bar.state &= ~QStyle.StateFlag.State_Enabled  # greyed: it stopped
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
        groove = style.subElementRect(QStyle.SubElement.SE_ProgressBarGroove, bar, option.widget)
        fill = groove.adjusted(0, 0, 0, 0)
        fill.setWidth(int(groove.width() * value / maximum) if maximum else 0)
        group = QPalette.ColorGroup.Disabled if stopped else QPalette.ColorGroup.Active
        palette = option.palette
        text = index.data(CaptionRole) or ""
        painter.save()
        for part, role in (
            (fill, QPalette.ColorRole.HighlightedText),
            (QRect(fill.right() + 1, groove.top(), groove.width(), groove.height()), None),
        ):
            painter.setClipRect(part)
            color = palette.color(group, role or QPalette.ColorRole.Text)
            painter.setPen(color)
            painter.drawText(groove, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    @staticmethod
    def text(t: Transfer) -> str:
        """The bar's caption: the percentage ('queued' before it starts)."""
        return caption(t)


class TransferTable(EmptyHintMixin, QTreeView):
    """The transfer rows; says what it is for while it has none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = "Uploads and downloads show here with their progress."


RETRY_TIP = "Queue every failed transfer again"


class TransferPanel(QWidget):
    """Transfers table, buttons, context menu and the concurrency setting."""

    def __init__(
        self,
        queue: TransferQueue,
        parent: QWidget | None = None,
        *,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.model = TransferModel(queue, self, interval=interval)
        # Replaceable so tests do not launch a file manager.
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl

        self.view = TransferTable(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Compact rows of one height: more transfers in the same panel height.
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setWordWrap(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_STATE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_PROGRESS, 160)
        # "51 MiB / 305 MiB" and a folder's "3 running, 5 queued" read whole by default.
        header.resizeSection(COL_SIZE, 140)
        header.resizeSection(COL_STATE, 150)

        self.cancel_button = self._button("Cancel", "cancel", self.cancel_selected)
        self.cancel_all_button = self._button("Cancel all", "cancel", self.queue_cancel_all)
        self.online = True
        self.retry_button = self._button("Retry failed", "retry", self.retry_failed)
        self.resume_button = self._button("Resume", "retry", self.resume_paused)
        self.resume_button.setToolTip("Continue the transfers left unfinished last time")
        self.clear_button = self._button("Clear finished", "clear", self.clear_finished)
        self.folder_button = self._button("Show in folder", "open-folder", self.show_selected)
        self.parallel = QSpinBox(self)
        self.parallel.setRange(1, MAX_PARALLEL)
        self.parallel.setValue(queue.limit)
        self.parallel.setToolTip("How many transfers run at the same time")
        self.parallel.valueChanged.connect(self._set_limit)
        self.summary = QLabel(self)

        bar = QHBoxLayout()
        for b in (
            self.cancel_button,
            self.cancel_all_button,
            self.retry_button,
            self.resume_button,
            self.clear_button,
            self.folder_button,
        ):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        bar.addWidget(QLabel("Parallel:", self))
        bar.addWidget(self.parallel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        # Counting states is O(transfers): coalesce, or 10,000 queued files cost O(n²).
        self._buttons_later = Throttle(self._update_buttons, interval=0.2, parent=self)
        for sig in (self.model.rowsInserted, self.model.rowsRemoved, self.model.dataChanged):
            sig.connect(lambda *_a: self._buttons_later())
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _button(self, text: str, icon_name: str, slot: Callable[[], Any]) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setIcon(icon(icon_name))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    # -- selection -------------------------------------------------------------------------

    def selected(self) -> list[Transfer]:
        """The selected transfers (a selected folder row stands for its files), in order."""
        out: dict[int, Transfer] = {}
        rows = self.view.selectionModel().selectedRows()
        for index in sorted(rows, key=lambda i: (i.parent().row(), i.row())):
            for t in self.model.transfers_at(index):
                out.setdefault(t.id, t)
        return list(out.values())

    def select_row(self, row: int) -> None:
        """Select one top-level row (keyboard, tests)."""
        flags = QItemSelectionModel.SelectionFlag
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)

    # -- actions ---------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        """Cancel the selected queued/running transfers."""
        for t in self.selected():
            self.queue.cancel(t.id)

    def queue_cancel_all(self) -> None:
        """Cancel every queued and running transfer."""
        self.queue.cancel_all()

    def retry_selected(self) -> None:
        """Retry the selected failed/cancelled transfers, resume the selected paused ones."""
        for t in self.selected():
            self.queue.retry(t.id)

    def retry_failed(self) -> None:
        """Retry every failed transfer."""
        self.queue.retry_failed()

    def resume_paused(self) -> None:
        """Continue every transfer the last session left unfinished."""
        self.queue.resume_paused()

    def clear_finished(self) -> None:
        """Drop done, failed and cancelled rows."""
        self.queue.clear_finished()

    def show_selected(self) -> None:
        """Open the local folder of the first selected row."""
        rows = self.view.selectionModel().selectedRows()
        if rows:
            self._show(self.model.transfers_at(min(rows, key=lambda i: i.row())))

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.data(GroupRole) is None:
            self._show(self.model.transfers_at(index)[:1])

    def show_in_folder(self, row: int) -> bool:
        """Open the folder holding a top-level row's local file (or files) in the file manager."""
        return self._show(self.model.transfers_at(self.model.index(row, 0)))

    def _show(self, transfers: list[Transfer]) -> bool:
        if not transfers:
            return False
        if len(transfers) > 1:
            # A folder row: the folder all its local files are in.
            common = Path(os.path.commonpath([str(t.local_path.parent) for t in transfers]))
            if common.is_dir():
                self.open_url(QUrl.fromLocalFile(str(common)))
                return True
            return False
        t = transfers[0]
        folder = t.local_path.parent
        if t.state is TransferState.DONE and t.local_path.is_dir():
            folder = t.local_path
        if not folder.is_dir():
            return False
        self.open_url(QUrl.fromLocalFile(str(folder)))
        return True

    def _set_limit(self, n: int) -> None:
        self.queue.limit = n

    # -- state -----------------------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        """While the server is unreachable a retry would only fail again: Retry is off."""
        self.online = online
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        # One pass over the transfers (10,000 queued files: this runs 5 times a second).
        n = Counter(t.state for t in self.queue.transfers())
        active = sum(n[s] for s in ACTIVE)
        failed, paused = n[TransferState.FAILED], n[TransferState.PAUSED]
        finished = sum(n[s] for s in FINISHED)
        self.resume_button.setVisible(paused > 0)
        self.resume_button.setEnabled(paused > 0 and self.online)
        sel = self.selected()
        self.cancel_button.setEnabled(any(not t.is_finished for t in sel))
        self.cancel_all_button.setEnabled(active > 0)
        self.retry_button.setEnabled(failed > 0 and self.online)
        self.retry_button.setToolTip(
            RETRY_TIP if self.online else "Not available while the server is unreachable"
        )
        self.clear_button.setEnabled(finished > 0)
        self.folder_button.setEnabled(bool(sel))
        parts = []
        if active:
            parts.append(f"{active} active")
        if failed:
            parts.append(f"{failed} failed")
        if paused:
            parts.append(f"{paused} paused")
        self.summary.setText(", ".join(parts))

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.build_menu()
        menu.popup(self.view.viewport().mapToGlobal(pos))  # popup, not exec: no nested loop

    def build_menu(self) -> QMenu:
        """The context menu for the current selection (separate for tests)."""
        self._update_buttons()  # the coalesced update may be pending
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sel = self.selected()

        def add(text: str, name: str, slot: Callable[[], Any], enabled: bool) -> QAction:
            action = menu.addAction(icon(name), text)
            action.triggered.connect(lambda _checked=False: slot())
            action.setEnabled(enabled)
            return action

        add("Cancel", "cancel", self.cancel_selected, any(not t.is_finished for t in sel))
        add(
            "Retry",
            "retry",
            self.retry_selected,
            any(t.state in (TransferState.FAILED, TransferState.CANCELLED) for t in sel),
        )
        paused = any(t.state is TransferState.PAUSED for t in sel)
        add("Resume", "retry", self.retry_selected, paused and self.online).setVisible(paused)
        add("Show in folder", "open-folder", self.show_selected, bool(sel))
        details = add("Details…", "info", self.show_details, any(t.error for t in sel))
        details.setVisible(any(t.error for t in sel))
        copy = add("Copy error", "info", self._copy_error, any(t.error for t in sel))
        copy.setVisible(any(t.error for t in sel))
        menu.addSeparator()
        add("Cancel all", "cancel", self.queue_cancel_all, self.cancel_all_button.isEnabled())
        add("Retry failed", "retry", self.retry_failed, self.retry_button.isEnabled())
        add("Clear finished", "clear", self.clear_finished, self.clear_button.isEnabled())
        return menu

    def show_details(self) -> None:
        """The whole error of the selected failed transfers (the column shows its start)."""
        lines = [self.details_text(t) for t in self.selected() if t.error]
        if lines:
            messages.show_info(self, "Transfer details", "\n\n".join(lines))

    @staticmethod
    def details_text(t: Transfer) -> str:
        """What, where and why a transfer failed, in full."""
        arrow = "→" if t.is_upload else "←"
        verb = "Upload" if t.is_upload else "Download"
        return f"{verb} {t.bucket}/{t.name} {arrow} {t.local_path}\n{t.state.value}: {t.error}"

    def _copy_error(self) -> None:
        text = "\n".join(f"{t.name}: {t.error}" for t in self.selected() if t.error)
        QApplication.clipboard().setText(text)

    def closeEvent(self, event: Any) -> None:
        """Stop listening to the queue (the queue may outlive the panel)."""
        self.model.close()
        super().closeEvent(event)
