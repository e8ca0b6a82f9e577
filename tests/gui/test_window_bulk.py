"""Many objects in the window: select-all without per-row work, one bulk delete job, Stop."""

from __future__ import annotations

import asyncio
import base64
import json

import nats
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtTest import QTest

from natsobj_gui.core import errors as E
from natsobj_gui.core import wire
from natsobj_gui.core.transfer import new_nuid
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.formatting import human_size
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.qt_compat import is_alive

from .window_support import (  # noqa: F401 - fixtures
    close_window,
    make_window,
    message_boxes,
    open_bucket,
    settings_fixture,
    table_names,
    wait_until,
    window_fixture,
)


async def _metas(client, bucket: str, names: list[str]) -> None:
    """Infos without chunks, written raw and pipelined: many rows in a moment."""
    acks = []
    for name in names:
        info = ObjectInfo(name, bucket, new_nuid(), 0, 0, "")
        acks.append(
            await client.conn.js.publish_async(
                wire.meta_subject(bucket, name),
                wire.encode_info(info),
                headers=dict(wire.ROLLUP_HEADERS),
            )
        )
    await asyncio.gather(*acks)


def _ask_to_delete_all(window):
    """Select every row of the table (Ctrl+A) and ask to delete them: the dialog that asks."""
    table = window.objects.table
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    window.window_actions.delete.trigger()
    dlg = window.window_actions.objects.delete_dialog
    assert dlg is not None
    return dlg


def test_select_all_asks_no_row_by_row(qloop, window, store, client, monkeypatch) -> None:
    calls = 0
    flags = ObjectTableModel.flags

    def counted(self, index):
        nonlocal calls
        calls += 1
        return flags(self, index)

    async def body() -> None:
        nonlocal calls
        names = [f"many/f{i:05d}" for i in range(3000)]
        await _metas(client, store.bucket, [*names, "many/sub/x"])
        await open_bucket(window, store.bucket, "many/")
        table = window.objects.table
        table.setFocus()
        model = window.object_model
        monkeypatch.setattr(model, "flags", lambda index: counted(model, index))
        calls = 0
        QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        table.viewport().repaint()
        window.repaint()
        # A screenful of cells, not a question per row (or per cell) of the folder.
        assert calls < 1000, calls
        assert window.window_actions.delete.isEnabled()
        infos = window.objects.selected_infos()
        assert [i.name for i in infos] == names
        assert window.objects.selected_folders() == ["many/sub/"]
        # Filtered and sorted the other way: the selection follows the view's rows.
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        window.objects.filter_edit.setText("f0001")
        await wait_until(lambda: window.objects.proxy.rowCount() == 10)
        table.selectAll()
        shown = [n for n in names if "f0001" in n][::-1]
        assert [i.name for i in window.objects.selected_infos()] == shown
        window.window_actions.delete.trigger()
        dlg = window.window_actions.objects.delete_dialog
        assert dlg is not None and dlg.names() == shown
        dlg.reject()

    qloop.run_until_complete(body())


async def _put_elsewhere(url: str, bucket: str, name: str, data: bytes) -> None:
    """Another client (nats-py, its own connection) writes a new version of `name`."""
    other = await nats.connect(url)
    try:
        await (await other.jetstream().object_store(bucket)).put(name, data)
    finally:
        await other.close()


def test_bulk_delete_with_progress_and_stop(qloop, window, store, client, nats_server) -> None:
    async def body() -> None:
        names = [f"d/o{i:04d}" for i in range(300)]
        for name in names:
            await store.put(name, name.encode() * 50, chunk_size=200)
        await open_bucket(window, store.bucket, "d/")
        dlg = _ask_to_delete_all(window)
        assert len(dlg.names()) == 300
        # The first one the delete starts is rewritten after the listing: it is kept.
        await _put_elsewhere(nats_server.url, store.bucket, dlg.names()[0], b"theirs")
        shown: list[tuple[int, int]] = []
        set_progress = dlg.set_progress

        def progress_then_stop(done: int, total: int) -> None:
            set_progress(done, total)
            shown.append((done, total))
            if done > 0 and dlg.is_busy():
                dlg.reject()  # Stop (the button is Cancel's, relabelled) at the first object

        dlg.set_progress = progress_then_stop
        dlg.delete_button.click()
        assert dlg.is_busy() and dlg.cancel_button.text() == "Stop"
        await wait_until(lambda: not is_alive(dlg) or not dlg.isVisible(), timeout=60)
        assert shown[0] == (0, 300) and any(d > 0 for d, _ in shown)
        stopped = window.statusBar().currentMessage()

        chunks = await _chunk_counts(client, store.bucket)
        deleted = 0
        for name in names:
            try:
                info = await store.info(name)
            except E.ObjectNotFoundError:
                tomb = await store.info(name, show_deleted=True)
                assert f"$O.{store.bucket}.C.{tomb.nuid}" not in chunks, name
                deleted += 1
            else:
                assert chunks[f"$O.{store.bucket}.C.{info.nuid}"] == info.chunks
        assert 0 < deleted < 299
        # Every count is the bucket's: the kept one is neither deleted nor "untouched".
        assert stopped == (
            f"Stopped: deleted {deleted} of 300 objects ({human_size(deleted * 350)} freed);"
            " 1 kept (changed by another client after it was listed);"
            f" the remaining {299 - deleted} untouched"
        )
        await wait_until(lambda: len(table_names(window)) == 300 - deleted, timeout=20)

        # The rest in one go: the dialog closes itself and the folder is empty.
        dlg = _ask_to_delete_all(window)
        dlg.delete_button.click()
        await wait_until(lambda: not is_alive(dlg) or not dlg.isVisible(), timeout=60)
        assert await store.list() == []
        assert await _chunk_counts(client, store.bucket) == {}
        assert "Deleted" in window.statusBar().currentMessage()

    qloop.run_until_complete(body())


