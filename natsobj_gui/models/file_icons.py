"""File-type icons from the platform's MIME database and icon theme, the packaged file icon
when the theme has none (Windows, macOS and bare Linux sessions)."""

from __future__ import annotations

from functools import cache, lru_cache

from PySide6.QtCore import QMimeDatabase
from PySide6.QtGui import QIcon

from ..icons import icon

_DB: QMimeDatabase | None = None


def mime_type_name(name: str) -> str:
    """The MIME type of an object name, by its extension ('application/octet-stream' if none)."""
    return _mime_type_of(_type_key(name.rpartition("/")[2]))


def _type_key(leaf: str) -> str:
    """A name that has the same MIME type as `leaf`: many leaves share one (cached) lookup.

    Unique names (f000123.bin, IMG_0042.jpg) keep only their suffixes: a bulk delete
    scrolls new names into sight on every repaint, and each lookup costs 0.05-0.15 ms.
    A stem of letters only, or of digits only, is kept: the MIME database knows whole names
    (Makefile.am, CMakeLists.txt, README.md, 001.vdr) whose type differs from their suffix's.
    """
    dot = leaf.find(".", 1)
    if dot < 0:
        return leaf
    stem = leaf[:dot]
    if any(c.isdigit() for c in stem) and not stem.isdigit():
        return "x" + leaf[dot:]
    return leaf


@lru_cache(maxsize=4096)
def _mime_type_of(name: str) -> str:
    # Cached: every repaint asks again for the rows in sight.
    global _DB
    if _DB is None:
        _DB = QMimeDatabase()
    return _DB.mimeTypeForFile(name, QMimeDatabase.MatchMode.MatchExtension).name()


@cache
def _icon_for_type(type_name: str) -> QIcon:
    mt = QMimeDatabase().mimeTypeForName(type_name)
    for theme_name in (mt.iconName(), mt.genericIconName()):
        if theme_name and QIcon.hasThemeIcon(theme_name):
            return QIcon.fromTheme(theme_name)
    return icon("file")


def file_icon(name: str) -> QIcon:
    """The icon for an object of this name (cached per MIME type)."""
    return _icon_for_type(mime_type_name(name))


def clear_cache() -> None:
    """Forget looked-up icons (after the icon theme changed)."""
    _icon_for_type.cache_clear()
    _mime_type_of.cache_clear()
