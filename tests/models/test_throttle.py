"""Throttle (fake clock, no loop) and bar_values (int32 scaling)."""

from __future__ import annotations

import itertools

import pytest

from natsobj_gui.progress_bridge import INT32_MAX, Throttle, bar_values


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_first_passes_then_coalesces_and_last_always_delivered(qapp) -> None:
    clock = Clock()
    got: list[int] = []
    th = Throttle(got.append, interval=0.1, clock=clock)
    th(1)
    assert got == [1]
    for v in range(2, 50):
        clock.t += 0.001
        th(v)
    assert got == [1] and th.pending
    th.flush()  # what the timer does when it fires
    assert got == [1, 49] and not th.pending
    clock.t += 1.0
    th(50)
    assert got == [1, 49, 50]
    th.flush()  # nothing pending: no duplicate
    assert got == [1, 49, 50]


def test_a_value_after_a_shorter_quiet_waits_for_the_rest_of_the_interval(qapp) -> None:
    clock = Clock()
    got: list[int] = []
    th = Throttle(got.append, interval=0.1, clock=clock)
    th(1)
    clock.t += 0.06  # quiet, but for less than the interval: no timer is running
    th(2)
    assert got == [1] and th.pending
    assert th._timer.interval() == 40  # ms: the rest of the interval, not a whole one
    th.flush()
    assert got == [1, 2]
    clock.t += 0.101
    th(3)  # a whole interval after the last delivery: straight through
    assert got == [1, 2, 3] and not th.pending


def test_interval_zero_passes_everything(qapp) -> None:
    got: list[int] = []
    th = Throttle(got.append, interval=0)
    for v in range(20):
        th(v)
    assert got == list(range(20))


def test_cancel_drops_pending_and_signal_fires(qapp) -> None:
    clock = Clock()
    got: list[object] = []
    th = Throttle(interval=0.1, clock=clock)
    th.triggered.connect(got.append)
    th("a")
    th("b")
    th.cancel()
    th.flush()
    assert got == ["a"]


def test_rate_over_a_simulated_second(qapp) -> None:
    clock = Clock()
    got: list[int] = []
    at: list[float] = []
    th = Throttle(lambda v: (got.append(v), at.append(clock.t)), interval=1 / 15, clock=clock)
    for i in range(1000):  # 1000 progress calls over one second
        clock.t += 0.001
        # The single-shot timer, as Qt would fire it: once the interval has passed.
        if th.pending and clock.t - th._last >= th.interval - 1e-9:
            th.flush()
        th(i)
    th.flush()  # the end of the transfer
    assert got[0] == 0 and got[-1] == 999
    assert got == sorted(set(got))
    # The first call, one delivery per whole interval in the remaining 0.999 s, the last.
    assert len(got) == 1 + int(0.999 * 15) + 1
    gaps = [b - a for a, b in itertools.pairwise(at[:-1])]
    assert min(gaps) >= th.interval - 1e-6


@pytest.mark.parametrize(
    ("done", "total"),
    [
        (0, 0),
        (5, 0),
        (0, 10),
        (10, 10),
        (3 << 30, 5 << 30),
        (5 << 30, 5 << 30),
        ((5 << 30) - 1, 5 << 30),
        (1, 1 << 50),
        (INT32_MAX, INT32_MAX),
        (INT32_MAX + 1, INT32_MAX + 1),
    ],
)
def test_bar_values_fit_int32(done: int, total: int) -> None:
    value, maximum = bar_values(done, total)
    assert 0 <= value <= maximum <= INT32_MAX
    assert maximum >= 1
    if total > 0:
        assert (value == maximum) == (done >= total)
        # Scaling loses at most one step of the bar; below int32 nothing is lost.
        assert abs(value / maximum - min(done, total) / total) <= 1 / maximum
        if total <= INT32_MAX:
            assert (value, maximum) == (min(done, total), total)


def test_bar_values_small_is_exact() -> None:
    assert bar_values(512, 1024) == (512, 1024)
    assert bar_values(-3, 1024) == (0, 1024)
    assert bar_values(2048, 1024) == (1024, 1024)
