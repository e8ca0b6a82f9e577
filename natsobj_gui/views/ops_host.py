"""What each command handler may use of the main window: a small Protocol each, never the
whole MainWindow (which satisfies them all; tests/gui/test_ops_hosts.py checks both ways).

Dialogs and timers get `window()` (QWidget.window(): the main window as a widget).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings, Qt, SignalInstance
    from PySide6.QtWidgets import QDockWidget, QWidget

    from natsobj_gui.core import Client
    from natsobj_gui.core.index import BucketIndex
    from natsobj_gui.core.types import BucketInfo, ObjectInfo
    from natsobj_gui.jobs import Job, JobRunner
    from natsobj_gui.views.object_view import ObjectView
    from natsobj_gui.views.outage import OutageBanner
    from natsobj_gui.views.transfer_panel import TransferPanel


class Host(Protocol):
    """Every handler: the connection, the open bucket, its table, the status bar."""

    client: Client | None
    bucket: str
    objects: ObjectView

    def window(self) -> QWidget: ...

    def show_status(self, text: str, timeout_ms: int = 0) -> None: ...


class ListingHost(Host, Protocol):
    """Handlers that read the open bucket's listing (drag out)."""

    index: BucketIndex | None


class JobHost(Host, Protocol):
    """Handlers that run jobs: quiet ones on `jobs`, reported ones with `run_job`."""

    jobs: JobRunner

    def run_job(
        self, coro: Coroutine[Any, Any, Any], *, key: str | None = None, error_title: str = "Error"
    ) -> Job: ...


class PreviewHost(JobHost, Protocol):
    """The preview pane: a dock of the window, following the selection and the location."""

    index: BucketIndex | None
    settings: QSettings
    location_changed: SignalInstance

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...

    def resizeDocks(
        self, docks: list[QDockWidget], sizes: list[int], orientation: Qt.Orientation
    ) -> None: ...


class RenameHost(JobHost, Protocol):
    """In-place rename in the object table."""

    def is_writable(self, bucket: str) -> bool: ...

    def forget_object(self, info: ObjectInfo) -> None: ...


class ObjectHost(RenameHost, Protocol):
    """The Object menu: info, delete, metadata, links, moves."""

    index: BucketIndex | None
    buckets: dict[str, BucketInfo]


class BucketHost(JobHost, Protocol):
    """The Bucket menu: create, status, edit, seal, delete, orphans, backup, compare."""

    prefix: str
    index: BucketIndex | None
    buckets: dict[str, BucketInfo]

    def is_writable(self, bucket: str) -> bool: ...

    async def load_buckets(self) -> None: ...

    def open_location(self, bucket: str, prefix: str = "") -> None: ...

    def update_bucket_info(self, info: BucketInfo) -> None: ...

    async def close_bucket(self) -> None: ...


class TransferHost(JobHost, Protocol):
    """Uploads and downloads: where to, whether allowed, and the outage banner."""

    prefix: str
    index: BucketIndex | None
    settings: QSettings
    banner: OutageBanner
    transfer_panel: TransferPanel  # made after the transfers: may not exist yet

    @property
    def online(self) -> bool: ...

    def is_writable(self, bucket: str) -> bool: ...

    def report_error(self, title: str, error: BaseException | str) -> None: ...

    def refresh_bucket_status(self, bucket: str) -> None: ...
