"""A flat table model base: fixed column headers, no children."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class HeadedTableModel(QAbstractTableModel):
    """Columns and header texts from `headers`; subclasses give rowCount and data."""

    headers: tuple[str, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def remove_rows(
        self,
        rows: Iterable[int],
        drop: Callable[[int, int], None],
        parent: QModelIndex = QModelIndex(),  # noqa: B008
    ) -> None:
        """Remove these rows (of `parent`) in contiguous runs; `drop(first, last)` deletes a
        run's data."""
        # From the bottom up, so earlier row numbers stay valid.
        ordered = sorted(set(rows), reverse=True)
        i = 0
        while i < len(ordered):
            last = first = ordered[i]
            while i + 1 < len(ordered) and ordered[i + 1] == first - 1:
                i += 1
                first = ordered[i]
            self.beginRemoveRows(parent, first, last)
            drop(first, last)
            self.endRemoveRows()
            i += 1
