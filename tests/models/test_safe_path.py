"""safe_local_path against hostile object names: never outside the root, always legal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from natsobj_gui.core.safe_path import safe_local_path, safe_part

ROOT = Path("/downloads/here")
WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f\\]')

HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "/",
    "//",
    "",
    "/etc/passwd",
    "a/../../b",
    "a/./b",
    "..\\..\\Windows\\System32\\x.dll",
    "C:\\Windows\\x",
    "C:/x",
    "\\\\server\\share\\f",
    "x\x00y",
    "tab\there\nnewline",
    "CON",
    "con.txt",
    "LPT1.log",
    "aux",
    "trailing dot.",
    "trailing space ",
    "...",
    " ",
    "a" * 400,
    "é" * 300 + ".txt",
    'q<u>o:t"e|s?*',
    "~/x",
    "$HOME/x",
    "a//b///c",
    "dir/",
    "\u202eevil.txt",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_root(name: str) -> None:
    p = safe_local_path(ROOT, name)
    assert ROOT in p.parents
    rel = p.relative_to(ROOT)
    assert rel.parts
    for part in rel.parts:
        assert part not in ("", ".", "..")
        assert not WINDOWS_ILLEGAL.search(part), part
        assert not part.endswith((".", " ")), part
        assert len(part.encode()) <= 255
        assert part.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("../../etc/passwd", "etc/passwd"),
        ("/etc/passwd", "etc/passwd"),
        ("a/../b", "a/b"),
        ("..\\..\\x.dll", "x.dll"),
        ("C:\\Windows\\x", "C_/Windows/x"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("trailing dot.", "trailing dot"),
        ("...", "_"),
        ("", "_"),
        ("..", "_"),
        ("dir/", "dir"),
        ('a:b*c?d"e<f>g|h', "a_b_c_d_e_f_g_h"),
        ("x\x00y", "x_y"),
        ("日本語/ファイル.txt", "日本語/ファイル.txt"),
        ("spaces in name/ok file", "spaces in name/ok file"),
    ],
)
def test_expected_mapping(name: str, expected: str) -> None:
    assert safe_local_path(ROOT, name) == ROOT / expected


def test_long_part_keeps_its_extension() -> None:
    p = safe_local_path(ROOT, "é" * 300 + ".txt")
    assert p.name.endswith(".txt")
    assert len(p.name.encode()) <= 255
    p.name.encode().decode()  # no broken multi-byte sequence


def test_safe_part_reserved_with_spaces() -> None:
    assert safe_part("NUL .txt").startswith("_")
    assert safe_part("console") == "console"
    assert safe_part("COM10") == "COM10"


def test_real_filesystem(tmp_path: Path) -> None:
    # Each name in its own root: different names may map onto each other ("a/./b", "a/../b").
    for i, name in enumerate(HOSTILE):
        root = tmp_path / str(i)
        root.mkdir()
        p = safe_local_path(root, name)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
        assert root in p.resolve().parents
        assert [f for f in root.rglob("*") if f.is_file()] == [p]
