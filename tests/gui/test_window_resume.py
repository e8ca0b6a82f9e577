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
