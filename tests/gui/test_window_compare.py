"""Bucket → Compare with Local Folder…: differences, then upload / download / delete extras."""

from __future__ import annotations

from pathlib import Path

import nats
import pytest

from natsobj_gui.dialogs.compare_dialog import DIFFERENT, ONLY_BUCKET, ONLY_LOCAL, SAME, SKIPPED
from natsobj_gui.formatting import human_size

from .window_support import (  # noqa: F401 - fixtures
    open_bucket,
    settings_fixture,
    wait_until,
    window_fixture,
)


@pytest.fixture(autouse=True)
def hash_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATSOBJ_HASH_CACHE", str(tmp_path / "hashes.sqlite3"))


def test_compare_then_upload_download_and_delete_extras(
    qloop, window, store, tmp_path: Path
) -> None:
    ops = window.window_actions.buckets
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "same.txt").write_bytes(b"same")
    (folder / "diff.txt").write_bytes(b"local version")
    (folder / "local-only.txt").write_bytes(b"L")

    async def names() -> set[str]:
        return {i.name for i in await store.list()}

    async def body() -> None:
        for name, data in (("same.txt", b"same"), ("diff.txt", b"remote"), ("remote.txt", b"R")):
            await store.put(f"p/{name}", data)
        await store.put("outside", b"not under the prefix")
        await open_bucket(window, store.bucket, "p/")
        assert window.window_actions.compare_folder.isEnabled()

        window.window_actions.compare_folder.trigger()
        dlg = ops.compare_dialog
        assert dlg is not None and dlg.isVisible()
        assert not dlg.upload_button.isEnabled()
        dlg.folder_edit.setText(str(folder))
        dlg.compare_button.click()
        await wait_until(lambda: dlg.plan() is not None, timeout=20)
        counts = dlg.model.counts()
        assert counts == {ONLY_LOCAL: 1, ONLY_BUCKET: 1, DIFFERENT: 1, SAME: 1, SKIPPED: 0}
        dlg.filter_box.setCurrentIndex(dlg.filter_box.findData(DIFFERENT))
        assert dlg.model.rowCount() == 1
        assert dlg.model.index(0, 0).data() == "diff.txt"

        dlg.upload_button.click()  # through the transfer panel's queue
        await wait_until(lambda: window.transfers.queue.transfers(), timeout=10)
        await wait_until(lambda: window.transfers.queue.active == 0, timeout=30)
        assert await store.get_bytes("p/diff.txt") == b"local version"
        assert await store.get_bytes("p/local-only.txt") == b"L"

        dlg.compare_button.click()
        await wait_until(lambda: dlg.plan() is not None, timeout=20)
        assert dlg.model.counts()[ONLY_BUCKET] == 1 and dlg.model.counts()[SAME] == 3
        dlg.download_button.click()
        await wait_until(lambda: (folder / "remote.txt").exists(), timeout=30)
        assert (folder / "remote.txt").read_bytes() == b"R"

        (folder / "remote.txt").unlink()
        dlg.compare_button.click()
        await wait_until(lambda: dlg.plan() is not None, timeout=20)
        dlg.delete_button.click()
        confirm = ops.delete_dialog
        assert confirm is not None and confirm.names() == ["p/remote.txt"]
        assert "Delete 1 object (1 B) from" in confirm.question_label.text()
        confirm.delete_button.click()
        await wait_until(lambda: dlg.plan() is not None and not dlg.model.counts()[ONLY_BUCKET])
        assert dlg.outcome_label.text() == f"Deleted 1 object from {store.bucket} (1 B freed)."
        assert await names() == {"p/same.txt", "p/diff.txt", "p/local-only.txt", "outside"}
        dlg.close()

    qloop.run_until_complete(body())


async def _compared(window, store, folder: Path):
    """Open the bucket's p/ folder, compare it with `folder`: the dialog, once it shows a plan."""
    await open_bucket(window, store.bucket, "p/")
    window.window_actions.compare_folder.trigger()
    dlg = window.window_actions.buckets.compare_dialog
    dlg.folder_edit.setText(str(folder))
    dlg.compare_button.click()
    await wait_until(lambda: dlg.plan() is not None, timeout=20)
    return dlg


