"""Shared human-readable texts (no Qt)."""

from __future__ import annotations

from natsobj_gui.formatting import count_text


def test_count_text_plural_forms() -> None:
    assert count_text(0, "file") == "0 files"
    assert count_text(1, "object") == "1 object"
    assert count_text(2500, "bucket") == "2,500 buckets"
