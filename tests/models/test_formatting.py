"""The one formatter for sizes, rates, counts, durations and times (core/formatting.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from natsobj_gui import formatting
from natsobj_gui.core import formatting as core_formatting
from natsobj_gui.core.formatting import count_text, human_duration, human_size, human_ttl


def test_count_text_plural_forms() -> None:
    assert count_text(0, "file") == "0 files"
    assert count_text(1, "object") == "1 object"
    assert count_text(2500, "bucket") == "2,500 buckets"


def test_sizes_as_nats_shows_them() -> None:
    assert [human_size(n) for n in (0, 1023, 1536, 64 << 20, 5 << 30)] == [
        "0 B",
        "1023 B",
        "1.5 KiB",
        "64 MiB",
        "5.0 GiB",
    ]
    assert human_size(-1) == "unlimited"
    assert core_formatting.human_rate(1.5 * (1 << 20)) == "1.5 MiB/s"


def test_durations_known_and_unknown() -> None:
    assert [human_duration(s) for s in (0, 0.25, 45, 90, 7200, 90061)] == [
        "0s",
        "250ms",
        "45s",
        "1m30s",
        "2h",
        "1d1h1m1s",
    ]
    assert human_duration(None) == human_duration(-1) == human_duration(float("nan")) == "—"
    assert human_ttl(0) == "unlimited" and human_ttl(3600) == "1h"


def test_times_in_local_time() -> None:
    t = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
    assert core_formatting.human_time(t) == t.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert core_formatting.human_time(None) == ""


def test_the_qt_layer_module_is_the_core_one() -> None:
    for name in formatting.__all__:
        assert getattr(formatting, name) is getattr(core_formatting, name)
