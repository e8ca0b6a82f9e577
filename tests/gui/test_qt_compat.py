"""qt_compat's loop: callbacks run only while the loop runs, whatever processes Qt events.

Each test uses the `qloop` fixture: a fresh loop, closed after the test, whose exception
handler fails the test on any error it sees.
"""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from natsobj_gui import qt_compat
from natsobj_gui.core.pins import source_digest, unvouched


def test_task_steps_queued_behind_the_stop_run_at_the_next_run(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    seen: list[object] = []

    async def straggler() -> None:
        await asyncio.sleep(0)  # the next step is queued behind run_until_complete's stop
        seen.append(asyncio.get_running_loop())

    async def main() -> asyncio.Task[None]:
        return asyncio.ensure_future(straggler())

    task = qloop.run_until_complete(main())
    for _ in range(5):  # Qt events outside the loop, as pytest-qt's hooks process them
        qapp.processEvents()
    assert not task.done(), "a task step ran while the loop was stopped"
    qloop.run_until_complete(asyncio.wait_for(task, 5))
    assert seen == [qloop]


def test_a_queue_consumer_survives_qt_events_between_runs(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    # nats-py's subscriptions read an asyncio.Queue in a task: a step run with no loop
    # binds the queue to none, the task dies at its next wait and the subscription
    # never drains (seen as a 5 s close and a stray CancelledError in GUI tests).
    got: list[int] = []
    errors: list[dict] = []
    qloop.set_exception_handler(lambda _lp, ctx: errors.append(ctx))

    async def consume(queue: asyncio.Queue[int]) -> None:
        for _ in range(3):  # reach the first wait on the empty queue after the stop
            await asyncio.sleep(0)
        while True:
            got.append(await queue.get())

    async def start() -> tuple[asyncio.Queue[int], asyncio.Task[None]]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        queue.put_nowait(1)
        return queue, asyncio.ensure_future(consume(queue))

    queue, task = qloop.run_until_complete(start())
    for _ in range(5):
        qapp.processEvents()
    queue.put_nowait(2)

    async def both() -> None:
        while len(got) < 2 and not task.done():
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(both(), 5))
    assert not task.done(), task.exception() if task.done() else None
    assert got == [1, 2]
    task.cancel()
    qloop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    assert errors == []


def test_cancelled_deferred_callbacks_do_not_run(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    ran: list[str] = []
    keep = qloop.call_soon(ran.append, "kept")
    drop = qloop.call_soon(ran.append, "dropped")
    qapp.processEvents()  # both are deferred: the loop is not running
    drop.cancel()
    assert ran == []
    qloop.run_until_complete(asyncio.sleep(0.01))
    assert ran == ["kept"]
    assert not keep.cancelled()


def test_ready_callbacks_run_in_order_and_qt_gets_turns(qloop: asyncio.AbstractEventLoop) -> None:
    order: list[int] = []
    qt_turns: list[float] = []

    async def busy() -> float:
        # Yields constantly for 0.2 s: Qt's own events must still come through.
        end = qloop.time() + 0.2
        QTimer.singleShot(0, lambda: qt_turns.append(qloop.time()))
        while qloop.time() < end:
            await asyncio.sleep(0)
        return end

    for i in range(1000):
        qloop.call_soon(order.append, i)
    end = qloop.run_until_complete(busy())
    assert order == list(range(1000))
    assert qt_turns and qt_turns[0] < end - 0.1, "Qt got no turn while callbacks kept coming"


def test_a_call_later_handle_never_runs_while_the_loop_is_stopped(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    ran: list[float] = []
    qloop.call_later(0.02, lambda: ran.append(qloop.time()))
    due = qloop.time() + 0.02
    stop = time.monotonic() + 0.2
    while time.monotonic() < stop:  # its Qt timer fires in here, with the loop stopped
        qapp.processEvents()
        time.sleep(0.005)
    assert ran == [], "a timed callback ran while the loop was stopped"
    qloop.run_until_complete(asyncio.sleep(0.01))
    assert len(ran) == 1 and ran[0] >= due


def test_qasync_is_the_release_qt_compat_was_written_against() -> None:
    """The import-time check is not vacuous here: qasync's source is readable and matches."""
    for replaced in qt_compat.QASYNC_REPLACED:
        assert source_digest(getattr(replaced.owner, replaced.name)) == replaced.digest
    # and the import vouches for them by one hash of qasync's file (core/pins.check)
    assert unvouched(qt_compat.QASYNC_REPLACED, qt_compat.QASYNC_FILES) == []


def test_a_cancelled_timeout_lets_go_of_its_qt_timer(
    qapp: QApplication, qloop: asyncio.AbstractEventLoop
) -> None:
    # Every request's timeout is cancelled when its reply comes: qasync kept each one (and
    # its context) until it would have fired, ~27,000 of them in a 20,000-object delete.
    timers = qloop._timer._SimpleTimer__callbacks  # type: ignore[attr-defined]
    fired: list[str] = []

    def timed() -> int:  # handles waiting for a delay (not the ready queue's drainer)
        return sum(isinstance(t, qt_compat._Due) for t in timers.values())

    async def main() -> None:
        before = timed()
        handles = [qloop.call_later(60, fired.append, "late") for _ in range(100)]
        for handle in handles:
            handle.cancel()
        assert timed() == before
        replied = qloop.create_future()
        qloop.call_soon(replied.set_result, None)
        await asyncio.wait_for(replied, 60)  # its timeout handle is cancelled
        assert timed() == before
        qloop.call_later(0.01, fired.append, "due")
        await asyncio.sleep(0.05)

    qloop.run_until_complete(main())
    assert fired == ["due"]
