"""TransferQueue + TransferModel + TransferPanel on the qasync loop against the real server."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtTest import QAbstractItemModelTester

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.transfers import TransferQueue, TransferState
from natsobj_gui.models.transfer_model import (
    COL_CHUNKS,
    COL_ETA,
    COL_PROGRESS,
    COL_SIZE,
    COL_SPEED,
    COL_STATE,
    ProgressRole,
    TransferRole,
)
from natsobj_gui.progress_bridge import INT32_MAX
from natsobj_gui.qt_compat import is_alive
from natsobj_gui.views.transfer_panel import ProgressDelegate, TransferPanel

from .helpers import wait_signal, wait_until

Mode = QAbstractItemModelTester.FailureReportingMode


def _row_texts(panel: TransferPanel, row: int, col: int) -> str:
    return panel.model.index(row, col).data()


def _big_file(tmp_path: Path) -> Path:
    """16 MiB of random bytes (128 chunks): big enough to cancel or watch mid-way."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(16 * 1024 * 1024))
    return big


def test_upload_shows_every_chunk_step_then_done(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "multi.bin"
    data = os.urandom(20_000)
    src.write_bytes(data)
    queue = TransferQueue(client)
    panel = TransferPanel(queue, interval=0)  # no throttling: every step reaches the model
    tester = QAbstractItemModelTester(panel.model, Mode.Fatal)  # noqa: F841 - checks on signals
    panel.resize(900, 300)
    panel.show()
    seen: list[str] = []
    bars: list[tuple[int, int]] = []

    def on_changed(top, _bottom, _roles=None) -> None:
        seen.append(panel.model.index(top.row(), COL_CHUNKS).data())
        bars.append(panel.model.index(top.row(), COL_PROGRESS).data(ProgressRole))

    panel.model.dataChanged.connect(on_changed)

    async def body() -> None:
        t = queue.upload(store.bucket, src, "dir/multi.bin", chunk_size=1000)
        assert panel.model.rowCount() == 1
        assert _row_texts(panel, 0, COL_STATE) in ("queued", "running")
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE) == "done")
        assert t.state is TransferState.DONE
        info = await store.info("dir/multi.bin")
        assert info.size == len(data) and info.chunks == 20

    qloop.run_until_complete(body())
    steps = [s for s in seen if s != "0/20"]
    assert [f"{i}/20" for i in range(1, 21)] == list(dict.fromkeys(steps))
    assert bars[-1] == (1, 1)
    values = [v / m for v, m in bars]
    assert values == sorted(values)  # never goes backwards
    assert _row_texts(panel, 0, COL_PROGRESS) == "100%"
    assert not panel.grab().isNull()  # paints the delegate's bar
    panel.close()


def test_throttled_model_coalesces_but_ends_exact(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "many.bin"
    src.write_bytes(os.urandom(400 * 1024))
    queue = TransferQueue(client)
    panel = TransferPanel(queue)  # default ~15 Hz
    changes: list[int] = []
    panel.model.dataChanged.connect(lambda *_a: changes.append(1))

    async def body() -> None:
        t = queue.upload(store.bucket, src, "many.bin", chunk_size=1024)
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE) == "done")
        assert _row_texts(panel, 0, COL_CHUNKS) == "400/400"
        assert t.progress.chunks_done == 400

    started = time.monotonic()
    qloop.run_until_complete(body())
    elapsed = time.monotonic() - started
    # At most one repaint per 1/15 s of progress, plus one per state change (queued,
    # running, done) and the first: not one per chunk, however fast the upload was.
    assert len(changes) <= 15 * elapsed + 5, (len(changes), elapsed)
    panel.close()


def test_cancel_large_upload_from_the_panel_leaves_nothing(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    big = _big_file(tmp_path)
    queue = TransferQueue(client)
    panel = TransferPanel(queue, interval=0)

    async def body() -> None:
        t = queue.upload(store.bucket, big, "big.bin", chunk_size=8192)
        await wait_until(lambda: t.progress.chunks_done >= 2)
        panel.select_row(0)
        assert panel.cancel_button.isEnabled()  # selection changes refresh at once
        panel.cancel_selected()
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE) == "cancelled")
        assert t.state is TransferState.CANCELLED
        assert t.progress.chunks_done < t.progress.chunks_total
        assert await store.list() == []
        status = await client.buckets.status(store.bucket)
        assert status.messages == 0
        await wait_until(
            lambda: panel.clear_button.isEnabled() and not panel.cancel_all_button.isEnabled()
        )

    qloop.run_until_complete(body())
    panel.close()


def test_retry_failed_then_clear(qloop, client: Client, store: ObjectStore, tmp_path: Path) -> None:
    later = tmp_path / "later.txt"
    queue = TransferQueue(client)
    panel = TransferPanel(queue, interval=0)
    tester = QAbstractItemModelTester(panel.model, Mode.Fatal)  # noqa: F841

    async def body() -> None:
        t = queue.upload(store.bucket, later, "later.txt")
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE).startswith("failed: "))
        assert "No such file" in _row_texts(panel, 0, COL_STATE)
        await wait_until(panel.retry_button.isEnabled)  # buttons refresh at most 5 times/s
        panel.select_row(0)
        menu = panel.build_menu()
        enabled = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
        assert enabled["Retry"] and not enabled["Cancel"] and enabled["Copy error"]
        menu.close()
        later.write_bytes(b"hello later")
        panel.retry_failed()
        assert t.state in (TransferState.QUEUED, TransferState.RUNNING)
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE) == "done")
        assert await store.get_bytes("later.txt") == b"hello later"
        waiter = wait_signal(panel.model.rowsRemoved)
        panel.clear_finished()
        await waiter
        assert panel.model.rowCount() == 0

    qloop.run_until_complete(body())
    panel.close()


