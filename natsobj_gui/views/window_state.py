"""Window geometry, dock and splitter state and column widths in QSettings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

if TYPE_CHECKING:
    from natsobj_gui.views.main_window import MainWindow


def setting_str(settings: QSettings, key: str) -> str:
    """A string setting, '' when missing or of another type (a hand-edited file)."""
    value = settings.value(key, "")
    return value if isinstance(value, str) else ""


def make_dock(title: str, name: str, widget: QWidget, parent: QWidget) -> QDockWidget:
    """A movable, closable dock holding `widget`; `name` keys it in the saved window state."""
    dock = QDockWidget(title, parent)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    return dock


def restore_window(w: MainWindow) -> None:
    """Put the window back as it was saved; sensible sizes the first time."""
    s = w.settings
    if geometry := s.value("window/geometry"):
        w.restoreGeometry(geometry)
    else:
        w.resize(1200, 760)
    if state := s.value("window/state"):
        w.restoreState(state)
    else:
        # The objects are the point of the window: a modest transfer pane to begin with.
        w.resizeDocks([w.transfer_dock], [190], Qt.Orientation.Vertical)
    if splitter := s.value("window/splitter"):
        w.splitter.restoreState(splitter)
    w.objects.restore_header(s.value("objects/header"))


def save_window(w: MainWindow) -> None:
    """Geometry, dock and splitter state, column widths (the location is saved on change)."""
    s = w.settings
    s.setValue("window/geometry", w.saveGeometry())
    s.setValue("window/state", w.saveState())
    s.setValue("window/splitter", w.splitter.saveState())
    s.setValue("objects/header", w.objects.header_state())
    s.sync()
