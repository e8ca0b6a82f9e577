"""SHA-256 of local files, cached by (path, size, mtime_ns) in a small SQLite file (no Qt).

A re-check of thousands of unchanged files then costs a stat each, not a read. Any problem
with the cache file (locked, corrupt, read-only folder) only turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)
CACHE_ENV = "NATSOBJ_HASH_CACHE"  # tests and scripts point the cache elsewhere
CACHE_NAME = "hash-cache.sqlite3"
READ_BLOCK = 1024 * 1024
Key = tuple[int, int]  # (size, mtime_ns)


def default_cache_path() -> Path:
    """$NATSOBJ_HASH_CACHE, else `hash-cache.sqlite3` in the app's data folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    from .dirs import app_data_dir  # platformdirs: only when the default is wanted

    return app_data_dir() / CACHE_NAME


def file_sha256(path: str | os.PathLike[str]) -> bytes:
    """The SHA-256 of a file's content (blocking)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(READ_BLOCK):
            h.update(block)
    return h.digest()


class HashCache:
    """Digests by absolute path, valid while size and mtime_ns are unchanged (blocking API)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._db: sqlite3.Connection | None = None
        self._new: list[tuple[str, int, int, bytes]] = []
        self.hits = self.misses = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.OperationalError:
                raise  # locked, read-only, not a file: not ours to remove
            except sqlite3.DatabaseError as exc:
                # Not a database (any more): a cache is rebuilt, not repaired.
                log.warning("hash cache %s damaged, starting it over: %s", self.path, exc)
                self.path.unlink()
                self._db = self._open()
        except (sqlite3.Error, OSError) as exc:
            log.warning("hash cache %s unusable, working without it: %s", self.path, exc)

    def _open(self) -> sqlite3.Connection:
        # Used from one worker thread at a time, never concurrently.
        db = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
        try:
            # No fsync per transaction (a sync's first write waited on the disk for the
            # server's data): an OS crash may at worst damage the file, which the next
            # open finds and starts over; an application crash cannot.
            db.execute("PRAGMA synchronous=OFF")
            db.execute(
                "CREATE TABLE IF NOT EXISTS hashes ("
                "path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha BLOB)"
            )
        except BaseException:
            db.close()
            raise
        return db

    def load(self, root: Path) -> dict[str, tuple[Key, bytes]]:
        """Every cached entry under `root` (one query, not one per file)."""
        if self._db is None:
            return {}
        lo = str(root) + os.sep
        hi = lo[:-1] + chr(ord(os.sep) + 1)
        try:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns, sha FROM hashes WHERE path >= ? AND path < ?",
                (lo, hi),
            ).fetchall()
        except sqlite3.Error as exc:
            log.warning("hash cache unreadable: %s", exc)
            return {}
        return {p: ((s, m), bytes(sha)) for p, s, m, sha in rows}

    def remember(self, path: str | os.PathLike[str], size: int, mtime_ns: int, sha: bytes) -> None:
        self._new.append((str(path), size, mtime_ns, sha))

    def digest(
        self, path: Path, size: int, mtime_ns: int, known: dict[str, tuple[Key, bytes]]
    ) -> bytes:
        """The file's SHA-256: from `known` (a `load()` result) when unchanged, else read."""
        hit = known.get(str(path))
        if hit is not None and hit[0] == (size, mtime_ns):
            self.hits += 1
            return hit[1]
        self.misses += 1
        sha = file_sha256(path)
        st = path.stat()
        # Changed while read: the digest is still right for what we read, but not cacheable.
        if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
            self.remember(path, size, mtime_ns, sha)
        return sha

    def flush(self) -> None:
        """Store what was learnt since the last flush."""
        if self._db is None or not self._new:
            self._new.clear()
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO hashes (path, size, mtime_ns, sha) VALUES (?, ?, ?, ?)",
                    self._new,
                )
        except sqlite3.Error as exc:
            log.warning("hash cache not saved: %s", exc)
        self._new.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
