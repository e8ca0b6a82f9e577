"""Copy from the object table: Ctrl+C names, the Copy submenu, the digest column."""

from __future__ import annotations

import shlex

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from natsobj_gui.core.wire import digest_hex
from natsobj_gui.models.object_columns import COL_DIGEST

from .window_support import (  # noqa: F401 - fixtures
    open_bucket,
    row_of,
    settings_fixture,
    window_fixture,
)


def _select(w, labels: list[str]) -> None:
    sel = w.objects.table.selectionModel()
    sel.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for label in labels:
        sel.select(w.objects.proxy.index(row_of(w, label), 0), flags)


def test_ctrl_c_copies_full_names_and_menu_copies_the_rest(qloop, window, store) -> None:
    async def body() -> None:
        a = await store.put("docs/it's here.txt", b"a")
        await store.put("docs/b.bin", b"bb")
        await open_bucket(window, store.bucket, "docs/")
        table = window.objects.table
        table.setFocus()
        _select(window, ["it's here.txt", "b.bin"])
        QGuiApplication.clipboard().clear()
        QTest.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        assert QGuiApplication.clipboard().text() == "docs/b.bin\ndocs/it's here.txt"  # view order

        _select(window, ["it's here.txt"])
        menu = window.window_actions.clipboard.menu(QMenu(window))
        acts = {act.text(): act for act in menu.actions() if act.text()}
        assert acts["Copy Names"] is window.window_actions.clipboard.copy
        acts["Path (bucket/name)"].trigger()
        assert QGuiApplication.clipboard().text() == f"{store.bucket}/docs/it's here.txt"
        acts["Name"].trigger()
        assert QGuiApplication.clipboard().text() == "it's here.txt"
        acts["Digest (SHA-256, base64)"].trigger()
        assert QGuiApplication.clipboard().text() == a.digest
        acts["Digest (SHA-256, hex)"].trigger()
        hex_digest = QGuiApplication.clipboard().text()
        assert len(hex_digest) == 64 and hex_digest == digest_hex(a.digest)
        acts["“nats object get” Command"].trigger()
        words = shlex.split(QGuiApplication.clipboard().text())
        assert words[:3] == ["nats", "object", "get"]
        assert words[-4:] == [store.bucket, "docs/it's here.txt", "--output", "it's here.txt"]
        assert "--server" in words

        # Ctrl+C in the filter box stays the line edit's own copy.
        window.objects.filter_edit.setText("zzz")
        window.objects.filter_edit.selectAll()
        window.objects.filter_edit.setFocus()
        QTest.keyClick(
            window.objects.filter_edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier
        )
        assert QGuiApplication.clipboard().text() == "zzz"
        # Qt keeps the last simulated modifiers as the application's state: release them, or
        # the next test's clicks and keys would carry Ctrl.
        QTest.keyClick(window.objects.filter_edit, Qt.Key.Key_End)

    qloop.run_until_complete(body())


def test_digest_column_shows_short_hex_with_full_tooltip(qloop, window, store) -> None:
    async def body() -> None:
        put = await store.put("x.txt", b"hello")
        await open_bucket(window, store.bucket)
        cell = window.objects.proxy.index(row_of(window, "x.txt"), COL_DIGEST)
        full_hex = digest_hex(put.digest)
        assert cell.data() == full_hex[:12]
        tip = cell.data(Qt.ItemDataRole.ToolTipRole)
        assert put.digest in tip and full_hex in tip

    qloop.run_until_complete(body())


def test_get_command_never_carries_credentials() -> None:
    from natsobj_gui.core.types import ObjectInfo
    from natsobj_gui.views.clipboard_ops import get_commands_text, without_userinfo

    assert without_userinfo("nats://***@example.com:4222") == "nats://example.com:4222"
    assert without_userinfo("tls://a:b@h:4443") == "tls://h:4443"
    assert without_userinfo("nats://h:4222") == "nats://h:4222"
    info = ObjectInfo(name="dir/it's; rm -rf ~", bucket="b", nuid="n")
    (line,) = get_commands_text([info], "nats://h:4222").splitlines()
    assert shlex.split(line) == [
        "nats",
        "object",
        "get",
        "--server",
        "nats://h:4222",
        "b",
        "dir/it's; rm -rf ~",
        "--output",
        "it's; rm -rf ~",
    ]
