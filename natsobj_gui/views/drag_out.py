"""Drag objects and folders out to the file manager: file URLs of local copies in the cache.

A drag cannot wait for a download under qasync (the drop happens inside Qt's drag loop, and
blocking there would stall every transfer). So the drag starts the downloads, which run while
the user drags, and the URL list is made when the drop target asks for it: it holds the
objects (and folders) whose local copy is complete by then. Whatever is still downloading is
left out and the status bar says so; the transfer panel shows it finish, and a second drag
carries it at once. Objects above DRAG_FETCH_MAX_BYTES in total are not fetched by a drag (an
accidental drag must not start a 10 GiB download): Download… is the way for those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QMetaType, QMimeData, QModelIndex, QUrl

from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.safe_path import safe_local_path, safe_part
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.formatting import count_text
from natsobj_gui.models.object_columns import MIME_TYPE, objects_mime
from natsobj_gui.views.session_cache import SessionCache

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import ListingHost

URI_LIST = "text/uri-list"
DRAG_FETCH_MAX_BYTES = 256 * 1024 * 1024
STATUS_MS = 8000
_LIST_TYPES = (QMetaType.Type.QVariantList.value, QMetaType.Type.QUrl.value)


class LazyUrlMime(QMimeData):
    """Carries text/uri-list whose URLs are computed when the drop target asks for them."""

    def __init__(self, urls_now: Callable[[], list[QUrl]]) -> None:
        super().__init__()
        self._urls_now = urls_now

    def formats(self) -> list[str]:
        own = super().formats()
        return own if URI_LIST in own else [*own, URI_LIST]

    def hasFormat(self, mimetype: str) -> bool:
        return mimetype == URI_LIST or super().hasFormat(mimetype)

    def retrieveData(self, mimetype: str, preferred: QMetaType) -> Any:
        if mimetype != URI_LIST:
            return super().retrieveData(mimetype, preferred)
        urls = self._urls_now()
        if preferred.id() in _LIST_TYPES:
            return urls
        return QByteArray(b"".join(bytes(u.toEncoded().data()) + b"\r\n" for u in urls))


class DragOut:
    """Makes the drag data of the object table: the internal format plus file URLs."""

    def __init__(self, window: ListingHost, cache: SessionCache) -> None:
        self.w = window
        self.cache = cache
        window.objects.table.drag_data = self.mime_for

    def _folder_objects(self, folder: str) -> list[ObjectInfo]:
        index = self.w.index
        if index is None:
            return []
        return index.objects_under([folder])

    def mime_for(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Drag data for the rows of `indexes` (proxy indexes of the object table)."""
        view = self.w.objects
        rows = {i.row(): i for i in indexes if i.isValid()}
        dragged = [o for i in rows.values() if (o := view.info_at(i)) is not None]
        folders = [f for i in rows.values() if (f := view.folder_at(i)) is not None]
        infos = [o for o in dragged if not (o.link and o.link.is_bucket_link)]  # no content
        bucket = self.w.bucket
        # Each entry: the local path the drop gets, and the objects it needs complete.
        entries: list[tuple[Path, list[ObjectInfo]]] = [
            (self.cache.path_for(o), [o]) for o in infos
        ]
        for folder in folders:
            below = self._folder_objects(folder)
            if below:
                root = self.cache.root / safe_part(bucket)
                entries.append((safe_local_path(root, folder.rstrip("/")), below))
        self._fetch([o for _, objs in entries for o in objs])

        def urls_now() -> list[QUrl]:
            ready = [p for p, objs in entries if all(self.cache.cached(o) for o in objs)]
            missing = len(entries) - len(ready)
            if missing:
                self.w.show_status(
                    f"{count_text(missing, 'item')} of the drop still downloading and left "
                    "out: drag again when the transfer panel shows it done",
                    STATUS_MS,
                )
            return [QUrl.fromLocalFile(str(p)) for p in ready]

        mime = LazyUrlMime(urls_now)
        # The internal format, as before: drops on our own folders and buckets move objects.
        mime.setData(MIME_TYPE, objects_mime(bucket, dragged).data(MIME_TYPE))
        return mime

    def _fetch(self, infos: list[ObjectInfo]) -> None:
        """Start the downloads a drop will need, within the size budget of one drag."""
        todo = [o for o in infos if self.cache.cached(o) is None]
        total = sum(o.size for o in todo)
        if total > DRAG_FETCH_MAX_BYTES:
            self.w.show_status(
                f"Too much to drag out ({human_size(total)}): use Download… for these",
                STATUS_MS,
            )
            return
        for o in todo:
            self.cache.fetch(o)
