"""The right pane: breadcrumbs of the current folder, a filter box and the object table."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.dialogs._common import plain_rows
from natsobj_gui.formatting import count_text
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.models.sort_proxy import ObjectSortProxy
from natsobj_gui.views.object_table import ObjectTable

FILTER_DEBOUNCE_ROWS = 5000
FILTER_DEBOUNCE_MS = 250


class BreadcrumbBar(QWidget):
    """bucket › folder › sub: each part is a button that opens that folder."""

    navigate = Signal(str)  # the folder prefix ('' = bucket root)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._parts: list[QWidget] = []
        self.set_path("", "")

    def set_path(self, bucket: str, prefix: str) -> None:
        """Show the buttons for a bucket and a folder prefix ('a/b/')."""
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._parts = []
        if not bucket:
            self._add(QLabel("No bucket selected"))
            self._layout.addStretch(1)
            return
        crumbs = [(bucket, "")]
        acc = ""
        for part in [p for p in prefix.split("/") if p]:
            acc += part + "/"
            crumbs.append((part, acc))
        for i, (label, target) in enumerate(crumbs):
            if i:
                sep = QLabel("›")
                sep.setContentsMargins(2, 0, 2, 0)
                self._add(sep)
            if i == len(crumbs) - 1:
                # The current folder: plain bold text, not a button that does nothing.
                current = QLabel(label)
                current.setStyleSheet("font-weight: bold; padding: 0 4px;")
                current.setTextFormat(Qt.TextFormat.PlainText)
                self._add(current)
                continue
            button = QToolButton()
            button.setText(label)
            button.setAutoRaise(True)
            button.setToolTip(f"Open {bucket}/{target}" if target else f"Open {bucket}")
            button.clicked.connect(lambda _=False, t=target: self.navigate.emit(t))
            self._add(button)
        self._layout.addStretch(1)

    def _add(self, w: QWidget) -> None:
        self._parts.append(w)
        self._layout.addWidget(w)

    def labels(self) -> list[str]:
        """The visible crumb texts (for tests and accessibility)."""
        return [
            w.text()
            for w in self._parts
            if isinstance(w, QToolButton) or (isinstance(w, QLabel) and w.text() != "›")
        ]


class ObjectView(QWidget):
    """Objects and virtual folders of the current folder, sortable and filterable."""

    object_activated = Signal(object)  # ObjectInfo: Enter or double click
    folder_activated = Signal(str)  # a folder prefix to enter (row or breadcrumb)
    files_dropped = Signal(list, str)  # list[Path], target prefix
    objects_dropped = Signal(list, str)  # object names, target folder prefix (a move)
    context_menu_requested = Signal(QPoint)  # global position
    selection_changed = Signal()

    def __init__(self, model: ObjectTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._removing = False
        # Connected before the proxy: runs before the selection model hears of a removal.
        model.rowsAboutToBeRemoved.connect(lambda *_: self._set_removing(True))
        self.proxy = ObjectSortProxy(self)
        self.proxy.setSourceModel(model)
        self.bucket = ""
        self.prefix = ""
        self._empty_hint = ""

        self.breadcrumbs = BreadcrumbBar()
        self.breadcrumbs.navigate.connect(self.folder_activated)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setFixedWidth(220)
        self.filter_edit.textChanged.connect(self._set_filter)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.count_label = QLabel()
        self.count_label.setContentsMargins(8, 0, 0, 0)
        # A sealed bucket says so where the user looks: beside its name.
        self.sealed_label = QLabel("Sealed: read-only")
        self.sealed_label.setToolTip(
            "This bucket is sealed: nothing can be uploaded, changed or deleted in it."
        )
        self.sealed_label.setContentsMargins(8, 0, 0, 0)
        self.sealed_label.setEnabled(False)  # drawn in the palette's greyed-out text colour
        self.sealed_label.setVisible(False)

        self.table = ObjectTable()
        self.table.setObjectName("objectTable")
        self.table.setModel(self.proxy)
        self.table.folder_at_index = self.folder_at
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setAcceptDrops(True)
        self.table.viewport().setAcceptDrops(True)
        # Objects drag onto folders (a move); files come in from the file manager.
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.table.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.table.setDropIndicatorShown(False)
        plain_rows(self.table, self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setHighlightSections(False)
        # The header draws nothing from the selection, yet Qt asks whether each visible
        # column is wholly selected, checking every row's flags: 0.5 s after Ctrl+A on
        # 20,000 rows. It gets a selection of its own that stays empty.
        hh.setSelectionModel(QItemSelectionModel(self.proxy, hh))
        # Defaults until the user's own widths are restored: full dates, readable names, and
        # folder sizes ("12 objects, 3.4 MiB"); the digest column shows 12 hex digits.
        for col, width in enumerate((260, 130, 60, 150, 110)):
            hh.resizeSection(col, width)

        self.table.doubleClicked.connect(self._activate)
        self.table.activated_row.connect(self._activate)
        self.table.files_dropped.connect(self.files_dropped)
        self.table.objects_dropped.connect(self.objects_dropped)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # Rows removed by the watch (a bulk delete: hundreds of batches) drop selected rows:
        # those selection changes are announced at most every 100 ms, not once per batch,
        # since each announcement reads the whole remaining selection. A user's own
        # selection is announced at once.
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(100)
        self._selection_timer.timeout.connect(self.selection_changed)
        # Connected after the proxy: runs once the proxy and the selection model are done.
        self.model.rowsRemoved.connect(lambda *_: self._set_removing(False))
        # Qt deselects removed rows by splitting the selection's ranges and never joins the
        # pieces: scattered removals left thousands of ranges, each one more that every later
        # removal walks (300 scattered rows a batch from 100,000 selected: 0.7 s a batch,
        # 2 s later on). Joined once per burst of removals.
        self._join_timer = QTimer(self)
        self._join_timer.setSingleShot(True)
        self._join_timer.setInterval(0)
        self._join_timer.timeout.connect(self._join_selection)
        self.model.rowsRemoved.connect(lambda *_: self._join_timer.start())
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        # Counted once the change is complete: Qt 6's proxy drops its rows when the source is
        # *about to* remove them, so counting on the proxy's signal read the source's old size
        # ("19,900 of 19,901 items"). One count per burst of changes, too.
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(0)
        self._count_timer.timeout.connect(self._update_count)
        for sig in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
            model.rowsRemoved,
        ):
            sig.connect(lambda *_: self._count_timer.start())

        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(self.breadcrumbs, 1)
        top.addWidget(self.sealed_label)
        top.addWidget(self.count_label)
        top.addWidget(self.filter_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._update_count()
        self.set_location("", "")

    def _set_removing(self, removing: bool) -> None:
        self._removing = removing

    def _on_selection_changed(self, *_: object) -> None:
        if self._removing:
            if not self._selection_timer.isActive():
                self._selection_timer.start()
        else:
            self._selection_timer.stop()
            self.selection_changed.emit()

    def _join_selection(self) -> None:
        """Re-select the selection as whole-row ranges, adjacent ones joined (if it helps)."""
        sm = self.table.selectionModel()
        ranges = sm.selection()
        if len(ranges) < 2:
            return
        last = self.proxy.columnCount() - 1
        spans: list[list[int]] = []
        for top, bottom, left, right in sorted(
            (r.top(), r.bottom(), r.left(), r.right()) for r in ranges
        ):
            if left != 0 or right != last:
                return  # not whole rows: leave it as it is
            if spans and top <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], bottom)
            else:
                spans.append([top, bottom])
        if len(spans) == len(ranges):
            return
        joined = QItemSelection()
        for top, bottom in spans:
            joined.select(self.proxy.index(top, 0), self.proxy.index(bottom, last))
        # The same rows: no selection change is announced, current row and anchor stay.
        sm.select(joined, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # -- location ---------------------------------------------------------------------------
    def set_location(self, bucket: str, prefix: str) -> None:
        """Show where the table is (the model itself is driven by the window)."""
        if (bucket, prefix) != (self.bucket, self.prefix) and self.filter_edit.text():
            # The filter belongs to the folder it was typed in: another folder shows all.
            self.filter_edit.clear()
        self.bucket, self.prefix = bucket, prefix
        self.table.bucket, self.table.prefix = bucket, prefix
        self.breadcrumbs.set_path(bucket, prefix)
        self.filter_edit.setEnabled(bool(bucket))  # nothing to filter without a bucket
        self.table.clearSelection()
        self.table.scrollToTop()

    def set_writable(self, writable: bool) -> None:
        """Sealed buckets (or none) take no drops, and say that they are sealed."""
        self.table.writable = writable and bool(self.bucket)
        self.sealed_label.setVisible(bool(self.bucket) and not writable)

    # -- rows -------------------------------------------------------------------------------
    def _source_row(self, index: QModelIndex) -> int:
        if not index.isValid():
            return -1
        return self.proxy.mapToSource(index).row()

    def info_at(self, index: QModelIndex) -> ObjectInfo | None:
        """The object of a (proxy) index, None for a folder row."""
        row = self._source_row(index)
        return self.model.info_at(row) if row >= 0 else None

    def folder_at(self, index: QModelIndex) -> str | None:
        """The folder prefix of a (proxy) index, None for an object row."""
        row = self._source_row(index)
        return self.model.folder_at(row) if row >= 0 else None

    def _selected_source_rows(self) -> list[Sequence[int]]:
        """Source rows of the selection in view order, in runs, from its ranges (never per cell).

        `selectedRows()` asks the model for every cell's flags: seconds on 20,000 rows.
        """
        proxy = self.proxy
        spans = sorted({(r.top(), r.bottom()) for r in self.table.selectionModel().selection()})
        # The source sorts itself and the proxy keeps its order: unfiltered, rows are equal.
        same = proxy.rowCount() == self.model.rowCount() and proxy.keeps_source_order()
        runs: list[Sequence[int]] = []
        last = -1
        for top, bottom in spans:
            span = range(max(top, last + 1), bottom + 1)
            last = max(last, bottom)
            if same:
                runs.append(span)  # a range: the model slices it
            else:
                runs.append([proxy.mapToSource(proxy.index(r, 0)).row() for r in span])
        return runs

    def selection(self) -> tuple[list[str], list[ObjectInfo]]:
        """The selected folder prefixes and objects, in view order, read once."""
        return self.model.split_runs(self._selected_source_rows())

    def selection_counts(self, wanted: Callable[[ObjectInfo], bool]) -> tuple[int, int, bool]:
        """Selected folders and objects counted, and whether any object is `wanted`.

        Nothing is read per row of an unfiltered selection (see ObjectRows.count_runs).
        """
        return self.model.count_runs(self._selected_source_rows(), wanted)

    def selected_infos(self) -> list[ObjectInfo]:
        """The selected objects (folders excluded), in view order."""
        return self.selection()[1]

    def selected_folders(self) -> list[str]:
        """The selected folder prefixes."""
        return self.selection()[0]

    def _activate(self, index: QModelIndex) -> None:
        folder = self.folder_at(index)
        if folder is not None:
            self.folder_activated.emit(folder)
            return
        info = self.info_at(index)
        if info is not None:
            self.object_activated.emit(info)

    def _context_menu(self, pos: QPoint) -> None:
        # On empty space, as in file managers: nothing selected, so only folder actions (the
        # old selection must not stay selected and be offered for Delete).
        if not self.table.indexAt(pos).isValid():
            self.table.clearSelection()
        self.context_menu_requested.emit(self.table.viewport().mapToGlobal(pos))

    # -- filter -----------------------------------------------------------------------------
    def focus_filter(self) -> None:
        """Ctrl+F: put the cursor in the filter box."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _set_filter(self, text: str) -> None:
        # Filtering a huge folder takes a moment: wait for a pause in typing instead of
        # re-filtering on every key. Small folders filter at once.
        if self.model.rowCount() < FILTER_DEBOUNCE_ROWS:
            self._filter_timer.stop()
            self._apply_filter()
        else:
            self._filter_timer.start()

    def _apply_filter(self) -> None:
        self.proxy.set_filter_text(self.filter_edit.text())
        self._update_count()

    def _update_count(self, *_: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        all_rows = count_text(total, "item")
        text = all_rows if shown == total else f"{shown:,} of {all_rows}"
        self.count_label.setText(text if self.bucket else "")
        self._show_hint()

    def set_empty_hint(self, text: str) -> None:
        """The window's hint for an empty table (loading, empty folder…)."""
        self._empty_hint = text
        self._show_hint()

    def _show_hint(self) -> None:
        # "This folder is empty" beside "0 of 1 item" would be false: say what hides them.
        words = self.filter_edit.text().strip()
        if words and self.model.rowCount() > 0:
            self.table.set_empty_text(f"Nothing in this folder matches “{words}”.")
        else:
            self.table.set_empty_text(self._empty_hint)

    # -- settings ---------------------------------------------------------------------------
    def header_state(self) -> QByteArray:
        return self.table.horizontalHeader().saveState()

    def restore_header(self, state: QByteArray | bytes | None) -> None:
        if state:
            self.table.horizontalHeader().restoreState(QByteArray(state))
