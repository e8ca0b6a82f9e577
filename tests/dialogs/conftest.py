"""Dialog test fixtures: a screenshot helper (no server, no event loop needed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[QWidget, str], Path]:
    """Render a shown dialog to PNG under tmp (copied to $DIALOG_SHOTS when set, for review)."""

    def save(widget: QWidget, name: str) -> Path:
        widget.show()
        widget.resize(widget.size().expandedTo(widget.minimumSizeHint()))
        path = tmp_path / f"{name}.png"
        pixmap = widget.grab()
        assert not pixmap.isNull()
        assert pixmap.save(str(path))
        assert path.stat().st_size > 0
        out = os.environ.get("DIALOG_SHOTS")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(out) / path.name)
        return path

    return save
