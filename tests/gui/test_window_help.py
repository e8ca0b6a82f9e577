"""Help menu: About shows app, nats-py, Qt and server versions; the shortcut list."""

from __future__ import annotations

import importlib.metadata

from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

from natsobj_gui import __version__

from .window_support import (  # noqa: F401 - fixtures
    settings_fixture,
    window_fixture,
)


def test_about_lists_versions_including_the_servers(qloop, window) -> None:
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.window_actions.about in help_menu.actions()
    window.window_actions.about.trigger()
    dlg = window.window_actions.help_dialog
    assert dlg is not None and dlg.isVisible()
    values = {k: v.text() for k, v in dlg.values.items()}
    assert values["Version"] == __version__
    assert values["nats-py"] == importlib.metadata.version("nats-py")
    assert values["Qt"].startswith(qVersion())
    server_version = window.client.conn.server_info["version"]
    assert values["Server"].startswith(f"nats-server {server_version}")
    assert values["Connected to"].startswith("nats://127.0.0.1:")
    dlg.copy()
    assert f"Server: nats-server {server_version}" in QGuiApplication.clipboard().text()
    dlg.close()


def test_about_without_a_connection_says_so(qloop, window) -> None:
    from natsobj_gui.dialogs.about_dialog import about_rows

    assert ("Server", "Not connected") in about_rows(None)


def test_shortcut_list_reads_the_actions_and_the_table_keys(qloop, window) -> None:
    window.window_actions.shortcuts.trigger()
    dlg = window.window_actions.help_dialog
    rows = dict((what, keys) for keys, what in dlg.rows())
    assert rows["Rename"] == "F2"
    assert rows["Copy Names"] == "Ctrl+C"
    assert rows["Info"] == "Alt+Return"
    assert rows["Up One Folder"] == "Alt+Up"
    assert rows["Up one folder"] == "Backspace"
    assert rows["Preview Pane"] == "F3"
    assert rows["Keyboard Shortcuts"] == "Ctrl+/"
    assert "Open the object (or enter the folder)" in rows
    dlg.close()
