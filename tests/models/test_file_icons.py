"""File-type lookups: unique names share one lookup per suffix, yet every type is the database's."""

from __future__ import annotations

from PySide6.QtCore import QMimeDatabase

from natsobj_gui.models import file_icons

# Whole names the MIME database knows apart from their suffix, and ordinary unique names.
NAMES = [
    "many/f000001.bin", "f000002.bin", "IMG_0042.JPG", "IMG_0043.jpg", "logs/app-17.tar.gz",
    "v2.so.1", "lib3.so.12", "notes/readme.txt", "README.md", "README", "Makefile",
    "Makefile.am", "CMakeLists.txt", "meson_options.txt", "pom.xml", "001.vdr", "core",
    "a1.txt~", "x9,v", "f3.1", ".bashrc", "noext", "photo.PNG", "2024-01-01.log",
]  # fmt: skip


def test_types_match_the_database(qapp) -> None:
    db = QMimeDatabase()
    mode = QMimeDatabase.MatchMode.MatchExtension
    file_icons.clear_cache()
    for name in NAMES:
        leaf = name.rpartition("/")[2]
        assert file_icons.mime_type_name(name) == db.mimeTypeForFile(leaf, mode).name(), name


def test_unique_names_share_a_lookup(qapp) -> None:
    file_icons.clear_cache()
    for i in range(500):
        assert file_icons.mime_type_name(f"many/f{i:06d}.bin") == "application/octet-stream"
        file_icons.file_icon(f"IMG_{i:04d}.jpg")
    # Two lookups (one per suffix), not one per name: a bulk delete repaints new names.
    assert file_icons._mime_type_of.cache_info().currsize == 2
