"""The main window: bucket tree, object table, transfer panel; one live watch per open bucket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import replace
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
from natsobj_gui.core.index import BucketIndex, IndexChange, parent_folder
from natsobj_gui.core.types import BucketInfo, ObjectInfo, WatchEvent, WatchKind
from natsobj_gui.formatting import count_text
from natsobj_gui.jobs import Job, JobRunner
from natsobj_gui.models.bucket_tree_model import BucketTreeModel
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.views.actions import WindowActions
from natsobj_gui.views.bucket_tree_view import BucketTreeView
from natsobj_gui.views.connection_manager import ConnectionManager
from natsobj_gui.views.embedded_watch import EmbeddedWatch
from natsobj_gui.views.empty_hint import empty_hints
from natsobj_gui.views.live_listing import follow_bucket, release_listing_memory
from natsobj_gui.views.object_view import ObjectView
from natsobj_gui.views.ops_host import Work, is_online
from natsobj_gui.views.outage import ErrorReporter, OutageBanner
from natsobj_gui.views.transfer_ops import TransferOps
from natsobj_gui.views.transfer_panel import TransferPanel
from natsobj_gui.views.window_state import make_dock, restore_window, save_window, setting_str

STATUS_TIMEOUT_MS = 8000
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
        self.client: Client | None = None
        self.bucket = ""
        self.prefix = ""
        self.index: BucketIndex | None = None
        self.buckets: dict[str, BucketInfo] = {}
        # True while the old bucket's tree nodes go away: the tree's current index moves to
        # the old bucket then, and that must not reopen it (see _set_bucket).
        self._relocating = False
        # Set by the app: the embedded local server, started on demand (embedded_url()).
        self.embedded: EmbeddedServer | None = None
        self._owns_embedded = False
        self._restore_bucket: str | None = setting_str(self.settings, "session/last_bucket") or None
        self._restore_prefix = setting_str(self.settings, "session/last_prefix")

        self.jobs = JobRunner(self)
        self.tree_model = BucketTreeModel(self)
        self.tree = BucketTreeView(self.tree_model)
        self.tree.is_writable = self.is_writable
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
        self.transfers = TransferOps(
            session=self,
            selection=self.objects,
            work=self.work,
            errors=self.errors,
            settings=self.settings,
            parent=self,
            refresh_status=self.refresh_bucket_status,
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
        self.update_hints()

    # -- wiring -----------------------------------------------------------------------------
    def _wire(self) -> None:
        self.tree.node_selected.connect(self.open_location)
        # Expanding a bucket that is not open opens it: one live listing at a time.
        self.tree_model.indexWanted.connect(
            lambda bucket: None if self._relocating else self.tree.select_node(bucket, "")
        )
        self.tree.files_dropped.connect(self.transfers.upload_paths)
        self.tree.objects_dropped.connect(self.window_actions.objects.move_objects)
        self.tree.context_menu_requested.connect(self.window_actions.tree_menu)
        self.objects.folder_activated.connect(lambda p: self.open_location(self.bucket, p))
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
        # The open folder lost its last object: show its parent rather than an empty page.
        self.object_model.prefixRemoved.connect(
            lambda prefix: self.open_location(self.bucket, parent_folder(prefix))
        )
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
            lambda: self.run_job(self.load_buckets(), key="buckets", error_title="Refresh failed")
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
        old, self.client = self.client, client
        self.banner.clear()
        self.transfer_panel.set_online(True)  # a new connection (or none: retries say why)
        self._set_bucket("")
        self.buckets = {}
        self.tree_model.set_buckets([])
        self.client_label = label if client is not None else ""
        # Ending in the app's display name, so Qt does not append it a second time.
        self.setWindowTitle(f"{label} — {APP_TITLE}" if client is not None and label else APP_TITLE)
        self.update_hints()
        self.client_changed.emit()
        self.window_actions.update_enabled()
        # Transfers on the old connection stop and clean up (purge partial uploads) first.
        await self.transfers.set_client(client)
        if old is not None and old is not client:
            with contextlib.suppress(Exception):
                await old.close()
        if client is not None:
            try:
                await self.load_buckets()
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

    # -- buckets ----------------------------------------------------------------------------
    async def load_buckets(self) -> None:
        """(Re)list the buckets, keeping or restoring the selection."""
        if self.client is None:
            return
        infos = await self.client.buckets.list()
        self.buckets = {b.name: b for b in infos}
        current = (self.bucket, self.prefix) if self.bucket else None
        self.tree_model.set_buckets(sorted(infos, key=lambda b: b.name.lower()))
        if current and current[0] in self.buckets:
            self.tree.select_node(*current)  # set_buckets kept the nodes and the live index
        elif current:
            self._set_bucket("")
        elif self._restore_bucket in self.buckets:
            bucket, prefix = self._restore_bucket, self._restore_prefix
            self._restore_bucket = None
            self.open_location(bucket, prefix)
        n = len(infos)
        self.show_status(count_text(n, "bucket"), STATUS_TIMEOUT_MS)
        self.window_actions.update_enabled()
        self.update_hints()
        self.buckets_loaded.emit()

    def refresh(self) -> None:
        """F5: list buckets again and restart the current bucket's listing."""
        if self.client is None:
            return
        bucket, prefix = self.bucket, self.prefix

        async def again() -> None:
            await self.load_buckets()
            if bucket and bucket in self.buckets:
                # A fresh index for the same bucket: its tree node stays expanded.
                self.index = None
                self.open_location(bucket, prefix)

        self.run_job(again(), key="refresh", error_title="Refresh failed")

    def update_hints(self) -> None:
        """The grey texts of the empty tree and table: what is going on, what to do next."""
        listed = self.index is not None and self.index.initial_done
        connected, writable = self.client is not None, self.is_writable(self.bucket)
        tree, table = empty_hints(connected, bool(self.buckets), self.bucket, listed, writable)
        self.tree.set_empty_text(tree)
        self.objects.set_empty_hint(table)

    def is_writable(self, bucket: str) -> bool:
        """False for a sealed (or unknown) bucket."""
        info = self.buckets.get(bucket)
        return info is not None and not info.sealed

    def update_bucket_info(self, info: BucketInfo) -> None:
        """Record a fresh status (after edit or seal) and refresh what depends on it."""
        self.buckets[info.name] = info
        self.tree_model.set_buckets(list(self.buckets.values()))  # updates nodes in place
        self.window_actions.update_enabled()
        self.objects.set_writable(self.is_writable(self.bucket))
        self.update_hints()

    def refresh_bucket_status(self, bucket: str) -> None:
        """Re-read one bucket's status in the background (after a failed write, say)."""
        if self.client is None or bucket not in self.buckets:
            return
        client = self.client

        async def status() -> None:
            self.update_bucket_info(await client.buckets.status(bucket))

        # Quiet: the failure that prompted this was already reported.
        self.jobs.run(status(), key=f"status:{bucket}")

    # -- location and live watch ------------------------------------------------------------
    def open_location(self, bucket: str, prefix: str = "") -> None:
        """Show a bucket's folder; a new bucket starts its watch and cancels the old one."""
        if not bucket or self.client is None or self._relocating:
            return
        if bucket != self.bucket or self.index is None:
            self._set_bucket(bucket, prefix)
        elif prefix != self.prefix:
            self.prefix = prefix
            self.object_model.set_prefix(prefix)
        else:
            return
        self.objects.set_location(bucket, prefix)
        self.objects.set_writable(self.is_writable(bucket))
        if self.tree.current_node() != (bucket, prefix):
            self.tree.select_node(bucket, prefix)
        self.settings.setValue("session/last_bucket", bucket)
        self.settings.setValue("session/last_prefix", prefix)
        self.window_actions.update_enabled()
        self.update_hints()
        self.location_changed.emit(bucket, prefix)

    def go_up(self) -> None:
        """Alt+Up: open the folder that holds the current one."""
        if self.bucket and self.prefix:
            self.open_location(self.bucket, parent_folder(self.prefix))

    async def close_bucket(self) -> None:
        """Show no bucket and wait until its watch has stopped (before deleting the bucket)."""
        job = self.jobs.job("watch")
        self._set_bucket("")
        if job is not None:
            await job.wait()

    def _set_bucket(self, bucket: str, prefix: str = "") -> None:
        self.jobs.cancel("watch")
        old = self.bucket
        self.bucket, self.prefix = bucket, prefix
        self.index = BucketIndex(bucket) if bucket else None
        index = self.index
        # Swapping tree nodes moves the tree's current index (and a stale expanded bucket
        # asks for its index): none of that may reopen a location meanwhile.
        self._relocating = True
        try:
            if old and old != bucket:
                # Nothing keeps the old bucket's folders current any more: drop them (the
                # view remembers which folders were open for when it comes back).
                self.tree.fold_bucket(old)
                self.tree_model.set_index(old, None)
                release_listing_memory()
            if bucket:
                self.tree_model.set_index(bucket, index)
        finally:
            self._relocating = False
        self.object_model.set_bucket(index, prefix)
        self.objects.set_location(bucket, prefix)
        self.update_hints()
        if not bucket or index is None:
            self.window_actions.update_enabled()
            return
        self.show_status(f"Listing {bucket}…")
        assert self.client is not None
        listing = follow_bucket(
            self.client.store(bucket),
            index,
            lambda change: self._apply(bucket, change),
            lambda: self.index is index,
        )
        self.run_job(listing, key="watch", error_title=f"Listing {bucket} failed")

    def forget_object(self, info: ObjectInfo) -> None:
        """Drop an object the watch cannot report gone (a rename purges the old name)."""
        index = self.index
        if index is None or index.bucket != info.bucket or info.name not in index:
            return
        gone = replace(info, deleted=True)
        self._apply(info.bucket, index.apply([WatchEvent(WatchKind.DELETE, gone)]))

    def _apply(self, bucket: str, change: IndexChange) -> None:
        if not change:
            return
        self.object_model.apply(change)
        self.tree_model.apply(bucket, change)
        if self.prefix in change.added_folders and self.tree.current_node() != (
            bucket,
            self.prefix,
        ):
            # The folder was opened before its listing arrived: now the tree can show it.
            self.tree.select_node(bucket, self.prefix)
        if change.initial_done:
            n = len(self.index) if self.index is not None else 0
            self.show_status(f"{bucket}: {count_text(n, 'object')}", STATUS_TIMEOUT_MS)
            self.update_hints()
            self.listing_done.emit(bucket)
        self.window_actions.update_enabled()

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
