"""Copy what a user pastes elsewhere: names, paths, digests, a `nats object get` command."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from natsobj_gui.core.index import split_name
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.core.wire import digest_hex
from natsobj_gui.formatting import count_text

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import Host


def names_text(infos: list[ObjectInfo], folders: list[str]) -> str:
    """Full object names and folder prefixes, one a line."""
    return "\n".join([*folders, *(i.name for i in infos)])


def paths_text(bucket: str, infos: list[ObjectInfo], folders: list[str]) -> str:
    """`bucket/name` paths, one a line."""
    return "\n".join(f"{bucket}/{n}" for n in [*folders, *(i.name for i in infos)])


def leaf_names_text(infos: list[ObjectInfo]) -> str:
    """The objects' last name parts, one a line."""
    return "\n".join(split_name(i.name)[1] for i in infos)


def digests_text(infos: list[ObjectInfo], *, hex_form: bool) -> str:
    """Digests as stored (`SHA-256=` base64) or as plain hex, one a line."""
    return "\n".join(digest_hex(i.digest) if hex_form else i.digest for i in infos if i.digest)


def without_userinfo(url: str) -> str:
    """The URL without `user:password@` (the core shows it as `***@`): never copy secrets,
    and the `nats` CLI takes credentials from its context or options instead."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def get_commands_text(infos: list[ObjectInfo], server: str = "") -> str:
    """A shell-quoted `nats object get` command line per object."""
    server_opt = f" --server {shlex.quote(server)}" if server else ""
    lines = []
    for i in infos:
        out = shlex.quote(split_name(i.name)[1])
        bucket, name = shlex.quote(i.bucket), shlex.quote(i.name)
        lines.append(f"nats object get{server_opt} {bucket} {name} --output {out}")
    return "\n".join(lines)


class ClipboardOps:
    """The Copy actions of the object table (Ctrl+C and the context menu's Copy submenu)."""

    def __init__(self, window: Host) -> None:
        self.w = window
        self.copy = QAction("Copy Names", window.window())
        self.copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy.setToolTip("Copy the selected objects' full names, one a line")
        # The table's own key: Ctrl+C in the filter box copies the filter text.
        self.copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy.triggered.connect(lambda _=False: self.copy_names())
        window.objects.table.addAction(self.copy)

    def _put(self, text: str, what: str, n: int) -> None:
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.w.show_status(f"Copied {what} of {count_text(n, 'item')}", 3000)

    def _selection(self) -> tuple[list[ObjectInfo], list[str]]:
        folders, infos = self.w.objects.selection()
        return infos, folders

    def copy_names(self) -> None:
        """Ctrl+C: the full names of the selected objects and folders."""
        infos, folders = self._selection()
        self._put(names_text(infos, folders), "the names", len(infos) + len(folders))

    def copy_leaf_names(self) -> None:
        infos, _ = self._selection()
        self._put(leaf_names_text(infos), "the names", len(infos))

    def copy_paths(self) -> None:
        infos, folders = self._selection()
        text = paths_text(self.w.bucket, infos, folders)
        self._put(text, "the paths", len(infos) + len(folders))

    def copy_digests(self, hex_form: bool) -> None:
        infos, _ = self._selection()
        what = "the hex digests" if hex_form else "the digests"
        self._put(digests_text(infos, hex_form=hex_form), what, len(infos))

    def copy_get_commands(self) -> None:
        infos, _ = self._selection()
        readable = [i for i in infos if not (i.link and i.link.is_bucket_link)]
        text = get_commands_text(readable, self._server_url())
        self._put(text, "nats commands", len(readable))

    def _server_url(self) -> str:
        url = self.w.client.conn.connected_url if self.w.client is not None else ""
        return without_userinfo(url)

    def menu(self, parent: QMenu) -> QMenu:
        """The Copy submenu for the current selection."""
        infos, folders = self._selection()
        menu = parent.addMenu("Copy")
        menu.addAction(self.copy)
        menu.addAction("Path (bucket/name)", self.copy_paths)
        if infos:
            menu.addAction("Name", self.copy_leaf_names)
            menu.addSeparator()
            menu.addAction("Digest (SHA-256, base64)", lambda: self.copy_digests(False))
            menu.addAction("Digest (SHA-256, hex)", lambda: self.copy_digests(True))
            menu.addSeparator()
            menu.addAction("“nats object get” Command", self.copy_get_commands)
        menu.setEnabled(bool(infos or folders))
        return menu