def test_delete_extras_keeps_what_another_client_changed_since_the_compare(
    qloop, window, store, nats_server, tmp_path: Path
) -> None:
    ops = window.window_actions.buckets
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "keep.txt").write_bytes(b"k")

    async def body() -> None:
        await store.put("p/keep.txt", b"k")
        for name in ("p/a", "p/b", "p/c"):
            await store.put(name, name.encode() * 20, chunk_size=16)
        dlg = await _compared(window, store, folder)
        assert dlg.model.counts()[ONLY_BUCKET] == 3
        # After the compare, another client (nats-py, its own connection) writes a new p/b.
        other = await nats.connect(nats_server.url)
        try:
            await (await other.jetstream().object_store(store.bucket)).put("p/b", b"theirs")
        finally:
            await other.close()

        dlg.delete_button.click()
        confirm = ops.delete_dialog
        assert confirm is not None and confirm.names() == ["p/a", "p/b", "p/c"]
        confirm.delete_button.click()
        await wait_until(lambda: dlg.outcome_label.isVisible(), timeout=30)
        assert dlg.outcome_label.text() == (
            f"Deleted 2 objects from {store.bucket} (120 B freed)."
            " Kept b: changed by another client since the compare."
        )
        assert "Kept b: changed by another client" in window.statusBar().currentMessage()
        assert sorted(i.name for i in await store.list()) == ["p/b", "p/keep.txt"]
        assert await store.get_bytes("p/b") == b"theirs"
        # The compare that follows shows what is left; the sentence stays until the next one.
        await wait_until(lambda: dlg.plan() is not None and dlg.model.counts()[SAME] == 1)
        assert dlg.model.counts()[ONLY_BUCKET] == 1 and dlg.outcome_label.isVisible()
        dlg.compare_button.click()
        assert not dlg.outcome_label.isVisible()
        dlg.close()

    qloop.run_until_complete(body())


def test_delete_extras_shows_progress_and_stops(
    qloop, window, store, client, nats_server, tmp_path
) -> None:
    ops = window.window_actions.buckets
    folder = tmp_path / "local"
    folder.mkdir()

    async def body() -> None:
        names = [f"p/o{i:04d}" for i in range(300)]
        for name in names:
            await store.put(name, name.encode() * 50, chunk_size=200)
        dlg = await _compared(window, store, folder)
        dlg.delete_button.click()
        confirm = ops.delete_dialog
        assert confirm is not None and len(confirm.names()) == 300
        # The first extra the delete starts is rewritten after the compare: it is kept.
        other = await nats.connect(nats_server.url)
        try:
            obs = await other.jetstream().object_store(store.bucket)
            await obs.put(confirm.names()[0], b"theirs")
        finally:
            await other.close()
        shown: list[tuple[int, int]] = []
        set_progress = confirm.set_progress

        def progress_then_stop(done: int, total: int) -> None:
            set_progress(done, total)
            shown.append((done, total))
            if done > 0 and confirm.is_busy():
                confirm.reject()  # Stop (Cancel's button, relabelled) at the first object

        confirm.set_progress = progress_then_stop
        confirm.delete_button.click()
        assert confirm.is_busy() and confirm.cancel_button.text() == "Stop"
        await wait_until(lambda: dlg.outcome_label.isVisible(), timeout=60)
        assert shown[0] == (0, 300) and any(d > 0 for d, _ in shown)
        # Each object is either wholly deleted (no chunks left) or untouched.
        left = {i.name: i for i in await store.list()}
        assert 1 < len(left) < 300
        deleted = 300 - len(left)
        # Every count is the bucket's: the kept one is neither deleted nor "untouched".
        assert dlg.outcome_label.text() == (
            f"Stopped: deleted {deleted} of 300 extras ({human_size(deleted * 350)} freed);"
            " 1 kept (changed by another client since the compare);"
            f" the remaining {len(left) - 1} untouched. The compare below shows what is left."
        )
        resp = await client.conn.api(
            f"STREAM.INFO.OBJ_{store.bucket}", {"subjects_filter": f"$O.{store.bucket}.C.>"}
        )
        chunks = (resp.get("state") or {}).get("subjects") or {}
        assert chunks == {f"$O.{store.bucket}.C.{i.nuid}": i.chunks for i in left.values()}
        await wait_until(lambda: dlg.plan() is not None and dlg.model.counts()[ONLY_BUCKET] > 0)
        assert dlg.model.counts()[ONLY_BUCKET] == len(left)
        dlg.close()

    qloop.run_until_complete(body())
