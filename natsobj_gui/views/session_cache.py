"""A per-session folder of downloaded objects, for Open and drag-out; fetched via the queue."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from natsobj_gui.core.dirs import app_cache_dir
from natsobj_gui.core.safe_path import safe_local_path, safe_part
from natsobj_gui.core.transfer_record import FINISHED, Transfer, TransferState
from natsobj_gui.core.transfers import TransferQueue
from natsobj_gui.core.types import ObjectInfo

SESSIONS = "sessions"
# Folders of earlier sessions are removed after this long: a file opened from one may still
# be open in another application for a while, so the current session never removes its own.
KEEP_OLD_SESSIONS_S = 24 * 3600

Key = tuple[str, str]  # bucket, object name
Ready = Callable[[Path], None]


def prune_old_sessions(parent: Path, keep: Path, max_age_s: float) -> None:
    """Remove session folders under `parent` older than `max_age_s` (best effort)."""
    cutoff = time.time() - max_age_s
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if entry != keep and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


class SessionCache:
    """Objects downloaded this session, each at most once per digest."""

    def __init__(self, queue: TransferQueue) -> None:
        self.queue = queue
        self._root: Path | None = None
        self._done: dict[Key, str] = {}  # digest of the complete local copy
        self._pending: dict[Key, Transfer] = {}
        self._digests: dict[int, str] = {}  # transfer id: digest of the version asked for
        self._waiters: dict[Key, list[Ready]] = {}
        queue.subscribe(on_change=self._changed)

    @property
    def root(self) -> Path:
        """This session's folder, made on first use (old sessions are pruned then)."""
        if self._root is None:
            parent = app_cache_dir() / SESSIONS
            root = parent / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            root.mkdir(parents=True, exist_ok=True)
            self._root = root
            # Off the GUI thread: an old session may hold big files.
            threading.Thread(
                target=prune_old_sessions, args=(parent, root, KEEP_OLD_SESSIONS_S), daemon=True
            ).start()
        return self._root

    def owns(self, t: Transfer) -> bool:
        """Whether a transfer is one of this cache's downloads."""
        return self._root is not None and self._root in t.local_path.parents

    def path_for(self, info: ObjectInfo) -> Path:
        """Where the local copy of an object goes (its name's folders kept, made safe)."""
        return safe_local_path(self.root / safe_part(info.bucket), info.name)

    def cached(self, info: ObjectInfo) -> Path | None:
        """The complete local copy of this version of the object, if there is one."""
        if info.link is not None or not info.digest:
            return None  # a link's target can change under the same link: fetch it again
        key = (info.bucket, info.name)
        if self._done.get(key) != info.digest:
            return None
        path = self.path_for(info)
        return path if path.is_file() else None

    def fetch(self, info: ObjectInfo, ready: Ready | None = None) -> Transfer | None:
        """Download the object unless it is cached; `ready` gets the path once complete."""
        path = self.cached(info)
        if path is not None:
            if ready is not None:
                ready(path)
            return None
        key = (info.bucket, info.name)
        if ready is not None:
            self._waiters.setdefault(key, []).append(ready)
        running = self._pending.get(key)
        if running is not None and not running.is_finished:
            return running
        t = self.queue.download(info.bucket, info.name, self.path_for(info), size=info.size)
        self._digests[t.id] = info.digest
        self._pending[key] = t
        return t

    def _changed(self, t: Transfer) -> None:
        key = (t.bucket, t.name)
        if self._pending.get(key) is not t or t.state not in FINISHED:
            return
        del self._pending[key]
        waiters = self._waiters.pop(key, [])
        digest = self._digests.pop(t.id, "")
        if t.state is not TransferState.DONE:
            return  # the transfer panel and the status bar report the failure
        self._done[key] = digest
        for ready in waiters:
            ready(t.local_path)
