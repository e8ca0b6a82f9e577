"""qt_compat's loop: qasync's last processEvents() step still sees a running loop."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

from natsobj_gui.qt_compat import close_loop, new_event_loop


def test_task_steps_after_the_future_still_find_the_running_loop(qapp: QApplication) -> None:
    loop = new_event_loop(qapp)
    seen: list[object] = []

    async def straggler() -> None:
        await asyncio.sleep(0)  # the next step is queued behind run_until_complete's stop
        seen.append(asyncio.get_running_loop())

    async def main() -> asyncio.Task[None]:
        return asyncio.ensure_future(straggler())

    try:
        task = loop.run_until_complete(main())
        # qasync runs what is left in one last processEvents(): the step ran there.
        assert task.done(), "the straggler's step did not run in the final processEvents"
        assert task.exception() is None, task.exception()
        assert seen == [loop]
    finally:
        close_loop(loop)
