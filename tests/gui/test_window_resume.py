"""Closing the window mid-download and opening it again: the row is back paused, Resume ends it."""

from __future__ import annotations

import os
from pathlib import Path

from natsobj_gui.core.partial import kept_state
from natsobj_gui.core.queue_file import default_queue_path
from natsobj_gui.core.transfers import TransferState
from natsobj_gui.models.transfer_model import state_text

from .window_support import (  # noqa: F401 - fixtures
    close_window,
    make_window,
    settings_fixture,
    wait_until,
    window_fixture,
)

SIZE = 48 * 1024 * 1024


def test_a_download_cut_by_closing_the_window_comes_back_paused_and_resumes(
    qloop, nats_server, settings, store, tmp_path: Path
) -> None:
    data = os.urandom(SIZE)
    qloop.run_until_complete(store.put("big", data))
    dest = tmp_path / "out" / "big.bin"
    window = make_window(qloop, nats_server, settings)
    t = window.transfers.queue.download(store.bucket, "big", dest, size=SIZE)

    async def midway() -> None:
        await wait_until(lambda: t.progress.bytes_done >= SIZE // 5, timeout=30)

    qloop.run_until_complete(midway())
    close_window(qloop, window)
    assert t.state is TransferState.CANCELLED and not dest.exists()
    kept = kept_state(dest)
    assert kept is not None and 0 < kept.bytes < SIZE
    assert default_queue_path().exists()

    window = make_window(qloop, nats_server, settings)
    try:
        queue, panel = window.transfers.queue, window.transfer_panel
        [back] = queue.transfers()
        assert back.state is TransferState.PAUSED and state_text(back) == "paused"
        assert (back.bucket, back.name, back.local_path) == (store.bucket, "big", dest)
        assert back.progress.bytes_done == kept.bytes
        panel._update_buttons()
        assert panel.resume_button.isEnabled() and "1 paused" in panel.summary.text()
        panel.resume_button.click()

        async def done() -> None:
            await wait_until(lambda: back.is_finished, timeout=60)

        qloop.run_until_complete(done())
        assert back.state is TransferState.DONE, back.error
        assert back.note.startswith("resuming 'big': "), back.note
        assert dest.read_bytes() == data
        assert [p.name for p in dest.parent.iterdir()] == ["big.bin"]
    finally:
        close_window(qloop, window)
    assert not default_queue_path().exists()  # nothing unfinished is left to restore


def test_the_panels_retry_continues_a_cancelled_download(
    qloop, window, store, tmp_path: Path
) -> None:
    data = os.urandom(SIZE)
    dest = tmp_path / "out" / "big.bin"

    async def body() -> None:
        await store.put("big", data)
        panel = window.transfer_panel
        t = window.transfers.queue.download(store.bucket, "big", dest, size=SIZE)
        await wait_until(lambda: t.progress.bytes_done >= SIZE // 5, timeout=30)
        panel.select_row(0)
        panel.cancel_selected()
        await wait_until(lambda: t.is_finished, timeout=30)
        assert t.state is TransferState.CANCELLED
        kept = kept_state(dest)
        assert kept is not None and kept.bytes > 0
        panel.select_row(0)
        [retry] = [a for a in panel.build_menu().actions() if a.text() == "Retry"]
        assert retry.isEnabled()
        retry.trigger()
        await wait_until(lambda: t.is_finished, timeout=60)
        assert t.state is TransferState.DONE, t.error
        assert t.note.startswith("resuming 'big': "), t.note
        assert dest.read_bytes() == data

    qloop.run_until_complete(body())
