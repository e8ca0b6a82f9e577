"""Filter and sort proxy for ObjectTableModel: folders first, sizes over 2 GiB sort right.

Usage::

    proxy = ObjectSortProxy()
    proxy.setSourceModel(object_table_model)
    proxy.set_filter_text("report")     # case-insensitive substring of the name
    view.setModel(proxy); view.setSortingEnabled(True)

Sorting: when the source model can sort itself (ObjectTableModel, a Python key sort that is
fast for 100,000 rows) header clicks are forwarded to it and the proxy keeps source order;
otherwise the proxy sorts with `lessThan`, which compares SortRole in Python (no int32
truncation) and keeps folder rows first in both orders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ..qt_compat import change_filter
from .object_table_model import FilterRole, FolderRole, ObjectTableModel, SortRole

Index = QModelIndex | QPersistentModelIndex


def _never() -> bool:
    return False


class ObjectSortProxy(QSortFilterProxyModel):
    """Case-insensitive name filter; folders always first; Python comparison of sort keys."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    # -- filtering ---------------------------------------------------------------------------

    def set_filter_text(self, text: str) -> None:
        """Show only rows whose name contains `text` (any case); '' shows everything."""
        needle = text.strip().casefold()
        if needle == self._needle:
            return

        def mutate() -> None:
            self._needle = needle

        change_filter(self, mutate)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        src = self.sourceModel()
        text = src.data(src.index(source_row, 0, source_parent), FilterRole)
        return text is not None and self._needle in str(text).casefold()

    # No flags() of its own: Qt asks for every painted cell, and a Python override there
    # doubled the calls. The source says which cells are editable.
    @property
    def is_name_editable(self) -> Callable[[], bool]:
        """Whether object names may be edited in place now (the source model's callable)."""
        return getattr(self.sourceModel(), "is_name_editable", _never)

    @is_name_editable.setter
    def is_name_editable(self, editable: Callable[[], bool]) -> None:
        self.sourceModel().is_name_editable = editable

    # -- sorting -----------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column: delegated to a self-sorting source, else done here."""
        self._sort_column, self._sort_order = column, order
        src = self.sourceModel()
        if isinstance(src, ObjectTableModel) and column >= 0:
            super().sort(-1)  # keep the (sorted) source order
            src.sort(column, order)
        else:
            super().sort(column, order)

    def keeps_source_order(self) -> bool:
        """Whether rows are in source order (the source sorts itself, or nothing is sorted)."""
        return super().sortColumn() < 0

    def sortColumn(self) -> int:
        return self._sort_column if self._sort_column >= 0 else super().sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        return self._sort_order if self._sort_column >= 0 else super().sortOrder()

    def lessThan(self, left: Index, right: Index) -> bool:
        lf = left.data(FolderRole) is not None
        rf = right.data(FolderRole) is not None
        if lf != rf:
            # Folders first whatever the order: Qt reverses lessThan for descending sorts.
            ascending = super().sortOrder() == Qt.SortOrder.AscendingOrder
            return lf if ascending else rf
        a, b = left.data(SortRole), right.data(SortRole)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)
