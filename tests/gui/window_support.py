"""Fixtures and helpers for the main-window integration tests (real server, qasync loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from auth.support import MemoryKeyring
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.server import LocalServer
from natsobj_gui.views.main_window import MainWindow

from .helpers import wait_signal, wait_until


@pytest.fixture(name="settings")
def settings_fixture(tmp_path: Path) -> QSettings:
    """Settings in the test's own INI file: never the user's real ones."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(name="config_home")
def config_home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Profiles in tmp and an in-memory keyring: never the user's own."""
    home = tmp_path / "config"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield home
    keyring.set_keyring(previous)


def unconnected_window(settings: QSettings) -> MainWindow:
    """A shown window with no connection yet (the connection tests pick a profile)."""
    # As make_window does: closing the only window must not stop the qasync loop.
    QApplication.instance().setQuitOnLastWindowClosed(False)
    w = MainWindow(settings)
    w.show()
    return w


def profile_action(w: MainWindow, name: str) -> QAction:
    """The Connection menu's entry for the profile called `name`."""
    return next(a for a in w.connections.menu.profile_actions() if a.text() == name)


def make_window(
    qloop: asyncio.AbstractEventLoop, server: LocalServer, settings: QSettings
) -> MainWindow:
    """A shown window connected (with a connection of its own) to `server`."""
    # As the app does: closing the window must not make Qt stop the loop under us.
    QApplication.instance().setQuitOnLastWindowClosed(False)
    w = MainWindow(settings)
    w.resize(1100, 700)
    w.show()
    client = qloop.run_until_complete(Client.connect(server.url))
    qloop.run_until_complete(w.set_client(client, "test server"))

    async def settle() -> None:
        # A restored bucket starts listing: let it finish so no task is left half-started
        # while Qt runs between run_until_complete calls (its first step would find no loop).
        await wait_until(lambda: w.index is None or w.index.initial_done, timeout=30)

    qloop.run_until_complete(settle())
    return w


def close_window(qloop: asyncio.AbstractEventLoop, w: MainWindow) -> None:
    """Close as the app does: closeEvent inside the running loop, then the async shutdown."""

    async def close() -> None:
        w.close()
        await w.shutdown()
        # Let callbacks queued by the shutdown run while the loop is running (not in Qt's
        # event processing between tests, where a task step would find no running loop):
        # until qt_compat's ready queue is empty.
        loop = asyncio.get_running_loop()
        await wait_until(lambda: not loop._ready, what="callbacks queued by the shutdown")

    qloop.run_until_complete(close())
    for box in message_boxes():
        box.close()
    w.deleteLater()


@pytest.fixture(name="window")
def window_fixture(
    qloop: asyncio.AbstractEventLoop, nats_server: LocalServer, settings: QSettings
) -> Iterator[MainWindow]:
    w = make_window(qloop, nats_server, settings)
    yield w
    close_window(qloop, w)


async def open_bucket(w: MainWindow, bucket: str, prefix: str = "") -> None:
    """Reload the bucket list, open `bucket` and wait until its initial listing is shown."""
    await w.nav.load_buckets()
    assert bucket in w.buckets, f"{bucket} not listed"
    done = wait_signal(w.listing_done, timeout=30)
    w.open_location(bucket, prefix)
    (got,) = await done
    assert got == bucket


async def put_and_open(
    w: MainWindow, store: ObjectStore, objects: dict[str, bytes], prefix: str = ""
) -> None:
    """Put `objects` (name: content) in `store`, then open its bucket as open_bucket does."""
    for name, data in objects.items():
        await store.put(name, data)
    await open_bucket(w, store.bucket, prefix)


def table_names(w: MainWindow) -> list[str]:
    """What the table shows in its name column, in view order."""
    proxy = w.objects.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def row_of(w: MainWindow, label: str) -> int:
    names = table_names(w)
    assert label in names, f"{label!r} not in {names}"
    return names.index(label)


def send_drag(target: QWidget, mime: QMimeData, pos: QPoint) -> tuple[bool, bool, bool]:
    """A synthetic drag enter + move (+ drop, when the move was accepted) on a viewport.

    Returns whether the enter, the move and the drop were accepted.
    """
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, move)
    if not move.isAccepted():
        return enter.isAccepted(), False, False
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return enter.isAccepted(), True, drop.isAccepted()


def drop_files(target: QWidget, paths: list[Path], pos: QPoint | None = None) -> bool:
    """A synthetic drag of local files onto a view's viewport (enter and move must be
    accepted); returns whether the drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    if pos is None:
        pos = QPoint(10, target.height() - 10)  # below any row: the view's own folder
    entered, moved, dropped = send_drag(target, mime, pos)
    assert entered, "drag enter refused"
    assert moved, "drag move refused"
    return dropped


def drag_objects(target: QWidget, bucket: str, infos: list, pos: QPoint) -> tuple[bool, bool]:
    """A synthetic internal drag of objects (as the table starts it): (move, drop) accepted."""
    from natsobj_gui.models.object_columns import objects_mime

    _, moved, dropped = send_drag(target, objects_mime(bucket, list(infos)), pos)
    return moved, dropped


def message_boxes() -> list[QMessageBox]:
    """Visible message boxes (errors are shown non-blocking)."""
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


__all__ = [
    "close_window",
    "config_home_fixture",
    "drag_objects",
    "drop_files",
    "make_window",
    "message_boxes",
    "open_bucket",
    "profile_action",
    "put_and_open",
    "row_of",
    "send_drag",
    "settings_fixture",
    "table_names",
    "unconnected_window",
    "wait_signal",
    "wait_until",
    "window_fixture",
]
