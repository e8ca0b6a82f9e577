"""Main window transfers against a real server: drops, cancel, overwrite policy, downloads."""

from __future__ import annotations

import os
from pathlib import Path

from natsobj_gui.core.download import TEMP_GLOB
from natsobj_gui.core.transfers import TransferState
from natsobj_gui.core.types import DEFAULT_CHUNK_SIZE

from .window_support import drop_files, open_bucket, row_of, table_names, wait_until

CHUNK = DEFAULT_CHUNK_SIZE


def _tree(tmp_path: Path) -> dict[str, bytes]:
    """Two files and a folder (with a sub-folder) to drop; returns object name -> content."""
    src = tmp_path / "src"
    (src / "docs" / "sub").mkdir(parents=True)
    files = {
        "a.txt": b"hello a",
        "b.bin": os.urandom(3 * CHUNK + 100),  # 4 chunks
        "docs/x.txt": b"x" * 10,
        "docs/sub/y.txt": b"y" * 20,
    }
    for name, data in files.items():
        (src / name).write_bytes(data)
    return files


def test_drop_files_and_folder_on_table(qloop, window, store, tmp_path: Path) -> None:
    files = _tree(tmp_path)
    src = tmp_path / "src"
    steps: dict[str, list[tuple[TransferState, int, int]]] = {}
    window.transfers.queue.subscribe(
        on_change=lambda t: steps.setdefault(t.name, []).append(
            (t.state, t.progress.chunks_done, t.progress.chunks_total)
        )
    )

    async def body() -> None:
        await open_bucket(window, store.bucket)
        assert table_names(window) == []
        assert "Drop files" in window.objects.table.empty_text  # the empty table says how
        dropped = drop_files(
            window.objects.table.viewport(), [src / "a.txt", src / "b.bin", src / "docs"]
        )
        assert dropped
        queue = window.transfers.queue
        await wait_until(lambda: len(queue.transfers()) == 4, what="4 transfers queued")
        await wait_until(
            lambda: all(t.is_finished for t in queue.transfers()), timeout=30, what="uploads end"
        )
        assert {t.name: t.state for t in queue.transfers()} == dict.fromkeys(
            files, TransferState.DONE
        )
        # The live watch puts them in the table: two files and the folder at the root.
        await wait_until(lambda: sorted(table_names(window)) == ["a.txt", "b.bin", "docs/"])
        for name, data in files.items():
            assert await store.get_bytes(name) == data

        # Every chunk step of the 4-chunk upload was reported, in order, then done.
        running = [done for state, done, _ in steps["b.bin"] if state is TransferState.RUNNING]
        assert [c for c in running if c] == [1, 2, 3, 4]
        assert steps["b.bin"][-1] == (TransferState.DONE, 4, 4)
        # The transfer panel's row for it shows the end state.
        model = window.transfer_panel.model
        texts = [
            str(model.index(r, c).data())
            for r in range(model.rowCount())
            for c in range(model.columnCount())
        ]
        assert any("b.bin" in t for t in texts)
        assert any("one" in t.lower() for t in texts)  # "Done"

        # Double click on the folder row enters it; the breadcrumbs follow.
        window.objects.table.doubleClicked.emit(
            window.objects.proxy.index(row_of(window, "docs/"), 0)
        )
        assert window.prefix == "docs/"
        assert window.objects.breadcrumbs.labels() == [store.bucket, "docs"]
        assert sorted(table_names(window)) == ["sub/", "x.txt"]

    qloop.run_until_complete(body())


