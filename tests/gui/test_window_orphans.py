"""Bucket → Find Orphaned Chunks… in the window: scan and clean run as jobs on the loop."""

from __future__ import annotations

from natsobj_gui.core.orphans import chunk_counts
from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog
from natsobj_gui.jobs import JobState
from natsobj_gui.qt_compat import is_alive

from .window_support import (  # noqa: F401 - fixtures
    open_bucket,
    settings_fixture,
    wait_until,
    window_fixture,
)


def test_find_and_clean_orphans_then_status_shows_them(qloop, window, store, client) -> None:
    acts, ops = window.window_actions, window.window_actions.buckets
    ops.orphan_grace = 0.0  # the chunks written here are seconds old

    async def body() -> None:
        b = store.bucket
        await store.put("keep", b"k" * 10)
        for part in (b"o" * 1000, b"o" * 24):
            await client.conn.js.publish(f"$O.{b}.C.LEFTOVER", part)
        await open_bucket(window, b)
        assert acts.find_orphans.isEnabled()
        assert acts.find_orphans in acts.bucket_menu.actions()

        acts.find_orphans.trigger()
        dlg = ops.orphans_dialog
        assert dlg is not None and dlg.isVisible()
        await wait_until(lambda: dlg.report() is not None, timeout=20)
        assert [o.nuid for o in dlg.report().orphans] == ["LEFTOVER"]
        assert ops.last_orphan_scan(b) is dlg.report()

        # The status dialog now shows what the last scan found.
        acts.bucket_status.trigger()
        await wait_until(lambda: _visible(window, BucketStatusDialog), timeout=20)
        status = _visible(window, BucketStatusDialog)[0]
        assert status.orphans_label.isVisible()
        assert status.orphans_label.text().startswith("1,024 bytes (1.0 KiB) in 1 chunk set")
        status.close()

        first = dlg.report()
        dlg.clean_button.click()
        box = dlg.confirm_box
        assert box is not None and "1,024 bytes (1.0 KiB)" in box.text()
        next(b for b in box.buttons() if b.text() == "Clean").click()
        await wait_until(lambda: dlg.report() is not first, timeout=20)
        assert dlg.report().orphans == ()
        assert "Freed 1.0 KiB" in dlg.status_label.text()
        assert list(await chunk_counts(client.conn, b)) == [(await store.info("keep")).nuid]
        assert ops.last_orphan_scan(b).orphans == ()

        # Closing the dialog in the middle of a scan stops it.
        dlg.rescan_button.click()
        job = window.jobs.job("orphan-scan")
        assert job is not None
        dlg.close()
        assert await job.wait() is JobState.CANCELLED
        await wait_until(lambda: not is_alive(dlg))

    qloop.run_until_complete(body())


def _visible(window, cls) -> list:
    return [d for d in window.findChildren(cls) if d.isVisible()]