def test_object_replaced_after_confirming_is_kept(qloop, window, store, client, nats_server):
    async def body() -> None:
        for name in ("r/a", "r/b"):
            await store.put(name, name.encode() * 50, chunk_size=40)
        await open_bucket(window, store.bucket, "r/")
        dlg = _ask_to_delete_all(window)
        assert dlg.names() == ["r/a", "r/b"]
        # While the dialog asks, another client (its own connection) writes a new r/b.
        await _put_elsewhere(nats_server.url, store.bucket, "r/b", b"theirs")
        new = await store.info("r/b")
        dlg.delete_button.click()
        await wait_until(lambda: not is_alive(dlg) or not dlg.isVisible(), timeout=30)
        # Kept is not a failure (no error box), and the status does not say "deleted 2".
        assert window.statusBar().currentMessage() == (
            "Deleted 1 of 2 objects (150 B freed);"
            " 1 kept (changed by another client after it was listed)"
        )
        assert message_boxes() == []
        assert [i.name for i in await store.list()] == ["r/b"]
        assert await _chunk_counts(client, store.bucket) == {f"$O.{store.bucket}.C.{new.nuid}": 1}
        assert await store.get_bytes("r/b") == b"theirs"

    qloop.run_until_complete(body())


async def _chunk_counts(client, bucket: str) -> dict[str, int]:
    resp = await client.conn.api(
        f"STREAM.INFO.OBJ_{bucket}", {"subjects_filter": f"$O.{bucket}.C.>"}
    )
    return dict((resp.get("state") or {}).get("subjects") or {})


def test_actions_follow_a_selection_the_watch_removes(qloop, window, store, client) -> None:
    """Counted from the selection's runs, the actions stay right while rows go away."""

    async def body() -> None:
        for name in ("e/a", "e/b", "e/c", "e/sub/x"):
            await store.put(name, name.encode())
        await store.add_bucket_link("e/only-link", store.bucket)
        await open_bucket(window, store.bucket, "e/")
        acts, table = window.window_actions, window.objects.table
        assert table_names(window) == ["sub/", "a", "b", "c", "only-link"]
        sm, model = table.selectionModel(), window.objects.proxy
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        sm.select(QItemSelection(model.index(1, 0), model.index(2, 0)), flags)  # a, b
        assert acts.delete.isEnabled() and acts.download.isEnabled()
        assert not acts.info.isEnabled() and not acts.save_as.isEnabled()  # two objects
        await store.delete("e/a")  # the watch removes a selected row: one object is left
        await wait_until(lambda: table_names(window)[1:2] == ["b"])
        await wait_until(lambda: acts.info.isEnabled() and acts.save_as.isEnabled())
        assert acts.delete.isEnabled() and acts.download.isEnabled()
        await store.delete("e/b")  # and the last one: nothing selected
        await wait_until(lambda: not acts.delete.isEnabled(), timeout=10)
        assert not acts.info.isEnabled() and not acts.download.isEnabled()
        # Only a bucket link: one object, but nothing to download or open.
        sm.select(model.index(len(table_names(window)) - 1, 0), flags)
        assert acts.info.isEnabled() and acts.delete.isEnabled()
        assert not acts.download.isEnabled() and not acts.save_as.isEnabled()
        assert not acts.open.open_action.isEnabled()
        # A folder with it: the folder is downloadable.
        sm.select(model.index(0, 0), flags)
        assert acts.download.isEnabled() and not acts.save_as.isEnabled()
        assert not acts.open.open_action.isEnabled()
        menu = acts.object_menu(table.viewport().mapToGlobal(table.rect().center()))
        assert acts.delete in menu.actions() and acts.open.open_action in menu.actions()
        menu.close()

    qloop.run_until_complete(body())


def test_a_failed_object_is_reported_with_true_counts(qloop, window, store, client) -> None:
    async def body() -> None:
        await store.put("t/fine", b"12345")
        # Another client stored a name too long for this client's subject budget.
        long_name = "t/" + "n" * 2760
        encoded = base64.urlsafe_b64encode(long_name.encode()).decode()
        body = {"name": long_name, "bucket": store.bucket, "nuid": "N1", "size": 0, "chunks": 0}
        await client.conn.js.publish(f"$O.{store.bucket}.M.{encoded}", json.dumps(body).encode())
        await open_bucket(window, store.bucket, "t/")
        await wait_until(lambda: len(table_names(window)) == 2)
        dlg = _ask_to_delete_all(window)
        dlg.delete_button.click()
        await wait_until(lambda: len(message_boxes()) == 1, timeout=30)
        text = message_boxes()[0].text()
        message_boxes()[0].close()
        # The first failure's reason, then the true counts: 1 deleted, 1 not.
        assert text.startswith(f"Delete failed: {long_name}: object name is too long"), text
        assert text.endswith(". Deleted 1 of 2 objects (5 B freed); 1 could not be deleted.")
        assert [i.name for i in await store.list()] == [long_name]

    qloop.run_until_complete(body())
