"""The core's formatter (`core/formatting.py`) for the Qt layer: one module for all texts."""

from __future__ import annotations

from .core.formatting import (
    count_text,
    human_duration,
    human_rate,
    human_size,
    human_time,
    human_ttl,
)

__all__ = ["count_text", "human_duration", "human_rate", "human_size", "human_time", "human_ttl"]
