"""Object commands: info and verify, delete, metadata and rename, links."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from natsobj_gui.core.bulk import DeleteResults, ProgressCallback, delete_infos
from natsobj_gui.core.errors import ObjectStoreError
from natsobj_gui.core.index import split_name
from natsobj_gui.core.types import ObjectInfo, ObjectLink, ObjectMeta, Progress
from natsobj_gui.core.uploads import join_prefix
from natsobj_gui.dialogs.messages import open_dialog
from natsobj_gui.formatting import count_text
from natsobj_gui.progress_bridge import Throttle
from natsobj_gui.qt_compat import is_alive
from natsobj_gui.views.delete_job import run_in_dialog

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from natsobj_gui.dialogs.delete_dialog import DeleteObjectsDialog
    from natsobj_gui.dialogs.info_dialog import InfoDialog
    from natsobj_gui.jobs import Job
    from natsobj_gui.views.ops_host import ObjectHost


class ObjectOps:
    """Handlers for the selected objects of the window's current bucket."""

    def __init__(self, window: ObjectHost) -> None:
        self.w = window
        self.info_dialog: InfoDialog | None = None  # the last one opened (tests look at it)
        self.delete_dialog: DeleteObjectsDialog | None = None

    def _selected(self) -> list[ObjectInfo]:
        return self.w.objects.selected_infos() if self.w.client is not None else []

    # -- info / verify ----------------------------------------------------------------------
    def show_current_info(self) -> None:
        """Info for the one selected object."""
        infos = self._selected()
        if len(infos) == 1:
            self.show_info(infos[0])

    def show_info(self, info: ObjectInfo) -> None:
        """Open the info dialog (non-modal) with what the watch last reported."""
        from natsobj_gui.dialogs.info_dialog import InfoDialog

        dlg = InfoDialog(info, self.w.window())
        self.info_dialog = dlg
        bucket = info.bucket
        key = f"verify:{bucket}:{info.name}"
        dlg.verify_requested.connect(lambda: self._verify(dlg, bucket, info.name, key))
        # Closing the dialog stops a verify nobody is looking at any more.
        dlg.finished.connect(lambda _r: self.w.jobs.cancel(key))
        open_dialog(dlg)

    def _verify(self, dlg: InfoDialog, bucket: str, name: str, key: str) -> None:
        if self.w.client is None:
            return
        store = self.w.client.store(bucket)

        def show(p: Progress) -> None:
            if is_alive(dlg):
                dlg.set_verify_progress(p)

        # Per-chunk progress would repaint thousands of times a second: throttle to ~15 Hz.
        throttle = Throttle(show, parent=dlg)

        async def verify() -> ObjectInfo:
            info = await store.verify(name, progress=throttle)
            throttle.flush()
            return info

        job = self.w.jobs.run(verify(), key=key)

        def ok(info: ObjectInfo) -> None:
            if is_alive(dlg):
                dlg.set_verify_result(True, "Verified: the size and SHA-256 digest match")

        def failed(message: str) -> None:
            if is_alive(dlg):
                dlg.set_verify_result(False, message)
            self.w.show_status(f"Verify {name}: {message}", 10000)

        job.succeeded.connect(ok)
        job.failed.connect(failed)

    # -- delete -----------------------------------------------------------------------------
    def _selected_deep(self) -> list[ObjectInfo]:
        """The selected objects plus every object inside the selected folders."""
        infos = self._selected()
        index = self.w.index
        folders = self.w.objects.selected_folders() if self.w.client is not None else []
        if index is not None and folders:
            seen = {i.name for i in infos}
            infos += [i for i in index.objects_under(folders) if i.name not in seen]
        return infos

    def delete_selected(self) -> None:
        """Confirm, then delete the selected objects (and folders' content) with progress."""
        infos = self._selected_deep()
        if not infos or not self.w.is_writable(self.w.bucket):
            return
        from natsobj_gui.dialogs.delete_dialog import DeleteObjectsDialog

        dlg = DeleteObjectsDialog(infos, self.w.window(), stay_open=True)
        self.delete_dialog = dlg
        dlg.delete_requested.connect(lambda: self._delete(dlg, infos))
        open_dialog(dlg)

    def _delete(self, dlg: DeleteObjectsDialog, infos: list[ObjectInfo]) -> None:
        """One bulk delete job for any number of objects; Stop finishes the started ones."""
        if self.w.client is None:
            return
        conn, bucket = self.w.client.conn, infos[0].bucket
        results = DeleteResults(infos)  # ours: still readable after a Stop

        async def delete(progress: ProgressCallback) -> DeleteResults:
            await delete_infos(conn, bucket, infos, progress=progress, results=results)
            failed = results.failed()  # 100,000 results are not read one by one
            if failed:
                first = failed[0]
                # The first failure's reason, then every count (none counted twice).
                summary = results.progress().summary()
                raise ObjectStoreError(f"{first.name}: {first.message}. {summary}.")
            return results

        def finished(job: Job) -> None:
            if job.state in ("ok", "cancelled"):
                done = results.progress()
                # Kept or stopped: the user's request was not wholly done; say it longer.
                wait = 5000 if done.deleted == done.total else 10000
                self.w.show_status(done.summary(), wait)

        def start(coro: Coroutine[Any, Any, DeleteResults]) -> Job:
            return self.w.run_job(coro, key=f"delete:{bucket}", error_title="Delete failed")

        run_in_dialog(dlg, delete, start, parent=self.w.window(), finished=finished)

    # -- metadata / rename ------------------------------------------------------------------
    def edit_meta(self) -> None:
        """Edit the name, description, headers and metadata of one object."""
        infos = self._selected()
        if len(infos) != 1 or not self.w.is_writable(self.w.bucket):
            return
        from natsobj_gui.dialogs.meta_dialog import MetaDialog

        info = infos[0]
        dlg = MetaDialog(info, self.w.window())
        open_dialog(dlg, lambda: self._update_meta(info, dlg.meta()))

    def _update_meta(self, info: ObjectInfo, meta: ObjectMeta) -> None:
        if self.w.client is None:
            return
        store = self.w.client.store(info.bucket)

        async def update() -> None:
            await store.update_meta(info.name, meta)
            if meta.name != info.name:
                # The old name's meta was purged, which no watcher ever sees.
                self.w.forget_object(info)
            what = f"Renamed to {meta.name}" if meta.name != info.name else "Saved metadata"
            self.w.show_status(f"{what} ({info.name})", 5000)

        self.w.run_job(update(), error_title=f"Could not update {info.name}")

    # -- moves ------------------------------------------------------------------------------
    def move_objects(self, names: list[str], bucket: str, prefix: str) -> None:
        """Move objects dragged onto a folder: each is renamed to `prefix` + its leaf name."""
        if self.w.client is None or not self.w.is_writable(bucket):
            return
        moves = [(n, join_prefix(prefix, split_name(n)[1])) for n in names]
        moves = [(old, new) for old, new in moves if old != new]
        if not moves:
            return
        store = self.w.client.store(bucket)

        async def move() -> None:
            for old, new in moves:
                info = await store.info(old)
                await store.update_meta(old, replace(info.meta, name=new))
                self.w.forget_object(info)  # the purge of the old name is never watched
            where = prefix or "the bucket root"
            self.w.show_status(f"Moved {count_text(len(moves), 'object')} to {where}", 5000)

        self.w.run_job(move(), error_title="Move failed")

    # -- links ------------------------------------------------------------------------------
    def create_link(self) -> None:
        """Create a link to the selected object (or to a bucket) in the current bucket."""
        infos = self._selected()
        if len(infos) != 1 or not self.w.is_writable(self.w.bucket):
            return
        from natsobj_gui.dialogs.link_dialog import LinkDialog

        target = infos[0]
        dlg = LinkDialog(sorted(self.w.buckets), self.w.bucket, target, self.w.window())
        open_dialog(dlg, lambda: self._link(self.w.bucket, dlg.link_name(), dlg.link()))

    def _link(self, bucket: str, name: str, link: ObjectLink) -> None:
        if self.w.client is None:
            return
        client = self.w.client

        async def make() -> None:
            store = client.store(bucket)
            if link.is_bucket_link:
                await store.add_bucket_link(name, link.bucket)
            else:
                target = await client.store(link.bucket).info(link.name or "")
                await store.add_link(name, target)
            self.w.show_status(f"Created link {name}", 5000)

        self.w.run_job(make(), error_title=f"Could not create link {name}")
