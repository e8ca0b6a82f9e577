"""Human-readable sizes, rates, durations and times shared by the CLI and the GUI (no Qt)."""

from __future__ import annotations

from datetime import datetime

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_size(n: int | float) -> str:
    """1536 -> '1.5 KiB'; exact bytes below 1 KiB."""
    if n < 0:
        return "unlimited"
    value = float(n)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def count_text(n: int, noun: str) -> str:
    """(1, 'file') -> '1 file'; (2500, 'object') -> '2,500 objects' (English plural in -s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def human_rate(bytes_per_second: float) -> str:
    return f"{human_size(bytes_per_second)}/s"


def human_duration(seconds: float | None) -> str:
    """90 -> '1m30s'; None or negative -> '—' (unknown)."""
    if seconds is None or seconds < 0 or seconds != seconds:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def human_time(t: datetime | None) -> str:
    """Local time, to the second; '' when unknown."""
    if t is None:
        return ""
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def parse_size(text: str) -> int:
    """'512MiB', '1GB', '100k', '-1' -> bytes (binary units for k/M/G/T as nats CLI does)."""
    t = text.strip().replace(" ", "")
    if t in ("-1", ""):
        return -1
    units = {
        "": 1, "b": 1,
        "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
        "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
        "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
        "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
    }  # fmt: skip
    num = t.rstrip("bBkKmMgGtTiI")
    unit = t[len(num) :].lower()
    if unit not in units:
        raise ValueError(f"unknown size unit in {text!r}")
    return int(float(num) * units[unit])


def parse_duration(text: str) -> float:
    """'1h30m', '90s', '2d', '45' (seconds) -> seconds."""
    t = text.strip().lower()
    if not t:
        return 0.0
    try:
        return float(t)
    except ValueError:
        pass
    mult = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    total, num = 0.0, ""
    i = 0
    while i < len(t):
        c = t[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        unit = "ms" if t.startswith("ms", i) else c
        if unit not in mult or not num:
            raise ValueError(f"invalid duration {text!r}")
        total += float(num) * mult[unit]
        num = ""
        i += len(unit)
    if num:
        raise ValueError(f"invalid duration {text!r}: missing unit after {num}")
    return total
