"""Bucket → Compare with Local Folder…: differences, then upload / download / delete extras."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from natsobj_gui.dialogs.compare_dialog import DIFFERENT, ONLY_BUCKET, ONLY_LOCAL, SAME, SKIPPED

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
        box = ops.confirm_box
        assert box is not None and "Delete 1 objects" in box.text() and "remote.txt" in box.text()
        delete = next(
            b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
        )
        delete.click()
        await wait_until(lambda: dlg.plan() is not None and not dlg.model.counts()[ONLY_BUCKET])
        assert await names() == {"p/same.txt", "p/diff.txt", "p/local-only.txt", "outside"}
        dlg.close()

    qloop.run_until_complete(body())
