"""A local folder's entries as `os.walk` sees them, one stat each: for folder puts and sync."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence

from .partial import is_our_file


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    """A glob matches the relative path, or any one of its parts (`*.tmp`, `.git`, `a/*`)."""
    if not patterns:
        return False
    parts = rel.split("/")
    return any(
        fnmatch.fnmatchcase(rel, p) or any(fnmatch.fnmatchcase(part, p) for part in parts)
        for p in patterns
    )


def walk_folder(
    folder: str, patterns: Sequence[str] = (), rel_dir: str = ""
) -> Iterator[tuple[str, str, os.stat_result | None]]:
    """(path, `/`-separated relative path, stat) of every entry but folders, in `os.walk`
    order (sorted, a folder's entries before its subfolders'); stat None when unreadable.

    Links to files are followed, links to folders are not; an unreadable folder is passed
    over; excluded names and a download's kept partials (not the user's content) are left out.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    dirs = []
    for entry in entries:
        rel = rel_dir + entry.name
        try:
            st = entry.stat()  # follows a link to a file: its content is what counts
        except OSError:
            st = None  # a broken link, or gone since the listing
        if st is not None and stat.S_ISDIR(st.st_mode):
            if not entry.is_symlink() and not excluded(rel, patterns):
                dirs.append((entry.path, rel + "/"))
        elif not excluded(rel, patterns) and not is_our_file(entry.name):
            yield entry.path, rel, st
    for path, rel in dirs:
        yield from walk_folder(path, patterns, rel)
