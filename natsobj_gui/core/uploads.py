"""Turn local files and folders into (path, object name) pairs; no Qt, safe to run in a thread."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Container, Iterable
from dataclasses import dataclass
from pathlib import Path

from .folder_walk import walk_folder


@dataclass(frozen=True)
class PlannedUpload:
    """One local file and the object name it will be stored under."""

    path: Path
    name: str
    size: int


def numbered_name(name: str, taken: Container[str]) -> str:
    """The first free "leaf (N).ext" beside `name` (N from 2): Keep both's new name."""
    folder, _, leaf = name.rpartition("/")
    folder = folder + "/" if _ else ""
    # The extension starts at the first dot that is not the leaf's first character, so
    # "a.tar.gz" becomes "a (2).tar.gz" and ".env" becomes ".env (2)".
    dot = leaf.find(".", 1)
    stem, ext = (leaf[:dot], leaf[dot:]) if dot > 0 else (leaf, "")
    n = 2
    while (candidate := f"{folder}{stem} ({n}){ext}") in taken:
        n += 1
    return candidate


def join_prefix(prefix: str, rel: str) -> str:
    """Put a `/`-separated relative name under a folder prefix ('' or ending in '/')."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return prefix + rel


def plan_uploads(paths: Iterable[str | os.PathLike[str]], prefix: str = "") -> list[PlannedUpload]:
    """Files map to `prefix + file name`; folders keep their tree as `/` names under prefix.

    Empty folders produce nothing (the object store has no folders); anything that is not a
    regular file (sockets, fifos, broken links) is skipped rather than failing the whole drop.
    """
    out: list[PlannedUpload] = []
    seen: set[str] = set()

    def add(path: Path, rel: str, st: os.stat_result) -> None:
        name = join_prefix(prefix, rel)
        if name not in seen:
            seen.add(name)
            out.append(PlannedUpload(path, name, st.st_size))

    for raw in paths:
        root = Path(raw)
        if root.is_file():
            with contextlib.suppress(OSError):
                add(root, root.name, root.stat())
        elif root.is_dir():
            base = root.name or root.anchor.strip("/\\:") or "root"
            # Sorted walk so the queue order is predictable for the user (and the tests).
            for path, rel, st in walk_folder(str(root)):
                if st is not None and stat.S_ISREG(st.st_mode):
                    add(Path(path), f"{base}/{rel}", st)
    return out