def test_drop_on_tree_folder_node(qloop, window, store, tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_bytes(b"into the folder")

    async def body() -> None:
        await store.put("reports/old.txt", b"old")
        await open_bucket(window, store.bucket)
        await wait_until(lambda: window.tree.select_node(store.bucket, "reports/"))
        rect = window.tree.visualRect(window.tree.currentIndex())
        dropped = drop_files(window.tree.viewport(), [tmp_path / "n.txt"], rect.center())
        assert dropped
        await wait_until(lambda: window.index is not None and "reports/n.txt" in window.index)
        assert await store.get_bytes("reports/n.txt") == b"into the folder"

    qloop.run_until_complete(body())


def test_cancel_large_upload_leaves_nothing(qloop, window, store, client, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(400 * CHUNK)  # 50 MiB, sparse: cheap to make
    queue = window.transfers.queue
    # Cancel from the progress listener once two chunks are in: no race with a fast put.
    queue.subscribe(
        on_change=lambda t: (
            queue.cancel(t.id)
            if t.state is TransferState.RUNNING and t.progress.chunks_done >= 2
            else None
        )
    )

    async def body() -> None:
        await open_bucket(window, store.bucket)
        window.transfers.upload_paths([big], store.bucket, "")
        await wait_until(lambda: len(queue.transfers()) == 1)
        (t,) = queue.transfers()
        await wait_until(lambda: t.is_finished, timeout=30)
        assert t.state is TransferState.CANCELLED
        assert 2 <= t.progress.chunks_done < 400
        model = window.transfer_panel.model
        texts = [str(model.index(0, c).data()) for c in range(model.columnCount())]
        assert any("cancel" in s.lower() for s in texts), texts
        assert await store.list() == []
        status = await client.buckets.status(store.bucket)
        assert status.messages == 0 and status.size == 0
        assert table_names(window) == []

    qloop.run_until_complete(body())


def test_overwrite_policy_ask_skip_and_overwrite(qloop, window, store, tmp_path: Path) -> None:
    from natsobj_gui.dialogs.overwrite_dialog import OverwriteDialog

    (tmp_path / "same.txt").write_bytes(b"new content")
    (tmp_path / "fresh.txt").write_bytes(b"fresh")
    queue = window.transfers.queue

    async def body() -> None:
        await store.put("same.txt", b"old content")
        await open_bucket(window, store.bucket)
        # Ask: the dialog comes up for the existing name; Skip keeps the old version.
        window.transfers.set_overwrite_policy("ask")
        window.transfers.upload_paths([tmp_path / "same.txt", tmp_path / "fresh.txt"], store.bucket)
        await wait_until(
            lambda: isinstance(getattr(window.transfers, "overwrite_dialog", None), OverwriteDialog)
        )
        dlg = window.transfers.overwrite_dialog
        await wait_until(dlg.isVisible)
        dlg.skip_button.click()
        await wait_until(lambda: len(queue.transfers()) == 1 and queue.transfers()[0].is_finished)
        assert queue.transfers()[0].name == "fresh.txt"
        assert await store.get_bytes("same.txt") == b"old content"
        # Settings say always overwrite: no question.
        window.transfers.set_overwrite_policy("overwrite")
        window.transfers.upload_paths([tmp_path / "same.txt"], store.bucket)
        await wait_until(lambda: len(queue.transfers()) == 2 and queue.transfers()[1].is_finished)
        assert await store.get_bytes("same.txt") == b"new content"
        # Always skip: nothing queued.
        window.transfers.set_overwrite_policy("skip")
        window.transfers.upload_paths([tmp_path / "same.txt"], store.bucket)
        await wait_until(lambda: "skipped" in window.statusBar().currentMessage())
        assert len(queue.transfers()) == 2

    qloop.run_until_complete(body())


def test_download_writes_the_right_bytes(qloop, window, store, tmp_path: Path) -> None:
    data = os.urandom(2 * CHUNK + 7)
    out = tmp_path / "out"
    out.mkdir()

    async def body() -> None:
        await store.put("photos/2024/pic.raw", data)
        await store.put("photos/2024/deep/more.raw", b"more")
        await open_bucket(window, store.bucket, "photos/")
        # Select the "2024/" folder: downloads keep its tree below the current folder.
        window.objects.table.selectRow(row_of(window, "2024/"))
        window.window_actions.update_enabled()
        assert window.window_actions.download.isEnabled()
        window.window_actions.download.trigger()
        dlg = window.transfers.file_dialog
        await wait_until(dlg.isVisible)
        dlg.setDirectory(str(out))
        dlg.selectFile(str(out))
        dlg.accept()
        queue = window.transfers.queue
        await wait_until(lambda: len(queue.transfers()) == 2)
        await wait_until(lambda: all(t.is_finished for t in queue.transfers()), timeout=30)
        assert [t.state for t in queue.transfers()] == [TransferState.DONE] * 2
        assert (out / "2024" / "pic.raw").read_bytes() == data
        assert (out / "2024" / "deep" / "more.raw").read_bytes() == b"more"
        assert not list(out.rglob(TEMP_GLOB))

        # Save As for one object, to an exact path.
        await wait_until(lambda: "pic.raw" in [n for n in _names_in(window, "photos/2024/")])
        target = tmp_path / "renamed.raw"
        window.transfers.download_as(window.index.get("photos/2024/pic.raw"), target)
        await wait_until(lambda: queue.transfers()[-1].is_finished, timeout=30)
        assert target.read_bytes() == data

    qloop.run_until_complete(body())


def _names_in(window, prefix: str) -> list[str]:
    window.open_location(window.bucket, prefix)
    return table_names(window)


def test_closing_the_window_cancels_a_running_upload(
    qloop, nats_server, settings, store, client, tmp_path: Path
) -> None:
    from .window_support import make_window, message_boxes

    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(400 * CHUNK)
    w = make_window(qloop, nats_server, settings)
    queue = w.transfers.queue

    async def body() -> None:
        # All in one coroutine: qasync runs one unguarded processEvents() after each
        # run_until_complete, where a running upload would find no event loop.
        await open_bucket(w, store.bucket)
        w.transfers.upload_paths([big], store.bucket, "")
        await wait_until(lambda: queue.transfers() and queue.transfers()[0].progress.chunks_done)
        w.close()  # closeEvent cancels; the app then awaits shutdown()
        await w.shutdown()

    qloop.run_until_complete(body())
    for box in message_boxes():
        box.close()
    w.deleteLater()
    (t,) = queue.transfers()
    assert t.state is TransferState.CANCELLED
    assert w.client is None
    status = qloop.run_until_complete(client.buckets.status(store.bucket))
    assert status.messages == 0, "a cancelled upload left chunks behind"


def test_upload_dialog_with_a_prefix(qloop, window, store, tmp_path: Path) -> None:
    from natsobj_gui.dialogs.upload_dialog import UploadDialog

    (tmp_path / "pick.txt").write_bytes(b"picked")

    async def body() -> None:
        await open_bucket(window, store.bucket)
        window.window_actions.upload_files.trigger()
        (dlg,) = [d for d in window.findChildren(UploadDialog) if d.isVisible()]
        assert dlg.file_dialog is not None and dlg.file_dialog.isVisible()  # straight to picking
        dlg.file_dialog.reject()
        dlg.add_paths([tmp_path / "pick.txt"])
        dlg.prefix_edit.setText("inbox")
        dlg.ok_button.click()
        await wait_until(lambda: window.index is not None and "inbox/pick.txt" in window.index)
        assert await store.get_bytes("inbox/pick.txt") == b"picked"
        assert table_names(window) == ["inbox/"]

    qloop.run_until_complete(body())


def test_drops_that_are_refused(qloop, window, store, client, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent
    from PySide6.QtWidgets import QApplication

    (tmp_path / "f.txt").write_bytes(b"f")

    def enter(target, urls: list[QUrl], pos: QPoint) -> tuple[bool, bool]:
        mime = QMimeData()
        mime.setUrls(urls)
        args = (
            pos,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        ev = QDragEnterEvent(*args)
        QApplication.sendEvent(target, ev)
        move = QDragMoveEvent(*args)
        QApplication.sendEvent(target, move)
        return ev.isAccepted(), move.isAccepted()

    async def body() -> None:
        await open_bucket(window, store.bucket)
        table = window.objects.table.viewport()
        local = QUrl.fromLocalFile(str(tmp_path / "f.txt"))
        web = QUrl("https://example.com/f.txt")
        corner = QPoint(10, table.height() - 10)
        assert enter(table, [local], corner) == (True, True)
        # Web links (alone or mixed with files) are not uploads.
        assert enter(table, [web], corner) == (False, False)
        assert enter(table, [local, web], corner) == (False, False)
        # A sealed bucket takes nothing, on the table or on its tree node.
        await client.buckets.seal(store.bucket)
        window.nav.refresh()
        await wait_until(lambda: window.buckets[store.bucket].sealed)
        await wait_until(lambda: window.jobs.job("refresh") is None)
        assert enter(table, [local], corner)[1] is False
        window.tree.select_node(store.bucket)
        rect = window.tree.visualRect(window.tree.currentIndex())
        assert enter(window.tree.viewport(), [local], rect.center())[1] is False
        assert window.transfers.queue.transfers() == []

    qloop.run_until_complete(body())


def test_overwrite_prompt_counts_conflicts_and_keeps_both(
    qloop, window, store, tmp_path: Path
) -> None:
    from natsobj_gui.dialogs.overwrite_dialog import OverwriteDialog

    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(b"new " + name.encode())
    queue = window.transfers.queue

    async def body() -> None:
        await store.put("a.txt", b"old a")
        await store.put("b.txt", b"old b")
        await store.put("b (2).txt", b"taken")
        await open_bucket(window, store.bucket)
        window.transfers.set_overwrite_policy("ask")
        window.transfers.upload_paths([tmp_path / "a.txt", tmp_path / "b.txt"], store.bucket)
        await wait_until(
            lambda: isinstance(window.transfers.__dict__.get("overwrite_dialog"), OverwriteDialog)
        )
        first = window.transfers.overwrite_dialog
        await wait_until(first.isVisible)
        assert "this is 1 of 2" in first.message_label.text()
        assert not first.apply_all_check.isHidden()  # another conflict follows
        assert first.new_time_label.text() != "—"  # the local file's date
        first.keep_button.click()
        await wait_until(lambda: window.transfers.overwrite_dialog is not first)
        second = window.transfers.overwrite_dialog
        await wait_until(second.isVisible)
        assert "this is 2 of 2" in second.message_label.text()
        assert second.apply_all_check.isHidden()  # the last one: nothing to apply to
        second.keep_button.click()
        await wait_until(lambda: len(queue.transfers()) == 2)
        await queue.wait_idle()
        assert sorted(t.name for t in queue.transfers()) == ["a (2).txt", "b (3).txt"]
        assert await store.get_bytes("a.txt") == b"old a"
        assert await store.get_bytes("a (2).txt") == b"new a.txt"
        assert await store.get_bytes("b (3).txt") == b"new b.txt"

    qloop.run_until_complete(body())


def test_clear_finished_forgets_their_states_and_retry_still_works(
    qloop, window, store, tmp_path: Path
) -> None:
    from .window_support import message_boxes

    ops, panel = window.transfers, window.transfer_panel
    later, now = tmp_path / "later.txt", tmp_path / "now.txt"
    now.write_bytes(b"now")

    async def body() -> None:
        await open_bucket(window, store.bucket)
        failed = ops.queue.upload(store.bucket, later, "later.txt")  # no such file yet
        done = ops.queue.upload(store.bucket, now, "now.txt")
        await ops.queue.wait_idle()
        assert failed.state is TransferState.FAILED and done.state is TransferState.DONE
        assert set(ops._states) == {failed.id, done.id}
        # Retry of the failed one: the same transfer runs again and the queue file follows.
        later.write_bytes(b"hello later")
        ops._save_later.stop()
        panel.retry_failed()
        assert ops._save_later.isActive()  # its new state was seen
        await ops.queue.wait_idle()
        assert failed.state is TransferState.DONE, failed.error
        assert await store.get_bytes("later.txt") == b"hello later"
        panel.clear_finished()
        assert ops.queue.transfers() == [] and ops._states == {}

    qloop.run_until_complete(body())
    for box in message_boxes():
        box.close()
