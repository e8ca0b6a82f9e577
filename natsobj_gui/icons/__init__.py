"""Icons shipped inside the package (hand-written SVGs), loaded with importlib.resources.

Usage: `icon("bucket")` -> QIcon (cached). Names: app, bucket, folder, open-folder, file,
link, lock, upload, download, refresh, delete, info, cancel, retry, clear, warning.
An unknown name raises KeyError, so a typo fails loudly in tests instead of showing nothing.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer


def names() -> list[str]:
    """Every icon name available."""
    root = resources.files(__name__)
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".svg"))


def svg_bytes(name: str) -> bytes:
    """The SVG source of an icon."""
    path = resources.files(__name__).joinpath(f"{name}.svg")
    if not path.is_file():
        raise KeyError(f"no icon named {name!r}")
    return path.read_bytes()


@cache
def icon(name: str) -> QIcon:
    """The QIcon for `name` (needs a QGuiApplication; cached per name)."""
    renderer = QSvgRenderer(QByteArray(svg_bytes(name)))
    if not renderer.isValid():
        raise ValueError(f"icon {name!r} is not a valid SVG")
    ic = QIcon()
    # Render the vector source at the sizes views ask for most, so no size is blurred.
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pm)
        renderer.render(painter)
        painter.end()
        ic.addPixmap(pm)
    return ic
