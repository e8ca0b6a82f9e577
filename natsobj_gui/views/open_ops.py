"""Open an object with the desktop's application: download to the session cache, then open.

"Open With…" exists only on Windows (the shell's own chooser): Qt has no portable API for
it, and Linux desktops offer none that works without a desktop-specific D-Bus portal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QAction, QDesktopServices

from natsobj_gui.core.index import split_name
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.views.session_cache import SessionCache

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import Host

STATUS_MS = 5000


def open_with_available() -> bool:
    """Whether this platform has an application chooser the app can start."""
    return sys.platform == "win32"


class OpenOps:
    """Open and Open With… for objects of the window's current bucket."""

    def __init__(
        self, window: Host, cache: SessionCache, show_info: Callable[[ObjectInfo], None]
    ) -> None:
        self.w = window
        self.show_info = show_info  # what a bucket link shows instead
        self.cache = cache
        self.open_action = QAction("Open", window.window())
        self.open_action.setToolTip("Download to a temporary folder and open (Enter)")
        self.open_action.triggered.connect(lambda _=False: self.open_selected())
        self.open_with_action = QAction("Open With…", window.window())
        self.open_with_action.triggered.connect(lambda _=False: self.open_selected(chooser=True))
        self.open_with_action.setVisible(open_with_available())

    @staticmethod
    def can_open(info: ObjectInfo) -> bool:
        """A bucket link has no content to open."""
        return not (info.link and info.link.is_bucket_link)

    def open_selected(self, chooser: bool = False) -> None:
        """Open the selected objects (each with its default application, or a chooser)."""
        for info in self.w.objects.selected_infos():
            self.open_object(info, chooser=chooser)

    def open_object(self, info: ObjectInfo, chooser: bool = False) -> None:
        """Enter or double click on an object: fetch it (shown in the panel) and open it."""
        if not self.can_open(info):
            self.show_info(info)
            return
        if self.w.client is None:
            return
        leaf = split_name(info.name)[1]
        if self.cache.cached(info) is None:
            self.w.show_status(f"Downloading {leaf} to open it…", STATUS_MS)
        self.cache.fetch(info, lambda path: self._launch(path, chooser))

    def _launch(self, path: Path, chooser: bool) -> None:
        if chooser and open_with_available():
            # The shell's "Open with" dialog; nothing to wait for.
            QProcess.startDetached("rundll32.exe", ["shell32.dll,OpenAs_RunDLL", str(path)])
            return
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.w.show_status(f"Opened {path.name}", STATUS_MS)
        else:
            self.w.show_status(
                f"No application is set up to open {path.name}; it was saved in {path.parent}",
                STATUS_MS * 2,
            )