def test_download_writes_the_right_bytes_and_shows_folder(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    queue = TransferQueue(client, limit=1)
    panel = TransferPanel(queue, interval=0)
    opened: list[QUrl] = []
    panel.open_url = opened.append
    panel.parallel.setValue(2)
    assert queue.limit == 2

    async def body() -> None:
        info = await store.put("../evil/../a b.bin", data, chunk_size=50_000)
        t = queue.download_to(store.bucket, info, tmp_path / "dl")
        assert t.local_path == tmp_path / "dl" / "evil" / "a b.bin"
        await queue.wait_idle()
        await wait_until(lambda: _row_texts(panel, 0, COL_STATE) == "done")
        assert t.local_path.read_bytes() == data
        assert _row_texts(panel, 0, COL_CHUNKS) == "6/6"
        # Finished: the average speed and how long it took stay; "done" shows once.
        assert _row_texts(panel, 0, COL_SPEED).endswith("/s avg")
        assert _row_texts(panel, 0, COL_ETA).startswith("took ")
        assert _row_texts(panel, 0, COL_SIZE) == "293 KiB"
        assert ProgressDelegate.text(t) == "100%"
        assert panel.model.index(0, 0).data(TransferRole) is t
        panel.select_row(0)
        panel.show_selected()

    qloop.run_until_complete(body())
    assert [u.toLocalFile() for u in opened] == [str(tmp_path / "dl" / "evil")]
    panel.close()


def test_delegate_text_and_huge_sizes(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    big = _big_file(tmp_path)
    queue = TransferQueue(client, limit=1)
    panel = TransferPanel(queue)
    assert "Uploads and downloads" in panel.view.empty_text  # the hint of an empty panel

    async def body() -> None:
        blocker = queue.upload(store.bucket, big, "big", chunk_size=4096)  # holds the slot
        huge = queue.upload(store.bucket, big, "huge", size=5 << 40)  # claims 5 TiB
        await wait_until(lambda: blocker.progress.chunks_done > 0)
        assert huge.state is TransferState.QUEUED
        row = panel.model.row_of(huge.id)
        value, maximum = panel.model.index(row, COL_PROGRESS).data(ProgressRole)
        assert (value, maximum) == (0, (5 << 40) >> 12)
        assert maximum <= INT32_MAX
        assert ProgressDelegate.text(huge) == "queued"
        assert ProgressDelegate.text(blocker).endswith("%")
        # Bytes done against the total while under way.
        brow = panel.model.row_of(blocker.id)
        done_text = _row_texts(panel, brow, COL_SIZE)
        assert done_text.endswith(" / 16 MiB") and done_text != "16 MiB / 16 MiB"
        assert _row_texts(panel, row, COL_SIZE) == "0 B / 5.0 TiB"
        panel.resize(900, 200)
        assert not panel.grab().isNull()
        await queue.close()
        assert blocker.state is TransferState.CANCELLED
        assert huge.state is TransferState.CANCELLED
        # The bar keeps where it stopped; the State column says it was cancelled.
        assert ProgressDelegate.text(huge) == "0%"
        assert _row_texts(panel, row, COL_STATE) == "cancelled"
        assert await store.list() == []

    qloop.run_until_complete(body())
    panel.close()


def test_queue_outlives_a_deleted_panel(
    qloop, client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(200_000))
    queue = TransferQueue(client)
    panel = TransferPanel(queue)

    async def body() -> None:
        t = queue.upload(store.bucket, src, "f.bin", chunk_size=4096)
        await wait_until(lambda: t.progress.chunks_done > 0)
        panel.deleteLater()  # the window closed mid-transfer
        await wait_until(lambda: not is_alive(panel))
        assert queue._changed == [] and queue._added == []  # the dead model unsubscribed
        await queue.wait_idle()
        assert t.state is TransferState.DONE
        queue.upload(store.bucket, src, "again.bin")  # no listener left to break
        await queue.wait_idle()

    qloop.run_until_complete(body())


def test_thousands_of_queued_files_stay_fast(qloop, tmp_path: Path) -> None:
    from natsobj_gui.core.uploads import PlannedUpload

    queue = TransferQueue(None)  # no client: every transfer fails at once ("not connected")
    panel = TransferPanel(queue)
    panel.resize(900, 300)
    panel.show()
    plan = [PlannedUpload(tmp_path / f"{i}", f"f/{i}", 10) for i in range(5000)]

    async def body() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        queue.upload_planned("b", plan)
        await queue.wait_idle()
        await wait_until(lambda: panel.summary.text() == "5000 failed")
        # O(n²) per-row bookkeeping took ~25 s here; linear work takes well under 1 s.
        assert loop.time() - start < 10
        assert panel.model.rowCount() == 5000
        assert _row_texts(panel, 4999, COL_STATE) == "failed: not connected to a NATS server"

    qloop.run_until_complete(body())
    panel.close()
