"""Main window against a real server: live watch, info, delete, errors, settings, stale listings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest

from natsobj_gui.core.types import ObjectMeta
from natsobj_gui.formatting import human_size
from natsobj_gui.jobs import JobState
from natsobj_gui.qt_compat import is_alive

from .window_support import (
    close_window,
    drop_files,
    make_window,
    message_boxes,
    open_bucket,
    row_of,
    table_names,
    wait_until,
)


def test_put_by_another_client_appears_via_watch(qloop, window, store) -> None:
    resets: list[int] = []

    async def body() -> None:
        await store.put("first.txt", b"1")
        await open_bucket(window, store.bucket)
        assert table_names(window) == ["first.txt"]
        window.object_model.modelReset.connect(lambda: resets.append(1))
        # Another connection (the `store` fixture's) writes: the watch shows it.
        await store.put("reports/q1.txt", b"q1")
        await store.put("second.txt", b"22")
        await wait_until(lambda: table_names(window) == ["reports/", "first.txt", "second.txt"])
        await store.delete("first.txt")
        await wait_until(lambda: table_names(window) == ["reports/", "second.txt"])
        # The tree grew the folder node too.
        assert window.tree.select_node(store.bucket, "reports/")
        assert window.prefix == "reports/"
        assert table_names(window) == ["q1.txt"]
        assert window.window_actions.up.isEnabled()
        window.window_actions.up.trigger()
        assert window.prefix == ""
        assert table_names(window) == ["reports/", "second.txt"]
        window.open_location(store.bucket, "reports/")
        # Live changes were applied as row inserts/removes, never a model reset.
        assert len(resets) == 3  # only entering and leaving folders reset the table

    qloop.run_until_complete(body())


def test_info_dialog_shows_core_fields_and_verifies(qloop, window, store) -> None:
    async def body() -> None:
        meta = ObjectMeta("notes/readme.md", "the readme", metadata={"owner": "ops"})
        put = await store.put(meta, b"# hello\n" * 1000)
        await open_bucket(window, store.bucket, "notes/")
        table = window.objects.table
        table.setFocus()
        table.selectRow(row_of(window, "readme.md"))
        QTest.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
        dlg = window.window_actions.objects.info_dialog
        assert dlg is not None and dlg.isVisible()
        assert dlg.name_field.text() == "notes/readme.md"
        assert dlg.bucket_label.text() == store.bucket
        assert dlg.description_label.text() == "the readme"
        assert dlg.size_label.text().startswith("8,000 bytes")
        assert dlg.chunks_label.text() == str(put.chunks)
        assert dlg.digest_field.text() == put.digest
        assert dlg.nuid_field.text() == put.nuid
        assert dlg.metadata_table.pairs() == [("owner", "ops")]
        dlg.verify_button.click()
        await wait_until(dlg.verify_result.isVisible)
        assert "match" in dlg.verify_result.text()
        dlg.close()

    qloop.run_until_complete(body())


def test_delete_via_dialog(qloop, window, store) -> None:
    async def body() -> None:
        for name in ("a.txt", "b.txt", "c.txt"):
            await store.put(name, name.encode())
        await open_bucket(window, store.bucket)
        table = window.objects.table
        sel = table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for name in ("a.txt", "c.txt"):
            sel.select(window.objects.proxy.index(row_of(window, name), 0), flags)
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Delete)
        dlg = window.window_actions.objects.delete_dialog
        assert dlg is not None and dlg.isVisible()
        assert dlg.names() == ["a.txt", "c.txt"]
        dlg.delete_button.click()
        # The dialog closes (and deletes itself) once every delete went through.
        await wait_until(lambda: not is_alive(dlg) or not dlg.isVisible(), timeout=20)
        assert [i.name for i in await store.list()] == ["b.txt"]
        await wait_until(lambda: table_names(window) == ["b.txt"])

        # A selected folder deletes everything below it (listed in the dialog first).
        await store.put("old/x.txt", b"x")
        await store.put("old/deep/y.txt", b"y")
        await wait_until(lambda: table_names(window) == ["old/", "b.txt"])
        table.clearSelection()
        table.selectRow(row_of(window, "old/"))
        assert window.window_actions.delete.isEnabled()
        window.window_actions.delete.trigger()
        dlg = window.window_actions.objects.delete_dialog
        assert dlg.names() == ["old/deep/y.txt", "old/x.txt"]
        dlg.delete_button.click()
        await wait_until(lambda: table_names(window) == ["b.txt"], timeout=20)
        assert [i.name for i in await store.list()] == ["b.txt"]

    qloop.run_until_complete(body())


def test_sealed_bucket_error_is_shown_and_window_stays_usable(
    qloop, window, store, client, tmp_path: Path
) -> None:
    (tmp_path / "late.txt").write_bytes(b"too late")
    (tmp_path / "later.txt").write_bytes(b"even later")

    async def body() -> None:
        await store.put("kept.txt", b"kept")
        await open_bucket(window, store.bucket)
        assert window.window_actions.upload_files.isEnabled()
        assert not window.objects.sealed_label.isVisible()
        # Sealed behind the window's back: the next write fails on the server.
        await client.buckets.seal(store.bucket)
        drop = [tmp_path / "late.txt", tmp_path / "later.txt"]
        drop_files(window.objects.table.viewport(), drop)
        queue = window.transfers.queue
        await wait_until(
            lambda: len(queue.transfers()) == 2 and all(t.is_finished for t in queue.transfers()),
            timeout=20,
        )
        await wait_until(lambda: message_boxes(), timeout=20, what="an error box")
        (box,) = message_boxes()  # one box for the failures of one drop
        assert "sealed" in box.text()
        assert "Traceback" not in box.text() + box.detailedText()
        assert "sealed" in window.statusBar().currentMessage()
        box.close()
        # The failed write made the window re-read the bucket: writes are now disabled.
        await wait_until(lambda: window.buckets[store.bucket].sealed)
        assert not window.window_actions.upload_files.isEnabled()
        # Still usable: a refresh lists everything again.
        window.nav.refresh()
        await wait_until(lambda: table_names(window) == ["kept.txt"])
        assert not window.window_actions.upload_files.isEnabled()
        assert not window.objects.table.writable
        assert window.objects.sealed_label.isVisible()  # said beside the bucket's name
        window.objects.table.selectRow(0)
        window.window_actions.update_enabled()
        assert (
            window.window_actions.download.isEnabled()
            and not window.window_actions.delete.isEnabled()
        )
        window.open_location(store.bucket, "nowhere/")
        assert "sealed" in window.objects.table.empty_text

    qloop.run_until_complete(body())


def test_new_selection_cancels_the_stale_listing(qloop, window, store, client) -> None:
    async def body() -> None:
        other = await client.create_bucket(store.bucket + "_b")
        try:
            await other.put("in-b.txt", b"b")
            await open_bucket(window, store.bucket)
            first = window.jobs.job("watch")
            assert first is not None and first.running
            await open_bucket(window, other.bucket)
            assert await first.wait() is JobState.CANCELLED
            assert window.jobs.job("watch") is not first
            assert table_names(window) == ["in-b.txt"]
            # A put into the old bucket no longer reaches the table.
            await store.put("in-a.txt", b"a")
            await other.put("in-b2.txt", b"b2")
            await wait_until(lambda: "in-b2.txt" in table_names(window))
            assert "in-a.txt" not in table_names(window)
        finally:
            await window.nav.close_bucket()
            await client.buckets.delete(other.bucket)

    qloop.run_until_complete(body())


def test_settings_restore_last_bucket_and_columns(
    qloop, nats_server, settings, bucket_name
) -> None:
    w = make_window(qloop, nats_server, settings)
    try:

        async def first() -> None:
            assert w.client is not None
            store = await w.client.create_bucket(bucket_name)
            await store.put("x/y.txt", b"y")
            await open_bucket(w, bucket_name, "x/")
            w.objects.table.horizontalHeader().resizeSection(0, 333)
            w.splitter.setSizes([300, 700])

        qloop.run_until_complete(first())
    finally:
        close_window(qloop, w)

    w2 = make_window(qloop, nats_server, settings)
    try:

        async def second() -> None:
            await wait_until(lambda: w2.bucket == bucket_name and w2.prefix == "x/")
            await wait_until(lambda: table_names(w2) == ["y.txt"])
            assert w2.objects.table.horizontalHeader().sectionSize(0) == 333
            assert w2.splitter.sizes()[0] == 300
            assert w2.client is not None
            await w2.nav.close_bucket()
            await w2.client.buckets.delete(bucket_name)

        qloop.run_until_complete(second())
    finally:
        close_window(qloop, w2)


def _dialog(window, cls):
    """The visible dialog of a type that a command opened on the window."""
    found = [d for d in window.findChildren(cls) if d.isVisible()]
    assert len(found) == 1, f"expected one open {cls.__name__}, got {found}"
    return found[0]


def test_bucket_and_object_commands_through_dialogs(qloop, window, bucket_name) -> None:
    from natsobj_gui.dialogs.bucket_dialog import BucketDialog
    from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog
    from natsobj_gui.dialogs.delete_dialog import DeleteBucketDialog
    from natsobj_gui.dialogs.link_dialog import LinkDialog
    from natsobj_gui.dialogs.meta_dialog import MetaDialog
    from natsobj_gui.dialogs.seal_dialog import SealDialog

    acts = window.window_actions

    def select(name: str) -> None:
        window.objects.table.selectRow(row_of(window, name))
        acts.update_enabled()

    async def body() -> None:
        # New bucket: created and opened.
        acts.new_bucket.trigger()
        dlg = _dialog(window, BucketDialog)
        dlg.name_edit.setText(bucket_name)
        dlg.ok_button.click()
        await wait_until(lambda: window.bucket == bucket_name, timeout=20)
        await wait_until(lambda: window.index is not None and window.index.initial_done)
        assert window.client is not None
        await window.client.store(bucket_name).put("doc.txt", b"document")
        await wait_until(lambda: table_names(window) == ["doc.txt"])

        # Rename through the metadata dialog.
        select("doc.txt")
        acts.edit_meta.trigger()
        dlg = _dialog(window, MetaDialog)
        dlg.name_edit.setText("renamed.txt")
        dlg.ok_button.click()
        await wait_until(lambda: table_names(window) == ["renamed.txt"], timeout=20)

        # A link to it.
        select("renamed.txt")
        acts.create_link.trigger()
        dlg = _dialog(window, LinkDialog)
        dlg.name_edit.setText("alias.txt")
        dlg.ok_button.click()
        await wait_until(lambda: "alias.txt" in table_names(window), timeout=20)
        link = window.index.get("alias.txt").link
        assert link is not None and (link.bucket, link.name) == (bucket_name, "renamed.txt")

        # Status, then seal: write actions go grey.
        acts.bucket_status.trigger()
        await wait_until(
            lambda: any(d.isVisible() for d in window.findChildren(BucketStatusDialog))
        )
        _dialog(window, BucketStatusDialog).close()
        acts.seal_bucket.trigger()
        _dialog(window, SealDialog).seal_button.click()
        await wait_until(lambda: window.buckets[bucket_name].sealed, timeout=20)
        assert not acts.upload_files.isEnabled() and not acts.edit_meta.isEnabled()

        # Delete the bucket (typing its name): it leaves the tree and the table.
        acts.delete_bucket.trigger()
        dlg = _dialog(window, DeleteBucketDialog)
        dlg.confirm_edit.setText(bucket_name)
        dlg.delete_button.click()
        await wait_until(lambda: bucket_name not in window.buckets, timeout=20)
        assert window.bucket == "" and table_names(window) == []
        assert bucket_name not in window.tree_model.buckets()

    qloop.run_until_complete(body())


async def _fill(client, bucket: str, n: int) -> None:
    """n one-chunk objects at the root, published pipelined (as the listing benchmark does)."""
    import asyncio
    import hashlib

    from natsobj_gui.core import wire
    from natsobj_gui.core.transfer import new_nuid
    from natsobj_gui.core.types import DEFAULT_CHUNK_SIZE, ObjectInfo

    js = client.conn.js
    acks = []
    for i in range(n):
        name, data, nuid = f"obj{i:05d}", b"%d" % i, new_nuid()
        info = ObjectInfo(
            name=name,
            bucket=bucket,
            nuid=nuid,
            size=len(data),
            chunks=1,
            digest=wire.digest_string(hashlib.sha256(data)),
            max_chunk_size=DEFAULT_CHUNK_SIZE,
        )
        acks.append(await js.publish_async(wire.chunk_subject(bucket, nuid), data))
        acks.append(
            await js.publish_async(
                wire.meta_subject(bucket, name),
                wire.encode_info(info),
                headers=dict(wire.ROLLUP_HEADERS),
            )
        )
        if len(acks) >= 1000:
            await asyncio.gather(*acks)
            acks = []
    await asyncio.gather(*acks)


def test_big_listing_is_applied_in_batches(qloop, window, store, client) -> None:
    n = 5000
    inserts: list[int] = []
    resets: list[int] = []

    async def body() -> None:
        await _fill(client, store.bucket, n)
        window.object_model.rowsInserted.connect(lambda _p, a, b: inserts.append(b - a + 1))
        window.object_model.modelReset.connect(lambda: resets.append(1))
        await open_bucket(window, store.bucket)
        assert window.object_model.rowCount() == n
        assert window.objects.proxy.rowCount() == n
        # A handful of batch inserts, not one signal per object, and a single reset.
        assert sum(inserts) == n
        assert len(inserts) <= 20, len(inserts)
        assert resets == [1]
        assert table_names(window)[:2] == ["obj00000", "obj00001"]
        # Typing in the filter of a big folder filters once, after a pause.
        for i in range(1, len("obj0000") + 1):
            window.objects.filter_edit.setText("obj0000"[:i])
        assert window.objects.proxy.rowCount() == n  # not yet
        await wait_until(lambda: window.objects.proxy.rowCount() == 10)
        assert table_names(window) == [f"obj0000{i}" for i in range(10)]
        window.objects.filter_edit.clear()
        await wait_until(lambda: window.objects.proxy.rowCount() == n)
        await window.nav.close_bucket()

    qloop.run_until_complete(body())


def test_filter_box_with_ctrl_f(qloop, window, store) -> None:
    async def body() -> None:
        for name in ("report-2024.pdf", "report-2025.pdf", "photo.jpg", "reports/old.txt"):
            await store.put(name, b"x")
        assert not window.objects.filter_edit.isEnabled()  # no bucket open: nothing to filter
        await open_bucket(window, store.bucket)
        assert window.objects.filter_edit.isEnabled()
        window.objects.table.setFocus()
        QTest.keyClick(window.objects.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.objects.filter_edit.hasFocus()
        QTest.keyClicks(window.objects.filter_edit, "REPORT")
        assert table_names(window) == ["reports/", "report-2024.pdf", "report-2025.pdf"]
        assert window.objects.count_label.text() == "3 of 4 items"
        window.objects.filter_edit.clear()
        assert len(table_names(window)) == 4

    qloop.run_until_complete(body())


def test_right_click_on_empty_space_clears_the_selection(qloop, window, store) -> None:
    """The menu of empty space is about the folder: no Delete for a stale selection."""
    from PySide6.QtCore import QPoint

    async def body() -> None:
        await store.put("a.txt", b"a")
        await open_bucket(window, store.bucket)
        table = window.objects.table
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        table.selectionModel().select(window.objects.proxy.index(0, 0), flags)
        assert window.objects.selected_infos()
        menus = []
        window.objects.context_menu_requested.disconnect()
        window.objects.context_menu_requested.connect(
            lambda pos: menus.append(window.window_actions.object_menu(pos))
        )
        empty = QPoint(10, table.viewport().height() - 5)
        assert not table.indexAt(empty).isValid()
        table.customContextMenuRequested.emit(empty)
        assert window.objects.selected_infos() == []
        texts = [a.text() for a in menus[0].actions() if not a.isSeparator()]
        assert "Delete…" not in texts and "Info" not in texts
        assert "Upload Files…" in texts
        menus[0].close()

    qloop.run_until_complete(body())


def test_the_tree_shows_the_open_buckets_size_after_live_changes(qloop, window, store) -> None:
    """Another client's put grows the bucket: the size beside it in the tree follows (it
    stayed what it was when the bucket list was loaded)."""
    from natsobj_gui.views.tree_size_delegate import size_text

    def shown() -> str:
        return size_text(window.tree_model.index_for(store.bucket))

    async def body() -> None:
        await store.put("small.txt", b"1")
        await open_bucket(window, store.bucket)
        before = window.buckets[store.bucket].size
        assert shown() and before < 1 << 20
        await store.put("big.bin", bytes(3 << 20))
        await wait_until(lambda: window.buckets[store.bucket].size > 3 << 20, timeout=10)
        assert shown() == human_size(window.buckets[store.bucket].size)

    qloop.run_until_complete(body())
