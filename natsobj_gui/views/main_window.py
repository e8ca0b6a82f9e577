"""The main window: bucket tree, object table, transfer panel, and the connection.

Where the window is (buckets, open bucket and folder, live listing) is its Navigation
(views/navigation.py); the window reads it through a few properties for its handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core import Client, ConnectionEvents
from natsobj_gui.core.embedded import EmbeddedServer
from natsobj_gui.core.errors import JetStreamNotEnabledError
from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.types import BucketInfo
from natsobj_gui.jobs import Job, JobRunner
from natsobj_gui.models.bucket_tree_model import BucketTreeModel
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.views.actions import WindowActions
from natsobj_gui.views.bucket_tree_view import BucketTreeView
from natsobj_gui.views.connection_manager import ConnectionManager
from natsobj_gui.views.embedded_watch import EmbeddedWatch
from natsobj_gui.views.navigation import Navigation
from natsobj_gui.views.object_view import ObjectView
from natsobj_gui.views.ops_host import Work, is_online
from natsobj_gui.views.outage import ErrorReporter, OutageBanner
from natsobj_gui.views.transfer_ops import TransferOps
from natsobj_gui.views.transfer_panel import TransferPanel
from natsobj_gui.views.window_state import make_dock, restore_window, save_window

APP_TITLE = "NATS Object Browser"


class MainWindow(QMainWindow):
    """Browse buckets and objects of one connection; `set_client` swaps the connection."""

    closed = Signal()
    client_changed = Signal()
    location_changed = Signal(str, str)  # bucket, prefix
    listing_done = Signal(str)  # bucket whose initial set is now shown
    buckets_loaded = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_TITLE)
        self.settings = settings if settings is not None else QSettings()
        # Set by the app: the embedded local server, started on demand (embedded_url()).
        self.embedded: EmbeddedServer | None = None
        self._owns_embedded = False

        self.jobs = JobRunner(self)
        self.tree_model = BucketTreeModel(self)
        self.tree = BucketTreeView(self.tree_model)
        self.object_model = ObjectTableModel(self)
        self.objects = ObjectView(self.object_model)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.objects)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 900])
        self.banner = OutageBanner()
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.banner)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.errors = ErrorReporter(
            self, self.banner, self.show_status, lambda: self.client is not None and not self.online
        )

        self.work = Work(self.jobs, self.report_error)
        self.nav = nav = Navigation(
            self.tree, self.objects, self.work, self.show_status, self.settings, self
        )
        # What the handlers that take the window (views/ops_host.py's Hosts) call of it.
        self.open_location = nav.open_location
        self.is_writable = nav.is_writable
        self.forget_object = nav.forget_object
        self.transfers = TransferOps(
            session=nav,
            selection=self.objects,
            work=self.work,
            errors=self.errors,
            settings=self.settings,
            parent=self,
            refresh_status=nav.refresh_bucket_status,
        )
        self.transfer_panel = TransferPanel(self.transfers.queue)
        self.transfers.grouping = self.transfer_panel.model.grouping
        self.transfer_dock = make_dock("Transfers", "transferDock", self.transfer_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.transfer_dock)

        self.client_label = ""

        self.window_actions = WindowActions(self)
        self.connection_menu = self.window_actions.connection_menu
        self.embedded_watch = EmbeddedWatch(
            self, lambda: self.embedded, self.work, self.banner, lambda: self.online
        )
        # Profiles, the Connection menu and the status-bar indicator.
        self.connections = ConnectionManager(
            self,
            self.work,
            parent=self,
            status_bar=self.statusBar(),
            menu=self.connection_menu,
            banner=self.banner,
            reviving=lambda: self.embedded_watch.reviving,
        )
        self._wire()
        restore_window(self)
        self.window_actions.update_enabled()
        self.nav.update_hints()

    # -- wiring -----------------------------------------------------------------------------
    def _wire(self) -> None:
        nav = self.nav
        nav.changed.connect(self.window_actions.update_enabled)
        nav.location_changed.connect(self.location_changed)
        nav.listing_done.connect(self.listing_done)
        nav.buckets_loaded.connect(self.buckets_loaded)
        self.tree.files_dropped.connect(self.transfers.upload_paths)
        self.tree.objects_dropped.connect(self.window_actions.objects.move_objects)
        self.tree.context_menu_requested.connect(self.window_actions.tree_menu)
        self.objects.object_activated.connect(self.window_actions.open.open_object)
        self.objects.files_dropped.connect(
            lambda paths, prefix: self.transfers.upload_paths(paths, self.bucket, prefix)
        )
        self.objects.objects_dropped.connect(
            lambda names, prefix: self.window_actions.objects.move_objects(
                names, self.bucket, prefix
            )
        )
        self.objects.context_menu_requested.connect(self.window_actions.object_menu)
        self.objects.selection_changed.connect(self.window_actions.update_enabled)
        self.embedded_watch.moved.connect(lambda _url: self.connections.reconnect_embedded())
        # Connection dropped: server actions off; our own server died? it restarts at once.
        lost, back = self.connections.lost, self.connections.back
        lost.connect(lambda: self.transfer_panel.set_online(False))
        lost.connect(self.window_actions.update_enabled)
        lost.connect(self.embedded_watch.check)
        # Back: the bucket list may have changed meanwhile (the open bucket's watch resumes
        # by itself from its last sequence: no reload, no duplicate rows); retry what broke.
        back.connect(lambda: self.transfer_panel.set_online(True))
        back.connect(self.window_actions.update_enabled)
        back.connect(
            lambda: self.run_job(nav.load_buckets(), key="buckets", error_title="Refresh failed")
        )
        back.connect(self.transfers.outcomes.retry_dropped)

    # -- messages ---------------------------------------------------------------------------
    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def report_error(self, title: str, error: BaseException | str) -> None:
        """A failure for the user: status bar and a box, or the banner during an outage."""
        self.errors.report(title, error)

    @property
    def online(self) -> bool:
        """Connected and the connection is up (not reconnecting)."""
        return is_online(self.client)

    # -- the location, read through the navigation (the handlers' Hosts read these) --------
    @property
    def client(self) -> Client | None:
        """The connection (none: None); the navigation lists and watches through it."""
        return self.nav.client

    @client.setter
    def client(self, client: Client | None) -> None:
        self.nav.client = client

    @property
    def bucket(self) -> str:
        """The open bucket ("" for none)."""
        return self.nav.bucket

    @property
    def prefix(self) -> str:
        """The open folder in it ("" for its top)."""
        return self.nav.prefix

    @property
    def index(self) -> BucketIndex | None:
        """The open bucket's live listing."""
        return self.nav.index

    @property
    def buckets(self) -> dict[str, BucketInfo]:
        """The connection's buckets by name."""
        return self.nav.buckets

    def run_job(
        self, coro: Coroutine[Any, Any, Any], *, key: str | None = None, error_title: str = "Error"
    ) -> Job:
        """Run a coroutine as a job whose failure is reported to the user."""
        return self.work.run_reported(coro, key=key, error_title=error_title)

    # -- connection -------------------------------------------------------------------------
    def connection_events(self) -> ConnectionEvents:
        """Callbacks for a new connection: indicator, status bar, bucket reload on reconnect."""
        return self.connections.events()

    async def set_client(self, client: Client | None, label: str = "") -> None:
        """Use another connection (or none): closes the old one and reloads everything."""
        for key in ("watch", "buckets", "refresh"):
            self.jobs.cancel(key)
        old = self.client
        self.banner.clear()
        self.transfer_panel.set_online(True)  # a new connection (or none: retries say why)
        self.nav.set_client(client)
        self.client_label = label if client is not None else ""
        # Ending in the app's display name, so Qt does not append it a second time.
        self.setWindowTitle(f"{label} — {APP_TITLE}" if client is not None and label else APP_TITLE)
        self.nav.update_hints()
        self.client_changed.emit()
        self.window_actions.update_enabled()
        # Transfers on the old connection stop and clean up (purge partial uploads) first.
        await self.transfers.set_client(client)
        if old is not None and old is not client:
            with contextlib.suppress(Exception):
                await old.close()
        if client is not None:
            try:
                await self.nav.load_buckets()
            except Exception as exc:
                if isinstance(exc, JetStreamNotEnabledError):  # connected, but of no use
                    self.connections.show_failed(label, str(exc))
                self.report_error("Could not list buckets", exc)

    async def embedded_url(self) -> str:
        """The URL of the app's embedded server, starting it (off the GUI thread) if needed."""
        if self.embedded is None:
            self.embedded = EmbeddedServer()
            self._owns_embedded = True  # no app gave us one: stop it in shutdown()
        return await asyncio.to_thread(self.embedded.start)

    async def shutdown(self) -> None:
        """After the window closed: wait for cancelled jobs to clean up, close the connection."""
        await self.transfers.shutdown()
        await self.jobs.shutdown()
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
        if self._owns_embedded and self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)

    # -- settings ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.errors.closing = True
        self.embedded_watch.stop()
        save_window(self)  # geometry, dock and splitter state, column widths
        # Cancel every task now: nothing may emit on these widgets once they are gone.
        self.transfers.cancel_all()
        self.jobs.cancel_all()
        super().closeEvent(event)
        self.closed.emit()
