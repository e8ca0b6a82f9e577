"""Drops: local files and folders (text/uri-list) to upload, and our own objects to move."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

from natsobj_gui.models.object_columns import MIME_TYPE, parse_objects_mime


def local_paths(mime: QMimeData | None) -> list[Path]:
    """The dropped local paths; empty when anything in the drop is not a local file."""
    if mime is None or not mime.hasFormat("text/uri-list") or not mime.hasUrls():
        return []
    if mime.hasFormat(MIME_TYPE):
        return []  # our own objects dragged out carry file URLs too: never re-upload them
    urls = mime.urls()
    # A drop mixing web links and files is refused as a whole: half an upload surprises people.
    if not urls or not all(u.isLocalFile() for u in urls):
        return []
    paths = [Path(u.toLocalFile()) for u in urls]
    return [p for p in paths if p.exists()]


def accept_if_local(event: QDragEnterEvent | QDragMoveEvent, writable: bool = True) -> bool:
    """Accept a drag (as a copy) when it carries local files and the target can take them."""
    if writable and local_paths(event.mimeData()):
        # Always a copy: the files stay where they are in the file manager.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return True
    event.ignore()
    return False


def take_drop(event: QDropEvent) -> list[Path]:
    """The local paths of a drop, accepting it as a copy; empty (and ignored) otherwise."""
    paths = local_paths(event.mimeData())
    accept(event, bool(paths))
    return paths


def dragged_from(mime: QMimeData | None) -> tuple[str, list[str]]:
    """The bucket and names of objects dragged from our table; ("", []) if not one bucket."""
    items = parse_objects_mime(mime) if mime is not None else []
    buckets = {b for b, _ in items}
    if len(buckets) != 1:
        return "", []  # moving between buckets would be a copy: not offered
    return buckets.pop(), [name for _, name in items]


def dragged_objects(mime: QMimeData | None, bucket: str) -> list[str]:
    """Names of objects dragged from our table out of `bucket` ([] for any other drag)."""
    source, names = dragged_from(mime)
    return names if source == bucket else []


def accept(event: QDragEnterEvent | QDragMoveEvent | QDropEvent, ok: bool) -> bool:
    """Accept (as a copy: a move is a rename we do ourselves) or ignore; returns `ok`."""
    if ok:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
    else:
        event.ignore()
    return ok
