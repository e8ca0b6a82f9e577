"""JobRunner on the qasync loop: states, messages, keyed replacement, shutdown, dead QObjects."""

from __future__ import annotations

import asyncio

from natsobj_gui.core.errors import BucketNotFoundError
from natsobj_gui.jobs import Job, JobRunner, JobState
from natsobj_gui.qt_compat import is_alive, safe_emit

from .helpers import wait_signal, wait_until


def test_job_states_and_signals(qloop) -> None:
    runner = JobRunner()
    seen: list[tuple[str, object]] = []

    async def ok() -> int:
        await asyncio.sleep(0.01)
        return 42

    async def core_error() -> None:
        raise BucketNotFoundError("nope")

    async def os_error() -> None:
        raise FileNotFoundError(2, "No such file or directory", "/x")

    async def bug() -> None:
        raise KeyError("boom")

    def watch(job: Job, tag: str) -> Job:
        job.succeeded.connect(lambda r: seen.append((tag, r)))
        job.failed.connect(lambda m: seen.append((tag, m)))
        job.cancelled.connect(lambda: seen.append((tag, "cancelled")))
        job.done.connect(lambda: seen.append((tag, "done")))
        return job

    async def body() -> None:
        jobs = [
            watch(runner.run(ok()), "ok"),
            watch(runner.run(core_error()), "core"),
            watch(runner.run(os_error()), "os"),
            watch(runner.run(bug()), "bug"),
        ]
        slow = watch(runner.run(asyncio.sleep(30)), "slow")
        assert len(runner.jobs()) == 5
        slow.cancel()
        states = [await j.wait() for j in [*jobs, slow]]
        assert states == [JobState.OK] + [JobState.ERROR] * 3 + [JobState.CANCELLED]
        await wait_until(lambda: not runner.jobs())

    qloop.run_until_complete(body())
    assert ("ok", 42) in seen and ("ok", "done") in seen
    assert ("core", "bucket 'nope' not found") in seen
    assert ("os", "No such file or directory: /x") in seen
    assert ("bug", "unexpected error: KeyError: 'boom'") in seen
    assert ("slow", "cancelled") in seen and ("slow", "done") in seen
    # done comes after the outcome
    assert seen.index(("ok", 42)) < seen.index(("ok", "done"))


def test_same_key_cancels_the_stale_job(qloop) -> None:
    runner = JobRunner()
    finished: list[str] = []
    started: list[str] = []

    async def listing(tag: str, delay: float) -> str:
        started.append(tag)
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            finished.append(f"{tag} stopped")
            raise
        return tag

    async def body() -> None:
        first = runner.run(listing("a", 30), key="listing")
        await wait_until(lambda: "a" in started)  # running, so its cancel handler runs
        other = runner.run(listing("x", 0.01), key="other")
        second = runner.run(listing("b", 0.01), key="listing")
        assert runner.job("listing") is second
        assert await first.wait() is JobState.CANCELLED
        assert await second.wait() is JobState.OK and second.result == "b"
        assert await other.wait() is JobState.OK
        await wait_until(lambda: runner.job("listing") is None)

    qloop.run_until_complete(body())
    assert finished == ["a stopped"]


def test_shutdown_cancels_everything_and_waits_for_cleanup(qloop) -> None:
    runner = JobRunner()
    cleaned: list[int] = []
    counts: list[int] = []
    started: list[int] = []
    runner.countChanged.connect(counts.append)

    async def work(i: int) -> None:
        started.append(i)
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0.01)  # cleanup that itself awaits (like purging a partial)
            cleaned.append(i)

    async def body() -> None:
        jobs = [runner.run(work(i)) for i in range(3)]
        await wait_until(lambda: len(started) == 3)  # each in its try, so each cleans up
        await runner.shutdown()
        assert all(j.state is JobState.CANCELLED for j in jobs)

    qloop.run_until_complete(body())
    assert sorted(cleaned) == [0, 1, 2]
    assert counts[-1] == 0 and max(counts) == 3


def test_no_emit_after_the_job_object_is_deleted(qloop) -> None:
    runner = JobRunner()

    async def body() -> None:
        job = runner.run(asyncio.sleep(0.05, result=1))
        waiter = wait_signal(runner.countChanged)
        job.deleteLater()  # the window holding it closed before the job ended
        await wait_until(lambda: not is_alive(job))
        await waiter  # the runner noticed the job ending without touching the dead object
        await wait_until(lambda: not runner.jobs())

    qloop.run_until_complete(body())


def test_safe_emit_on_deleted_object(qloop) -> None:
    runner = JobRunner()
    got: list[int] = []
    runner.countChanged.connect(got.append)
    assert safe_emit(runner, runner.countChanged, 5)
    sig = runner.countChanged
    runner.deleteLater()

    async def body() -> None:
        await wait_until(lambda: not is_alive(runner))

    qloop.run_until_complete(body())
    assert not safe_emit(runner, sig, 6)
    assert not safe_emit(None, sig, 7)
    assert got == [5]


def test_throttle_timer_delivers_the_last_value(qloop) -> None:
    from natsobj_gui.progress_bridge import Throttle

    got: list[int] = []
    throttle = Throttle(got.append, interval=0.05)

    async def body() -> None:
        for i in range(100):  # a burst faster than the interval
            throttle(i)
        assert got == [0]
        await wait_until(lambda: got[-1] == 99, timeout=5)
        await asyncio.sleep(0.1)
        throttle(100)  # after a quiet interval: straight through
        assert got[-1] == 100

    qloop.run_until_complete(body())
    assert got == [0, 99, 100]
