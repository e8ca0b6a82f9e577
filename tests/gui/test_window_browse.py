"""Browsing habits: Backspace goes up, folder sizes in the Size column, file-type icons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest

from natsobj_gui.icons import icon
from natsobj_gui.models import file_icons
from natsobj_gui.models.object_columns import COL_DESCRIPTION, COL_SIZE

from .window_support import open_bucket, put_and_open, row_of, wait_until


def test_backspace_goes_up_but_not_while_typing(qloop, window, store) -> None:
    async def body() -> None:
        await store.put("a/b/c.txt", b"c")
        await open_bucket(window, store.bucket, "a/b/")
        table = window.objects.table
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Backspace)
        assert window.prefix == "a/"
        window.objects.filter_edit.setFocus()
        window.objects.filter_edit.setText("xy")
        QTest.keyClick(window.objects.filter_edit, Qt.Key.Key_Backspace)
        assert window.objects.filter_edit.text() == "x"
        assert window.prefix == "a/"
        window.objects.filter_edit.clear()
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Backspace)
        assert window.prefix == ""
        QTest.keyClick(table, Qt.Key.Key_Backspace)  # at the root: nothing happens
        assert window.prefix == "" and window.bucket == store.bucket

    qloop.run_until_complete(body())


def test_folder_rows_show_count_and_total_size_in_the_size_column(qloop, window, store) -> None:
    async def body() -> None:
        await put_and_open(
            window, store, {"docs/a.txt": b"x" * 1000, "docs/sub/b.txt": b"y" * 1048}
        )
        proxy = window.objects.proxy
        r = row_of(window, "docs/")
        assert proxy.index(r, COL_SIZE).data() == "2 objects, 2.0 KiB"
        assert proxy.index(r, COL_DESCRIPTION).data() == ""
        # Live: another object below the folder updates its row.
        await store.put("docs/sub/c.txt", b"z" * 1024)
        await wait_until(lambda: proxy.index(r, COL_SIZE).data() == "3 objects, 3.0 KiB")

    qloop.run_until_complete(body())


@pytest.fixture
def test_theme(tmp_path: Path):
    """A tiny icon theme with a text-plain icon, set as the current theme."""
    root = tmp_path / "icons" / "fmtest"
    (root / "16x16" / "mimetypes").mkdir(parents=True)
    (root / "index.theme").write_text(
        "[Icon Theme]\nName=fmtest\nDirectories=16x16/mimetypes\n\n"
        "[16x16/mimetypes]\nSize=16\nContext=MimeTypes\nType=Fixed\n"
    )
    icon("file").pixmap(16, 16).save(str(root / "16x16" / "mimetypes" / "text-plain.png"))
    old_paths, old_name = QIcon.themeSearchPaths(), QIcon.themeName()
    QIcon.setThemeSearchPaths([str(tmp_path / "icons")])
    QIcon.setThemeName("fmtest")
    file_icons.clear_cache()
    yield
    QIcon.setThemeSearchPaths(old_paths)
    QIcon.setThemeName(old_name)
    file_icons.clear_cache()


def test_file_type_icons_come_from_the_mime_database_and_theme(test_theme) -> None:
    assert file_icons.mime_type_name("notes/readme.txt") == "text/plain"
    assert file_icons.file_icon("readme.txt").name() == "text-plain"
    # No theme icon for the type: the packaged file icon.
    assert file_icons.file_icon("blob.unknownext").cacheKey() == icon("file").cacheKey()


def test_right_click_on_empty_space_clears_the_selection(qloop, window, store) -> None:
    async def body() -> None:
        await store.put("a.txt", b"a")
        await open_bucket(window, store.bucket)
        table = window.objects.table
        table.selectRow(row_of(window, "a.txt"))
        menus: list = []
        window.objects.context_menu_requested.connect(menus.append)
        rect = table.visualRect(window.objects.proxy.index(0, 0))
        table.customContextMenuRequested.emit(rect.center())
        assert window.objects.selected_infos()  # on a row: the selection stays
        table.customContextMenuRequested.emit(QPoint(10, table.viewport().height() - 5))
        assert window.objects.selected_infos() == []
        assert len(menus) == 2

    qloop.run_until_complete(body())


def test_bucket_status_counts_the_listed_objects(qloop, window, store) -> None:
    from PySide6.QtWidgets import QApplication

    from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog

    def dialogs() -> list[BucketStatusDialog]:
        tops = QApplication.topLevelWidgets()
        return [d for d in tops if isinstance(d, BucketStatusDialog) and d.isVisible()]

    async def body() -> None:
        await put_and_open(window, store, {"a.txt": b"a", "d/b.txt": b"b"})
        window.window_actions.bucket_status.trigger()
        await wait_until(lambda: bool(dialogs()))
        dlg = dialogs()[0]
        assert dlg.objects_label.text() == "2"
        # An unnamed test server leads under its id: shown short, never 56 characters.
        assert len(dlg.leader_label.text()) < 30
        dlg.close()

    qloop.run_until_complete(body())


def test_bucket_tree_shows_each_buckets_size(qloop, window, store) -> None:
    from natsobj_gui.formatting import human_size
    from natsobj_gui.views.tree_size_delegate import BucketSizeDelegate, size_text

    async def body() -> None:
        await store.put("d/a.bin", b"x" * 5000)
        await open_bucket(window, store.bucket, "d/")
        model = window.tree_model
        bucket_index = model.index_for(store.bucket, "")
        info = window.buckets[store.bucket]
        assert size_text(bucket_index) == human_size(info.size) != ""
        assert size_text(model.index_for(store.bucket, "d/")) == ""  # folders: no size
        assert isinstance(window.tree.itemDelegate(), BucketSizeDelegate)
        assert not window.tree.grab().isNull()  # paints without error

    qloop.run_until_complete(body())
