"""Parse command-line values the way `nats` does: durations, byte sizes, k=v and K:V pairs."""

from __future__ import annotations

import argparse
import re

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
    "y": 365 * 86400.0,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w|y)")
# natscli's ParseStringAsBytes: every unit is 1024-based, "KB" included.
_SIZE_SHIFT = {"": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50}
_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGTP]?)(I?B)?$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds from `90`, `1.5`, `1h30m`, `2d`, `500ms`; `0` or `` means forever."""
    value = text.strip()
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must not be negative")
        return seconds
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(value):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(value) or pos == 0:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: use seconds or units like 1h30m, 2d, 45s"
        )
    return total


def parse_size(text: str) -> int:
    """Bytes from `1024`, `512KiB`, `1GB` (1024-based like `nats`), `-1` for unlimited."""
    value = text.strip()
    if value.startswith("-"):
        return -1
    m = _SIZE_RE.match(value)
    if not m:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use bytes or a unit like 512KiB, 10MB, 1GB"
        )
    number, unit = float(m.group(1)), m.group(2).upper()
    return int(number * (1 << _SIZE_SHIFT[unit]))


def parse_positive_size(text: str) -> int:
    """A size that must be at least one byte (chunk sizes)."""
    size = parse_size(text)
    if size <= 0:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: must be at least 1 byte")
    return size


def parse_key_value(text: str) -> tuple[str, str]:
    """`key=value` (the value may be empty, which removes the key on edits)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"invalid metadata {text!r}: use key=value")
    return key.strip(), value


def parse_header(text: str) -> tuple[str, str]:
    """`Key:Value`, trimmed on both sides as `nats` does."""
    key, sep, value = text.partition(":")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"invalid header {text!r}: use Key:Value")
    return key.strip(), value.strip()


def parse_tags(values: list[str] | None) -> tuple[str, ...]:
    """Placement tags from repeated and/or comma-separated options."""
    out: list[str] = []
    for value in values or ():
        out.extend(t.strip() for t in value.split(",") if t.strip())
    return tuple(out)


def headers_from(pairs: list[tuple[str, str]] | None) -> dict[str, list[str]]:
    """Group repeated `-H K:V` options into the object's multi-valued headers."""
    out: dict[str, list[str]] = {}
    for key, value in pairs or ():
        out.setdefault(key, []).append(value)
    return out


def merge_headers(
    current: dict[str, list[str]], pairs: list[tuple[str, str]] | None
) -> dict[str, list[str]]:
    """Set the given headers over the current ones; `K:` (empty value) removes K."""
    out = {k: list(v) for k, v in current.items()}
    for key, values in headers_from(pairs).items():
        kept = [v for v in values if v]
        if kept:
            out[key] = kept
        else:
            out.pop(key, None)
    return out


def merge_metadata(current: dict[str, str], pairs: list[tuple[str, str]] | None) -> dict[str, str]:
    """Set the given keys over the current ones; `k=` (empty value) removes k."""
    out = dict(current)
    for key, value in pairs or ():
        if value:
            out[key] = value
        else:
            out.pop(key, None)
    return out
