"""A folder transfer is one row of the panel, with an aggregate bar, expanding to its files."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtTest import QAbstractItemModelTester

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.transfer_record import Transfer, TransferKind
from natsobj_gui.core.transfers import TransferQueue, TransferState
from natsobj_gui.core.uploads import plan_uploads
from natsobj_gui.models.transfer_model import (
    COL_CHUNKS,
    COL_NAME,
    COL_PROGRESS,
    COL_SIZE,
    COL_SPEED,
    COL_STATE,
    CaptionRole,
    GroupRole,
    ProgressRole,
    TransferModel,
)
from natsobj_gui.views.transfer_panel import TransferPanel

from .helpers import wait_until
from .window_support import (  # noqa: F401 - fixtures
    open_bucket,
    settings_fixture,
    window_fixture,
)

Mode = QAbstractItemModelTester.FailureReportingMode


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    (root / "2024").mkdir(parents=True)
    for i in range(3):
        (root / "2024" / f"p{i}.jpg").write_bytes(os.urandom(30_000))
    (root / "index.txt").write_bytes(b"index")
    return root


def test_folder_row_adds_up_its_files_and_clears_with_them(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    root = _tree(tmp_path)
    loose = tmp_path / "loose.txt"
    loose.write_bytes(b"loose")
    queue = TransferQueue(client)
    panel = TransferPanel(queue, interval=0)
    model = panel.model
    tester = QAbstractItemModelTester(model, Mode.Fatal)  # noqa: F841 - checks every change
    panel.resize(1000, 300)
    panel.show()

    async def body() -> None:
        with model.grouping("photos/"):
            queue.upload_planned(store.bucket, plan_uploads([root], ""))
        queue.upload(store.bucket, loose, "loose.txt")
        assert model.rowCount() == 2  # the folder and the loose file
        folder = model.index(0, 0)
        group = folder.data(GroupRole)
        assert group is not None and model.rowCount(folder) == 4
        assert model.index(0, COL_NAME).data() == "photos/ (4 files)"
        assert model.index(0, 0, folder).data().startswith("photos/")
        await queue.wait_idle()
        await wait_until(lambda: model.index(0, COL_STATE).data() == "done")
        assert model.index(0, COL_SIZE).data() == "88 KiB"
        assert model.index(0, COL_SPEED).data().endswith("/s avg")
        assert model.index(0, COL_PROGRESS).data(CaptionRole) == "100%"
        assert model.index(0, COL_CHUNKS).data() == "4/4"
        assert model.index(0, COL_PROGRESS).data(ProgressRole) == (1, 1)
        # Selecting the folder row selects its files for Cancel, Retry and Show in folder.
        panel.select_row(0)
        assert len(panel.selected()) == 4
        panel.view.expandAll()
        assert not panel.view.grab().isNull()
        queue.clear_finished()
        assert model.rowCount() == 0

    qloop.run_until_complete(body())
    panel.close()


def test_group_state_counts_while_some_fail(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    root = _tree(tmp_path)
    queue = TransferQueue(client, limit=1)
    panel = TransferPanel(queue, interval=0)
    model = panel.model
    tester = QAbstractItemModelTester(model, Mode.Fatal)  # noqa: F841

    async def body() -> None:
        plan = plan_uploads([root], "")
        (root / "index.txt").unlink()  # one file goes missing before its turn
        with model.grouping("photos/"):
            queue.upload_planned(store.bucket, plan)
        await queue.wait_idle()
        states = {t.state for t in queue.transfers()}
        assert TransferState.FAILED in states
        await wait_until(lambda: model.index(0, COL_STATE).data() == "3 done, 1 failed")
        # Retry the failed one: the counts follow.
        (root / "index.txt").write_bytes(b"back")
        queue.retry_failed()
        await queue.wait_idle()
        await wait_until(lambda: model.index(0, COL_STATE).data() == "done")

    qloop.run_until_complete(body())
    panel.close()


def test_window_folder_upload_and_download_are_one_row_each(
    qloop, window, store, tmp_path: Path
) -> None:
    root = _tree(tmp_path)
    model = window.transfer_panel.model
    out = tmp_path / "out"
    out.mkdir()

    async def body() -> None:
        await open_bucket(window, store.bucket)
        window.transfers.upload_paths([root], store.bucket)
        await wait_until(lambda: model.rowCount() == 1)
        await window.transfers.queue.wait_idle()
        assert model.index(0, COL_NAME).data() == "photos/ (4 files)"
        await wait_until(lambda: window.index is not None and len(window.index) == 4)
        items = [(i, i.name) for i in window.index.objects()]
        window.transfers.download(items, out)
        await window.transfers.queue.wait_idle()
        assert model.rowCount() == 2
        assert model.index(1, COL_NAME).data() == "photos/ (4 files)"
        assert model.index(1, 1).data() == "Download"
        assert (out / "photos" / "2024" / "p1.jpg").stat().st_size == 30_000

    qloop.run_until_complete(body())


def test_clearing_some_files_of_a_folder_row_keeps_the_rest(qloop, tmp_path: Path) -> None:
    queue = TransferQueue(None)  # type: ignore[arg-type]
    model = TransferModel(queue, interval=0)
    tester = QAbstractItemModelTester(model, Mode.Fatal)  # noqa: F841 - checks every change

    async def body() -> None:
        files = []
        with model.grouping("g/"):
            for i in range(10):
                t = Transfer(0, TransferKind.UPLOAD, "b", f"g/f{i}", tmp_path / f"f{i}", size=5)
                files.append(queue.restore(t))
        for i in (0, 1, 2, 5, 7, 8):  # three runs of rows, removed a run at a time
            files[i].state = TransferState.DONE
        queue.clear_finished()
        folder = model.index(0, 0)
        shown = [model.index(r, COL_NAME, folder).data() for r in range(model.rowCount(folder))]
        assert shown == ["g/f3", "g/f4", "g/f6", "g/f9"]
        assert model.index(0, COL_NAME).data() == "g/ (4 files)"

    qloop.run_until_complete(body())
