"""Bucket → Back Up Bucket… / Restore Bucket… in the window: jobs on the loop, real server."""

from __future__ import annotations

from pathlib import Path

from natsobj_gui.jobs import JobState
from natsobj_gui.views.bucket_ops import BACKUP_JOB

from .window_support import (  # noqa: F401 - fixtures
    message_boxes,
    open_bucket,
    settings_fixture,
    wait_until,
    window_fixture,
)


def test_back_up_delete_and_restore_from_the_menu(
    qloop, window, store, client, tmp_path: Path
) -> None:
    acts, ops = window.window_actions, window.window_actions.buckets
    dest = tmp_path / "b.natsobj-backup"

    async def body() -> None:
        b = store.bucket
        await store.put("x", b"payload" * 1000)
        await open_bucket(window, b)
        assert acts.backup_bucket.isEnabled() and acts.restore_bucket.isEnabled()
        assert acts.backup_bucket in acts.bucket_menu.actions()

        acts.backup_bucket.trigger()
        assert ops.file_dialog is not None and ops.file_dialog.isVisible()
        ops.file_dialog.fileSelected.emit(str(dest))
        ops.file_dialog.close()
        job = window.jobs.job(BACKUP_JOB)
        assert job is not None and await job.wait() is JobState.OK
        assert dest.is_file() and f"Backed up {b}" in window.statusBar().currentMessage()

        await client.buckets.delete(b)
        ops.restore_from(dest)
        job = window.jobs.job(BACKUP_JOB)
        assert job is not None and await job.wait() is JobState.OK
        assert b in window.buckets and window.bucket == b
        assert await store.get_bytes("x") == b"payload" * 1000

        # Restoring again refuses: the bucket exists now. The error is shown, not raised.
        ops.restore_from(dest)
        job = window.jobs.job(BACKUP_JOB)
        assert job is not None and await job.wait() is JobState.ERROR
        await wait_until(lambda: any("already exists" in m.text() for m in message_boxes()))

    qloop.run_until_complete(body())
