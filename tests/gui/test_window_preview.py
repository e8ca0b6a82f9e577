"""The preview pane: text, JSON, image, hex, a huge object read only in part, selection moves."""

from __future__ import annotations

import base64
import hashlib
import json

from core.raw import publish_chunks, publish_meta
from PySide6.QtCore import QBuffer, QIODevice, QItemSelectionModel, QSettings
from PySide6.QtGui import QColor, QImage

from natsobj_gui.views import preview_content

from .window_support import (  # noqa: F401 - fixtures
    close_window,
    make_window,
    open_bucket,
    put_and_open,
    row_of,
    settings_fixture,
    wait_until,
    window_fixture,
)

CHUNK = 128 * 1024


def _png(w: int, h: int) -> bytes:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("teal"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data().data())


def _show(w, label: str) -> None:
    # Not selectRow: it honours modifier keys a previous test's key clicks may leave held.
    flags = QItemSelectionModel.SelectionFlag
    index = w.objects.proxy.index(row_of(w, label), 0)
    w.objects.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)


async def _shown(w, title: str, kind: str) -> None:
    pane = w.window_actions.preview.pane
    await wait_until(lambda: pane.title.text() == title and pane.kind == kind, timeout=20)


def test_text_json_image_and_hex_previews(qloop, window, store) -> None:
    async def body() -> None:
        window.window_actions.preview.toggle.trigger()
        assert window.window_actions.preview.dock.isVisible()
        await store.put("notes.txt", "grüße\nzweite Zeile\n".encode())
        await store.put("latin.txt", "café crème\n".encode("cp1252"))
        await store.put("data.json", b'{"b": [1, 2], "a": "x"}')
        await store.put("pic.png", _png(640, 480))
        await store.put("blob.bin", bytes(range(256)) * 4)
        await store.put("dir/a.txt", b"12345")
        await open_bucket(window, store.bucket)
        pane = window.window_actions.preview.pane

        _show(window, "notes.txt")
        await _shown(window, "notes.txt", "text")
        assert pane.text.toPlainText() == "grüße\nzweite Zeile\n"
        assert "UTF-8" in pane.summary.text()

        _show(window, "latin.txt")
        await _shown(window, "latin.txt", "text")
        assert pane.text.toPlainText() == "café crème\n"
        assert "Windows-1252" in pane.summary.text()

        _show(window, "data.json")
        await _shown(window, "data.json", "json")
        assert pane.text.toPlainText() == json.dumps({"b": [1, 2], "a": "x"}, indent=2)

        _show(window, "pic.png")
        await _shown(window, "pic.png", "image")
        assert "640 × 480" in pane.summary.text()
        pixmap = pane.image.pixmap()
        assert not pixmap.isNull() and pixmap.width() <= pane.image.width()
        assert abs(pixmap.width() / pixmap.height() - 640 / 480) < 0.05

        _show(window, "blob.bin")
        await _shown(window, "blob.bin", "hex")
        lines = pane.text.toPlainText().splitlines()
        assert lines[1] == "00000008  08 09 0a 0b 0c 0d 0e 0f  ········"
        assert lines[8] == "00000040  40 41 42 43 44 45 46 47  @ABCDEFG"
        assert len(lines) == 1024 // 8

        # A folder: its object count and size; nothing selected: a hint.
        _show(window, "dir/")
        await wait_until(lambda: "Folder: 1 object, 5 B" in pane.message.text())
        window.objects.table.clearSelection()
        await wait_until(lambda: pane.kind == "message" and "Select" in pane.message.text())

    qloop.run_until_complete(body())


def test_a_10_gib_object_is_read_only_as_far_as_the_preview_needs(
    qloop, window, store, client
) -> None:
    async def body() -> None:
        # A meta message claiming 10 GiB, over only 16 real chunks: reading it whole would
        # wait for chunks that never come (and fail), so a preview must stop early.
        nuid = "HUGEPREVIEWNUID0000001"
        parts = [bytes([0xFF, i]) * (CHUNK // 2) for i in range(16)]
        await publish_chunks(client, store.bucket, nuid, parts)
        size = 10 * 1024**3
        digest = "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode()
        meta = {
            "name": "huge.bin",
            "bucket": store.bucket,
            "nuid": nuid,
            "size": size,
            "chunks": size // CHUNK,
            "digest": digest,
            "options": {"max_chunk_size": CHUNK},
        }
        await publish_meta(client, store.bucket, "huge.bin", meta)
        await store.put("huge.png", _png(8, 8))
        reads: list[int] = []
        real = preview_content.read_head

        async def spy(st, name, limit):
            data = await real(st, name, limit)
            reads.append(len(data))
            return data

        preview_content.read_head = spy
        try:
            window.window_actions.preview.toggle.trigger()
            await open_bucket(window, store.bucket)
            _show(window, "huge.bin")
            await _shown(window, "huge.bin", "hex")
        finally:
            preview_content.read_head = real
        assert reads == [preview_content.TEXT_BYTES]
        assert "of 10 GiB" in window.window_actions.preview.pane.summary.text()

    qloop.run_until_complete(body())


def test_selection_moves_cancel_the_previous_preview_and_the_toggle_is_remembered(
    qloop, nats_server, settings: QSettings, store
) -> None:
    w = make_window(qloop, nats_server, settings)
    try:

        async def body() -> None:
            await put_and_open(w, store, {"one.txt": b"1", "two.txt": b"2"})
            ops = w.window_actions.preview
            ops.toggle.trigger()
            titles: list[str] = []
            real_show = ops.pane.show_preview
            ops.pane.show_preview = lambda t, p: (titles.append(t), real_show(t, p))
            _show(w, "one.txt")
            ops._timer.stop()
            ops._load()  # the read of one.txt is under way...
            assert w.jobs.job("preview") is not None
            _show(w, "two.txt")  # ...and the move cancels it
            await _shown(w, "two.txt", "text")
            assert titles == ["two.txt"]

        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    assert settings.value("view/preview_pane", type=bool) is True
    again = make_window(qloop, nats_server, settings)
    try:
        assert again.window_actions.preview.dock.isVisible()
        again.window_actions.preview.toggle.trigger()
        assert settings.value("view/preview_pane", type=bool) is False
    finally:
        close_window(qloop, again)
