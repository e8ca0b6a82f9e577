"""Turn any object name into a safe relative path under a download folder (no Qt).

Usage: `dest = safe_local_path(Path("~/Downloads").expanduser(), info.name)`.

Object names are arbitrary strings; a hostile one ("../../.bashrc", "/etc/passwd",
"C:\\Windows\\x", "a/./../b", "CON", "x\x00y") must never escape the chosen folder or produce
a name Windows refuses. Both `/` and `\\` separate folders; empty, `.` and `..` parts are
dropped; characters illegal on Windows and control characters become `_`; trailing dots and
spaces are removed; reserved device names get a `_` prefix; each part is cut to 255 bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in "123456789¹²³"}
    | {f"LPT{i}" for i in "123456789¹²³"}
)
MAX_PART_BYTES = 255
FALLBACK = "_"


def _clip(part: str, limit: int = MAX_PART_BYTES) -> str:
    """Cut a part to `limit` UTF-8 bytes, keeping a short extension when there is one."""
    if len(part.encode()) <= limit:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 16:
        stem, ext = part, ""
    room = limit - (len(ext.encode()) + 1 if ext else 0)
    cut = stem.encode()[:room].decode(errors="ignore")
    return f"{cut}.{ext}" if ext else cut


def safe_part(part: str) -> str:
    """One path component made legal on Linux, macOS and Windows; '' when nothing is left."""
    if part in ("", ".", ".."):
        return ""
    part = _ILLEGAL.sub("_", part)
    part = part.rstrip(". ")  # Windows drops trailing dots and spaces silently
    if not part:
        return FALLBACK
    if part.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        part = "_" + part
    return _clip(part)


def safe_relative_parts(object_name: str) -> list[str]:
    """The sanitized path components for an object name (never empty)."""
    parts = [safe_part(p) for p in re.split(r"[/\\]", object_name)]
    parts = [p for p in parts if p]
    return parts or [FALLBACK]


def safe_local_path(root: Path, object_name: str) -> Path:
    """`root` joined with the sanitized object name; always strictly inside `root`."""
    dest = root.joinpath(*safe_relative_parts(object_name))
    # Belt and braces: the parts above cannot climb out, but never trust that silently.
    if dest == root or root not in dest.parents:
        raise ValueError(f"unsafe object name for a local path: {object_name!r}")
    return dest
