"""Main window locations: bucket switches from deep folders, open folders kept, renames, keys."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from natsobj_gui.core import Client
from natsobj_gui.core.types import ObjectMeta
from natsobj_gui.dialogs.upload_dialog import UploadDialog

from .window_support import (  # noqa: F401 - fixtures
    drag_objects,
    open_bucket,
    put_and_open,
    row_of,
    settings_fixture,
    table_names,
    wait_signal,
    wait_until,
    window_fixture,
)


def test_opening_another_bucket_from_a_deep_folder_stays_there(
    qloop, window, client: Client, store, bucket_name: str
) -> None:
    other = f"{bucket_name}_other"

    async def body() -> None:
        await store.put("2024/jan/a.txt", b"a")
        await client.create_bucket(other)
        try:
            await open_bucket(window, store.bucket, "2024/jan/")
            await wait_until(lambda: window.tree.current_node() == (store.bucket, "2024/jan/"))
            # As "New Bucket" does: open another bucket in code, not by a click in the tree.
            # Dropping the old bucket's folders moves the tree's current index: that must
            # not reopen the old bucket.
            done = wait_signal(window.listing_done, timeout=30)
            window.open_location(other, "")
            await done
            assert (window.bucket, window.prefix) == (other, "")
            assert window.tree.current_node() == (other, "")
            await wait_until(lambda: window.objects.table.empty_text.startswith("This folder"))
            assert window.bucket == other
            # Expanding the first bucket's (now closed) node opens it again, with its folders.
            done = wait_signal(window.listing_done, timeout=30)
            window.tree.expand(window.tree_model.index_for(store.bucket, ""))
            await done
            assert (window.bucket, window.prefix) == (store.bucket, "")
            await wait_until(lambda: window.tree_model.index_for(store.bucket, "2024/").isValid())
        finally:
            await window.nav.close_bucket()
            await client.buckets.delete(other)

    qloop.run_until_complete(body())


def test_open_folders_come_back_after_f5_and_a_bucket_switch(
    qloop, window, client: Client, store, bucket_name: str
) -> None:
    other = f"{bucket_name}_o2"
    tree, model = window.tree, window.tree_model

    def expanded(prefix: str) -> bool:
        index = model.index_for(store.bucket, prefix)
        return index.isValid() and tree.isExpanded(index)

    async def body() -> None:
        await store.put("a/b/c/deep.txt", b"d")
        await client.create_bucket(other)
        try:
            await open_bucket(window, store.bucket)
            tree.expand(model.index_for(store.bucket, ""))
            for prefix in ("a/", "a/b/"):
                await wait_until(lambda p=prefix: model.index_for(store.bucket, p).isValid())
                tree.expand(model.index_for(store.bucket, prefix))
            assert expanded("a/b/")
            # F5 rebuilds the bucket's folders from a new listing: the open ones reopen.
            done = wait_signal(window.listing_done, timeout=30)
            window.nav.refresh()
            await done
            await wait_until(lambda: expanded("a/") and expanded("a/b/"), what="after F5")
            # Another bucket drops this bucket's folders; coming back brings them back.
            done = wait_signal(window.listing_done, timeout=30)
            window.open_location(other, "")
            await done
            assert not model.index_for(store.bucket, "a/").isValid()
            done = wait_signal(window.listing_done, timeout=30)
            window.open_location(store.bucket, "")
            await done
            tree.expand(model.index_for(store.bucket, ""))
            await wait_until(lambda: expanded("a/") and expanded("a/b/"), what="after switch")
            # A folder the user closed stays closed next time.
            tree.collapse(model.index_for(store.bucket, "a/b/"))
            assert "a/b/" not in tree.open_folders(store.bucket)
        finally:
            await window.nav.close_bucket()
            await client.buckets.delete(other)

    qloop.run_until_complete(body())


def test_rename_by_another_client_replaces_the_row(qloop, window, store) -> None:
    async def body() -> None:
        await put_and_open(window, store, {"old/name.txt": b"x", "stay.txt": b"y"})
        assert table_names(window) == ["old/", "stay.txt"]
        # Another connection renames: the old meta is purged (no watch event for it).
        await store.update_meta("old/name.txt", ObjectMeta(name="new/name.txt"))
        await wait_until(lambda: table_names(window) == ["new/", "stay.txt"], what="rename")
        assert "old/name.txt" not in window.index
        assert not window.tree_model.index_for(store.bucket, "old/").isValid()

    qloop.run_until_complete(body())


def test_keyboard_f5_ctrl_u_and_alt_up(qloop, window, store) -> None:
    table = window.objects.table
    ctrl = Qt.KeyboardModifier.ControlModifier

    async def body() -> None:
        await store.put("docs/a.txt", b"a")
        await open_bucket(window, store.bucket, "docs/")
        window.activateWindow()
        table.setFocus()
        # F5 lists the bucket again (a new listing: its index object is replaced).
        old_index = window.index
        done = wait_signal(window.listing_done, timeout=30)
        QTest.keyClick(table, Qt.Key.Key_F5)
        await done
        assert window.index is not old_index
        assert (window.bucket, window.prefix) == (store.bucket, "docs/")
        # Ctrl+U: the upload dialog for the current folder, straight on its file picker.
        QTest.keyClick(table, Qt.Key.Key_U, ctrl)
        await wait_until(
            lambda: any(isinstance(w, UploadDialog) and w.isVisible() for w in _tops())
        )
        dialog = next(w for w in _tops() if isinstance(w, UploadDialog))
        assert dialog.prefix() == "docs/"
        await wait_until(lambda: any(p.isVisible() for p in dialog.findChildren(QFileDialog)))
        for picker in dialog.findChildren(QFileDialog):
            picker.reject()
        dialog.reject()
        # Alt+Up: the parent folder.
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
        await wait_until(lambda: window.prefix == "")
        assert table_names(window) == ["docs/"]

    def _tops() -> list:
        return QApplication.topLevelWidgets()

    qloop.run_until_complete(body())


def test_drag_objects_onto_folders_moves_them(qloop, window, store) -> None:
    async def body() -> None:
        for name in ("a.txt", "b.txt", "c.txt", "dest/x.txt"):
            await store.put(name, name.encode())
        await open_bucket(window, store.bucket)
        index = window.index
        # Onto a folder node in the tree.
        assert window.tree.select_node(store.bucket, "dest/")
        rect = window.tree.visualRect(window.tree.currentIndex())
        infos = [index.get("a.txt"), index.get("b.txt")]
        assert drag_objects(window.tree.viewport(), store.bucket, infos, rect.center()) == (
            True,
            True,
        )
        await wait_until(lambda: "dest/a.txt" in index and "dest/b.txt" in index, timeout=20)
        assert "a.txt" not in index and "b.txt" not in index
        assert await store.get_bytes("dest/a.txt") == b"a.txt"
        # Onto a folder row of the table.
        window.open_location(store.bucket, "")
        await wait_until(lambda: table_names(window) == ["dest/", "c.txt"])
        row = window.objects.table.visualRect(
            window.objects.proxy.index(row_of(window, "dest/"), 0)
        )
        viewport = window.objects.table.viewport()
        assert drag_objects(viewport, store.bucket, [index.get("c.txt")], row.center()) == (
            True,
            True,
        )
        await wait_until(lambda: table_names(window) == ["dest/"], timeout=20)
        # The row went when the watch saw the new name; the old name's purge comes after.
        status = window.statusBar()
        await wait_until(lambda: status.currentMessage().startswith("Moved 1 object"))
        assert sorted(i.name for i in await store.list()) == [
            "dest/a.txt",
            "dest/b.txt",
            "dest/c.txt",
            "dest/x.txt",
        ]
        # Objects of another bucket are not taken (that would be a copy), nor is empty space.
        other = [index.get("dest/x.txt")]
        assert drag_objects(viewport, "elsewhere", other, row.center()) == (False, False)
        below = viewport.rect().bottomLeft() + QPoint(10, -10)
        assert drag_objects(viewport, store.bucket, other, below) == (False, False)

    qloop.run_until_complete(body())


def test_toolbar_offers_every_bucket_command(qloop, window, store) -> None:
    acts = window.window_actions
    button = acts.bucket_button
    assert not button.isEnabled()  # no bucket open yet
    toolbar = set(acts.toolbar.actions()) | set(button.menu().actions())
    for act in (acts.new_bucket, acts.bucket_status, acts.edit_bucket, acts.seal_bucket):
        assert act in toolbar, act.text()
    assert acts.delete_bucket in toolbar and acts.refresh in toolbar

    async def body() -> None:
        await open_bucket(window, store.bucket)
        assert button.isEnabled() and acts.seal_bucket.isEnabled()

    qloop.run_until_complete(body())


def test_tree_reads_dragged_names_once_per_drag(qapp, monkeypatch) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

    from natsobj_gui.core.types import BucketInfo, ObjectInfo, Storage
    from natsobj_gui.models.bucket_tree_model import BucketTreeModel
    from natsobj_gui.models.object_columns import objects_mime
    from natsobj_gui.views import drop
    from natsobj_gui.views.bucket_tree_view import BucketTreeView

    reads: list[int] = []
    parse = drop.parse_objects_mime
    monkeypatch.setattr(drop, "parse_objects_mime", lambda m: reads.append(1) or parse(m))
    model = BucketTreeModel()
    model.set_buckets(
        [BucketInfo(b, "", 0.0, Storage.FILE, 1, False, False, 0, -1, 0, {}) for b in "bc"]
    )
    view = BucketTreeView(model)
    view.resize(300, 300)
    view.show()
    dropped: list[tuple[list[str], str, str]] = []
    view.objects_dropped.connect(lambda names, b, p: dropped.append((names, b, p)))
    names = [f"many/f{i:06d}.bin" for i in range(20_000)]
    mime = objects_mime("b", [ObjectInfo(n, "b", "nuid", 1) for n in names])
    on_b, on_c = (view.visualRect(model.index_for(b, "")).center() for b in "bc")
    buttons, mods, copy = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, Qt.DropAction
    target = view.viewport()
    try:
        enter = QDragEnterEvent(on_b, copy.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(target, enter)
        assert enter.isAccepted()
        for step in range(20):  # every mouse step over the tree; another bucket refuses
            pos = on_b if step % 2 else on_c
            move = QDragMoveEvent(pos, copy.CopyAction, mime, buttons, mods)
            QApplication.sendEvent(target, move)
            assert move.isAccepted() == (pos == on_b)
        QApplication.sendEvent(
            target, QDropEvent(QPointF(on_b), copy.CopyAction, mime, buttons, mods)
        )
        assert dropped == [(names, "b", "")]
        assert len(reads) == 2  # on entry and on the drop, never per move
    finally:
        view.close()
        view.deleteLater()
