"""A grey hint painted in an empty item view ("This folder is empty — drop files here")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
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


def empty_hints(
    connected: bool, has_buckets: bool, bucket: str, listed: bool, writable: bool
) -> tuple[str, str]:
    """The window's (tree, table) hints: what is going on, what to do next."""
    if not connected:
        return "Not connected", "Not connected to a server"
    if not has_buckets:
        return "No buckets yet", "No buckets yet: create one with New Bucket… (Ctrl+N)"
    if not bucket:
        return "", "Select a bucket"
    if not listed:
        return "", "Loading…"
    if writable:
        return "", "This folder is empty.\nDrop files or folders here to upload them."
    return "", "This folder is empty (the bucket is sealed)."


class EmptyHintMixin:
    """For item views (list it before the Qt class): `set_empty_text` and the painting.

    The view sets `self.empty_text = ""` in its __init__.
    """

    empty_text: str

    def set_empty_text(self, text: str) -> None:
        """The hint painted while the view shows no rows (loading, empty folder…)."""
        if text != self.empty_text:
            self.empty_text = text
            self.viewport().update()  # type: ignore[attr-defined]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # type: ignore[misc]
        paint_empty_hint(self, self.empty_text)  # type: ignore[arg-type]
