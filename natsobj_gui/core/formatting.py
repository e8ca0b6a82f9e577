"""Human-readable sizes, rates, counts, durations and times: the one formatter for all layers.

The core words its error messages with these, the CLI prints them and the GUI shows them
(`natsobj_gui.formatting` re-exports this module for the Qt layer).
"""

from __future__ import annotations

from datetime import datetime

_IEC = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def human_size(n: float) -> str:
    """Bytes as `nats` shows them (go-humanize IBytes): '512 B', '1.5 KiB', '34 GiB'.

    Negative sizes are the server's 'no limit' (-1): 'unlimited'.
    """
    if n < 0:
        return "unlimited"
    if n < 1024:
        return f"{int(n)} B"
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(_IEC) - 1:
        value /= 1024
        unit += 1
    return f"{value:.1f} {_IEC[unit]}" if value < 10 else f"{value:.0f} {_IEC[unit]}"


def human_rate(bytes_per_second: float) -> str:
    """'1.5 MiB/s'."""
    return f"{human_size(bytes_per_second)}/s"


def count_text(n: int, noun: str) -> str:
    """(1, 'file') -> '1 file'; (2500, 'object') -> '2,500 objects' (English plural in -s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def human_duration(seconds: float | None) -> str:
    """'1d1h1m1s', '1h30m', '45s', '250ms', '0s'; '—' when unknown (None, negative, NaN)."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    if 0 < seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    rest = round(seconds)
    parts = []
    for unit, size in _UNITS:
        amount, rest = divmod(rest, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def human_ttl(seconds: float) -> str:
    """A bucket's TTL: 'unlimited' for 0 (the server's 'keep forever'), else a duration."""
    return "unlimited" if seconds <= 0 else human_duration(seconds)


def human_time(t: datetime | None) -> str:
    """Local time, to the second; '' when unknown."""
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S") if t is not None else ""
