"""The transfer queue kept across app restarts: its unfinished transfers, as a small JSON file.

They come back paused, with their progress: a download's is what its kept partial holds
(read from the partial's sidecar, so it is right even after a crash), an upload's is
shown as it was but starts from the beginning when resumed (the source may have changed:
each saved upload carries its file's size and modification time to say so).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .dirs import app_data_dir
from .partial import kept_state, replace_file
from .transfer_record import ACTIVE, Transfer, TransferKind, TransferState
from .types import Progress

log = logging.getLogger(__name__)
QUEUE_ENV = "NATSOBJ_TRANSFER_QUEUE"  # tests and scripts keep the queue elsewhere
QUEUE_NAME = "transfers.json"
VERSION = 1
KEPT = ACTIVE | {TransferState.PAUSED}
MAX_FILE = 64 << 20


def default_queue_path() -> Path:
    """$NATSOBJ_TRANSFER_QUEUE, else `transfers.json` in the app's data folder."""
    env = os.environ.get(QUEUE_ENV)
    return Path(env) if env else app_data_dir() / QUEUE_NAME


def source_stamp(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of an upload's source file; None if it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def take_source_change(t: Transfer) -> str:
    """Why a resumed upload's source is not the file it was ("" when it is); re-stamps it."""
    if not t.is_upload or t.source_stamp is None:
        return ""
    now = source_stamp(t.local_path)
    if now == t.source_stamp:
        return ""
    t.source_stamp = now  # this run uploads the file as it is now
    return f"{t.local_path} changed since this upload was interrupted: uploading it anew"


def _row(t: Transfer) -> dict[str, Any]:
    if t.is_upload and t.source_stamp is None:
        # First saved: the file as it is now is the one this upload is for.
        t.source_stamp = source_stamp(t.local_path)
    p = t.progress
    return {
        "kind": t.kind.value,
        "bucket": t.bucket,
        "name": t.name,
        "local_path": str(t.local_path),
        "size": t.size,
        "description": t.description,
        "chunk_size": t.chunk_size,
        "progress": [p.chunks_done, p.chunks_total, p.bytes_done, p.bytes_total],
        "source": list(t.source_stamp) if t.source_stamp else None,
    }


def save_queue(path: Path, transfers: Iterable[Transfer]) -> None:
    """Write the unfinished transfers (queued, running, paused) atomically; none: no file."""
    rows = [_row(t) for t in transfers if t.state in KEPT]
    if not rows:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, json.dumps({"version": VERSION, "transfers": rows}).encode())


def load_queue(path: Path) -> list[Transfer]:
    """The saved transfers, paused (id 0: the queue numbers them); [] if none or unreadable."""
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read(MAX_FILE))
        if doc.get("version") != VERSION:
            return []
        return [_transfer(row) for row in doc["transfers"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("the saved transfer queue %s cannot be read: %s", path, exc)
        return []


def _transfer(row: dict[str, Any]) -> Transfer:
    kind = TransferKind(row["kind"])
    local = Path(row["local_path"])
    done, total, bytes_done, bytes_total = (int(x) for x in row["progress"])
    if kind is TransferKind.DOWNLOAD:
        # What the partial really holds, after a crash too (not the last saved progress).
        kept = kept_state(local)
        done, bytes_done = (kept.chunks, kept.bytes) if kept else (0, 0)
    source = row.get("source")
    return Transfer(
        0,
        kind,
        str(row["bucket"]),
        str(row["name"]),
        local,
        size=int(row["size"]),
        description=str(row.get("description") or ""),
        chunk_size=row.get("chunk_size"),
        state=TransferState.PAUSED,
        progress=Progress(done, total, bytes_done, bytes_total),
        source_stamp=(int(source[0]), int(source[1])) if source else None,
    )
