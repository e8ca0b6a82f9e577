"""A bulk delete run as a job inside its DeleteObjectsDialog: progress, Stop, then close."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from natsobj_gui.core.bulk import BulkProgress, ProgressCallback
from natsobj_gui.progress_bridge import Throttle
from natsobj_gui.qt_compat import is_alive

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from natsobj_gui.dialogs.delete_dialog import DeleteObjectsDialog
    from natsobj_gui.jobs import Job

StartJob = Callable[[Coroutine[Any, Any, Any]], "Job"]


def run_in_dialog(
    dlg: DeleteObjectsDialog,
    delete: Callable[[ProgressCallback], Coroutine[Any, Any, Any]],
    start: StartJob,
    *,
    parent: QWidget,
    finished: Callable[[Job], None],
) -> Job:
    """Run `delete(progress)` as the job `start` makes; Stop in `dlg` cancels it.

    `finished(job)` runs when the job ends, before the dialog closes (accepted when the
    job succeeded); the counts it reports come from the caller's own DeleteResults, which
    a stop leaves readable (the last progress shown may be older: it is throttled).
    """
    total = dlg.count()

    def show(p: BulkProgress) -> None:
        if is_alive(dlg):
            dlg.set_progress(p.done, p.total)

    # A progress call per object would repaint thousands of times a second: ~15 Hz.
    throttle = Throttle(show, parent=parent)

    async def run() -> Any:
        try:
            return await delete(throttle)
        finally:
            throttle.flush()

    dlg.set_busy(True)
    dlg.set_progress(0, total)
    job = start(run())
    dlg.cancel_requested.connect(job.cancel)

    def done() -> None:
        finished(job)
        if not is_alive(dlg):
            return
        dlg.set_busy(False)
        if job.state == "ok":
            dlg.accept()
        else:
            dlg.reject()

    job.done.connect(done)
    return job
