"""A grey hint painted in an empty item view ("This folder is empty — drop files here")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView


def paint_empty_hint(view: QAbstractItemView, text: str) -> None:
    """Call after the view's own paintEvent: draws `text` when the view shows no rows."""
    model = view.model()
    if not text or model is None or model.rowCount() > 0:
        return
    viewport = view.viewport()
    painter = QPainter(viewport)
    try:
        painter.setPen(view.palette().color(QPalette.ColorRole.PlaceholderText))
        rect = viewport.rect().adjusted(16, 16, -16, -16)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(rect, int(flags), text)
    finally:
        painter.end()
