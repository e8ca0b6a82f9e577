"""Every shipped icon is a valid SVG that renders to a non-empty image."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from natsobj_gui.icons import icon, names

REQUIRED = {
    "app", "bucket", "folder", "file", "link", "lock", "upload", "download",
    "refresh", "delete", "info", "cancel", "retry", "clear", "open-folder", "warning",
}  # fmt: skip


def test_required_icons_exist() -> None:
    assert set(names()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_icon_renders(qapp, name: str) -> None:
    ic = icon(name)
    assert not ic.isNull()
    img: QImage = ic.pixmap(32, 32).toImage()
    assert img.width() == 32
    # Not fully transparent: something was drawn.
    assert any(img.pixelColor(x, y).alpha() > 0 for x in range(32) for y in range(32))
    assert icon(name) is ic  # cached


def test_unknown_icon_fails_loudly(qapp) -> None:
    with pytest.raises(KeyError):
        icon("no-such-icon")
