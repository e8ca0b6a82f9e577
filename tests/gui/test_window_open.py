"""Open objects: Enter and double click download into the session cache and open the file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest

from natsobj_gui.core.transfer_record import TransferState
from natsobj_gui.views import open_ops

from .window_support import (  # noqa: F401 - fixtures
    message_boxes,
    open_bucket,
    row_of,
    settings_fixture,
    wait_until,
    window_fixture,
)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The files the app asked the desktop to open (nothing is really launched)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    urls: list[Path] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(Path(url.toLocalFile()))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


def test_enter_downloads_to_the_session_cache_and_opens(
    qloop, window, store, opened, tmp_path: Path
) -> None:
    async def body() -> None:
        await store.put("docs/readme.md", b"# hello\n")
        await open_bucket(window, store.bucket, "docs/")
        table = window.objects.table
        table.setFocus()
        table.selectRow(row_of(window, "readme.md"))
        QTest.keyClick(table, Qt.Key.Key_Return)
        await wait_until(lambda: len(opened) == 1)
        path = opened[0]
        assert path.read_bytes() == b"# hello\n"
        # In this session's folder of the app's cache dir, under the bucket and the name.
        assert (tmp_path / "cache") in path.parents
        assert path.parts[-3:] == (store.bucket, "docs", "readme.md")
        # The download went through the queue (the transfer panel shows it).
        (t,) = window.transfers.queue.transfers()
        assert t.state is TransferState.DONE and t.local_path == path
        assert window.transfer_panel.model.rowCount() == 1
        # The status bar says it was opened, not where the cache keeps it.
        assert window.statusBar().currentMessage() == "Opened readme.md"

        # Opened again (a double click): the cached copy opens at once, no new download.
        window.objects.table.doubleClicked.emit(
            window.objects.proxy.index(row_of(window, "readme.md"), 0)
        )
        assert opened == [path, path]
        assert len(window.transfers.queue.transfers()) == 1

        # A new version is downloaded again.
        await store.put("docs/readme.md", b"# changed\n")
        await wait_until(lambda: window.index.get("docs/readme.md").size == 10)
        window.window_actions.open.open_object(window.index.get("docs/readme.md"))
        await wait_until(lambda: len(opened) == 3)
        assert opened[2].read_bytes() == b"# changed\n"
        assert not message_boxes()

    qloop.run_until_complete(body())


def test_open_with_is_offered_only_where_the_platform_has_a_chooser(qloop, window) -> None:
    act = window.window_actions.open.open_with_action
    assert act.isVisible() == open_ops.open_with_available()


def test_a_link_opens_its_targets_current_content(qloop, window, store, opened) -> None:
    async def body() -> None:
        target = await store.put("target.txt", b"first")
        await store.add_link("shortcut", target)
        await open_bucket(window, store.bucket)
        link = window.index.get("shortcut")
        window.window_actions.open.open_object(link)
        await wait_until(lambda: len(opened) == 1)
        assert opened[0].read_bytes() == b"first"
        await store.put("target.txt", b"second")
        # A link to an object follows a new version of its target.
        window.window_actions.open.open_object(link)
        await wait_until(lambda: len(opened) == 2)
        assert opened[1].read_bytes() == b"second"

    qloop.run_until_complete(body())


def test_a_real_double_click_opens_and_does_not_rename(qloop, window, store, opened) -> None:
    from PySide6.QtWidgets import QAbstractItemView

    async def body() -> None:
        await store.put("x.txt", b"x")
        await open_bucket(window, store.bucket)
        table = window.objects.table
        cell = window.objects.proxy.index(row_of(window, "x.txt"), 0)
        table.selectRow(cell.row())  # already selected: the first click could start a rename
        pos = table.visualRect(cell).center()
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        await wait_until(lambda: len(opened) == 1)
        await asyncio.sleep(0.6)  # past the double-click interval: no editor came up
        assert table.state() != QAbstractItemView.State.EditingState

    qloop.run_until_complete(body())
