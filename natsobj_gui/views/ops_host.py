"""What each command handler may use of the main window: a few small objects or a small
Protocol each, never the whole MainWindow (tests/gui/test_ops_hosts.py checks both ways).

The bucket and transfer handlers, the connection manager and the embedded-server watch take
separate small roles at construction (a Session to read, Work to run jobs, the window's
ErrorReporter to tell the user, a parent widget for dialogs); the window's Navigation
(views/navigation.py) is their Session and Navigator. The smaller handlers take one
Protocol below, which the window fills. Dialogs and timers get `window()`
(QWidget.window(): the main window).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings, Qt, SignalInstance
    from PySide6.QtWidgets import QDockWidget, QWidget

    from natsobj_gui.core import Client
    from natsobj_gui.core.embedded import EmbeddedServer
    from natsobj_gui.core.index import BucketIndex
    from natsobj_gui.core.types import BucketInfo, ObjectInfo
    from natsobj_gui.jobs import Job, JobRunner
    from natsobj_gui.views.object_view import ObjectView


def is_online(client: Client | None) -> bool:
    """Connected, and the connection is up (not reconnecting)."""
    return client is not None and client.conn.nc.is_connected


class ShowStatus(Protocol):
    """A transient status-bar message (MainWindow.show_status)."""

    def __call__(self, text: str, timeout_ms: int = 0) -> None: ...


class Work:
    """Jobs for the handlers: quiet ones (the caller handles failure) and reported ones."""

    def __init__(self, jobs: JobRunner, report: Callable[[str, BaseException | str], None]) -> None:
        self.jobs = jobs
        self.report = report  # the window's ErrorReporter.report, in the app

    def run(self, coro: Coroutine[Any, Any, Any], *, key: str | None = None) -> Job:
        """A quiet job: whoever connects to its signals says what failed."""
        return self.jobs.run(coro, key=key)

    def run_reported(
        self, coro: Coroutine[Any, Any, Any], *, key: str | None = None, error_title: str = "Error"
    ) -> Job:
        """A job whose failure is reported to the user under `error_title`."""
        job = self.jobs.run(coro, key=key)
        job.failed.connect(lambda message: self.report(error_title, message))
        return job

    def cancel(self, key: str) -> None:
        """Cancel the job running under `key`, if any."""
        self.jobs.cancel(key)

    def job(self, key: str) -> Job | None:
        """The unfinished job running under `key`, if any."""
        return self.jobs.job(key)


class Session(Protocol):
    """What the window shows, read only: connection, open bucket and folder, listing, buckets."""

    client: Client | None
    bucket: str
    prefix: str
    index: BucketIndex | None
    buckets: dict[str, BucketInfo]

    def is_writable(self, bucket: str) -> bool: ...


class Navigator(Protocol):
    """What the bucket commands change in the window: its bucket list and location."""

    async def load_buckets(self) -> None: ...

    def open_location(self, bucket: str, prefix: str = "") -> None: ...

    def update_bucket_info(self, info: BucketInfo) -> None: ...

    async def close_bucket(self) -> None: ...


class ConnectionHost(Protocol):
    """What the connection manager reads and sets of the window: its connection."""

    client: Client | None
    client_label: str
    embedded: EmbeddedServer | None
    client_changed: SignalInstance

    async def embedded_url(self) -> str: ...

    async def set_client(self, client: Client | None, label: str = "") -> None: ...


class Selection(Protocol):
    """The object table's selection (downloads)."""

    def selected_infos(self) -> list[ObjectInfo]: ...

    def selected_folders(self) -> list[str]: ...


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
