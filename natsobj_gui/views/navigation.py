"""Where the window is: the bucket list, the open bucket and folder, and its live listing.

`Navigation` is the window's Session and Navigator (views/ops_host.py): the bucket and
transfer handlers read and change the location through it. It drives the tree, the table
and their models, and never sees the window (tests/gui/test_ops_hosts.py checks).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from natsobj_gui.core import Client
from natsobj_gui.core.index import BucketIndex, IndexChange, parent_folder
from natsobj_gui.core.types import BucketInfo, ObjectInfo, WatchEvent, WatchKind
from natsobj_gui.formatting import count_text
from natsobj_gui.views.bucket_tree_view import BucketTreeView
from natsobj_gui.views.empty_hint import empty_hints
from natsobj_gui.views.live_listing import follow_bucket, release_listing_memory
from natsobj_gui.views.object_view import ObjectView
from natsobj_gui.views.ops_host import ShowStatus, Work
from natsobj_gui.views.window_state import setting_str

STATUS_TIMEOUT_MS = 8000
# The tree's size of the open bucket is the stream's: re-read at most this often while
# other clients change the bucket, so a burst of changes costs one status request.
SIZE_REFRESH_MS = 1000


class Navigation(QObject):
    """The connection's buckets and the open location; one live listing at a time."""

    location_changed = Signal(str, str)  # bucket, prefix
    listing_done = Signal(str)  # bucket whose initial set is now shown
    buckets_loaded = Signal()
    changed = Signal()  # what the window's actions depend on may have changed

    def __init__(
        self,
        tree: BucketTreeView,
        objects: ObjectView,
        work: Work,
        status: ShowStatus,
        settings: QSettings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tree, self.tree_model = tree, tree.tree_model
        self.objects, self.object_model = objects, objects.model
        self.work = work
        self.show_status = status
        self.settings = settings
        self.client: Client | None = None
        self.bucket = ""
        self.prefix = ""
        self.index: BucketIndex | None = None
        self.buckets: dict[str, BucketInfo] = {}
        # True while the old bucket's tree nodes go away: the tree's current index moves to
        # the old bucket then, and that must not reopen it (see set_bucket).
        self._relocating = False
        self._restore_bucket: str | None = setting_str(settings, "session/last_bucket") or None
        self._restore_prefix = setting_str(settings, "session/last_prefix")
        self._size_timer = QTimer(self)
        self._size_timer.setSingleShot(True)
        self._size_timer.setInterval(SIZE_REFRESH_MS)
        self._size_timer.timeout.connect(lambda: self.refresh_bucket_status(self.bucket))
        tree.is_writable = self.is_writable
        tree.node_selected.connect(self.open_location)
        # Expanding a bucket that is not open opens it: one live listing at a time.
        self.tree_model.indexWanted.connect(
            lambda bucket: None if self._relocating else tree.select_node(bucket, "")
        )
        objects.folder_activated.connect(lambda p: self.open_location(self.bucket, p))
        # The open folder lost its last object: show its parent rather than an empty page.
        self.object_model.prefixRemoved.connect(
            lambda prefix: self.open_location(self.bucket, parent_folder(prefix))
        )

    def set_client(self, client: Client | None) -> None:
        """Another connection (or none): no bucket open, none listed yet."""
        self.client = client
        self.set_bucket("")
        self.buckets = {}
        self.tree_model.set_buckets([])

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
            self.set_bucket("")
        elif self._restore_bucket in self.buckets:
            bucket, prefix = self._restore_bucket, self._restore_prefix
            self._restore_bucket = None
            self.open_location(bucket, prefix)
        n = len(infos)
        self.show_status(count_text(n, "bucket"), STATUS_TIMEOUT_MS)
        self.changed.emit()
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

        self.work.run_reported(again(), key="refresh", error_title="Refresh failed")

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
        self.changed.emit()
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
        self.work.run(status(), key=f"status:{bucket}")

    # -- location and live watch ------------------------------------------------------------
    def open_location(self, bucket: str, prefix: str = "") -> None:
        """Show a bucket's folder; a new bucket starts its watch and cancels the old one."""
        if not bucket or self.client is None or self._relocating:
            return
        if bucket != self.bucket or self.index is None:
            self.set_bucket(bucket, prefix)
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
        self.changed.emit()
        self.update_hints()
        self.location_changed.emit(bucket, prefix)

    def go_up(self) -> None:
        """Alt+Up: open the folder that holds the current one."""
        if self.bucket and self.prefix:
            self.open_location(self.bucket, parent_folder(self.prefix))

    async def close_bucket(self) -> None:
        """Show no bucket and wait until its watch has stopped (before deleting the bucket)."""
        job = self.work.job("watch")
        self.set_bucket("")
        if job is not None:
            await job.wait()

    def set_bucket(self, bucket: str, prefix: str = "") -> None:
        """Open `bucket` (none: "") at `prefix` with a fresh listing; the old one stops."""
        self.work.cancel("watch")
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
            self.changed.emit()
            return
        self.show_status(f"Listing {bucket}…")
        assert self.client is not None
        listing = follow_bucket(
            self.client.store(bucket),
            index,
            lambda change: self._apply(bucket, change),
            lambda: self.index is index,
        )
        self.work.run_reported(listing, key="watch", error_title=f"Listing {bucket} failed")

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
        elif self.index is not None and self.index.initial_done and not self._size_timer.isActive():
            self._size_timer.start()  # a live change: the stored size moved too
        self.changed.emit()
