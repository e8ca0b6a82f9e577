"""Bucket commands: new, status, edit, seal, delete, orphaned chunks, backup and restore —
compare with a local folder — dialogs opened with open(), work as jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from natsobj_gui.core import backup, orphans
from natsobj_gui.core.bulk import DeleteResults, ProgressCallback
from natsobj_gui.core.client import Client
from natsobj_gui.core.sync_delete import ExtrasResult, delete_extras, extras_infos
from natsobj_gui.core.sync_plan import Action, Direction, SyncItem, SyncPlan, plan_sync
from natsobj_gui.core.transfers import TransferQueue
from natsobj_gui.core.types import BucketConfig, BucketInfo, ObjectInfo, Progress
from natsobj_gui.dialogs.messages import open_dialog
from natsobj_gui.formatting import count_text, human_size
from natsobj_gui.qt_compat import is_alive
from natsobj_gui.views.delete_job import run_in_dialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from natsobj_gui.dialogs.compare_dialog import CompareDialog
    from natsobj_gui.dialogs.delete_dialog import DeleteObjectsDialog
    from natsobj_gui.dialogs.orphans_dialog import OrphansDialog
    from natsobj_gui.jobs import Job
    from natsobj_gui.views.ops_host import Navigator, Session, ShowStatus, Work

ORPHAN_SCAN_JOB = "orphan-scan"
BACKUP_JOB = "bucket-backup"
COMPARE_JOB = "compare-folder"
BACKUP_FILTER = "natsobj backups (*.natsobj-backup);;All files (*)"
PROGRESS_INTERVAL = 0.2  # status-bar progress at most five times a second


class BucketOps:
    """The Bucket menu's handlers for the window's current bucket."""

    def __init__(
        self,
        *,
        session: Session,
        nav: Navigator,
        work: Work,
        status: ShowStatus,
        parent: QWidget,
        queue: TransferQueue,
    ) -> None:
        self.session = session  # which connection and bucket, read only
        self.nav = nav  # reload the bucket list, open a location
        self.work = work
        self.status = status
        self.parent = parent  # of the dialogs
        self.queue = queue  # compare's uploads and downloads
        # The last orphan scan of each bucket this session, with the connection it used:
        # the status dialog shows its orphaned bytes.
        self.orphan_scans: dict[str, tuple[Client, orphans.OrphanReport]] = {}
        self.orphans_dialog: OrphansDialog | None = None
        self.orphan_grace = orphans.DEFAULT_GRACE  # newer chunk sets may be uploads in progress
        self.file_dialog: QFileDialog | None = None
        self.compare_dialog: CompareDialog | None = None
        self.delete_dialog: DeleteObjectsDialog | None = None  # compare's Delete extras

    def _bucket(self) -> str:
        return self.session.bucket if self.session.client is not None else ""

    async def _status(self, bucket: str) -> BucketInfo:
        assert self.session.client is not None
        info = await self.session.client.buckets.status(bucket)
        self.nav.update_bucket_info(info)
        return info

    def new_bucket(self) -> None:
        """Ask for a configuration, create the bucket and open it."""
        if self.session.client is None:
            return
        from natsobj_gui.dialogs.bucket_dialog import BucketDialog

        dlg = BucketDialog(self.parent)
        open_dialog(dlg, lambda: self._create(dlg.config()))

    def _create(self, cfg: BucketConfig) -> None:
        async def create() -> None:
            assert self.session.client is not None
            await self.session.client.buckets.create(cfg)
            await self.nav.load_buckets()
            self.nav.open_location(cfg.name, "")
            self.status(f"Created bucket {cfg.name}", 5000)

        self.work.run_reported(create(), error_title=f"Could not create bucket {cfg.name}")

    def show_status(self) -> None:
        """Fetch the bucket's current status and show it."""
        bucket = self._bucket()
        if not bucket:
            return
        from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog

        def show(info: BucketInfo) -> None:
            index = self.session.index
            listed = index is not None and index.bucket == bucket and index.initial_done
            objects = len(index) if listed and index is not None else None
            orphans = self.last_orphan_scan(bucket)
            open_dialog(BucketStatusDialog(info, self.parent, orphans=orphans, objects=objects))

        job = self.work.run_reported(self._status(bucket), error_title=f"Status of {bucket}")
        job.succeeded.connect(show)

    def last_orphan_scan(self, bucket: str) -> orphans.OrphanReport | None:
        """This session's last orphan scan of `bucket` on the current connection, if any."""
        client, report = self.orphan_scans.get(bucket, (None, None))
        return report if client is not None and client is self.session.client else None

    def find_orphans(self) -> None:
        """Scan the current bucket for orphaned chunks; the dialog can clean them."""
        bucket, client = self._bucket(), self.session.client
        if not bucket or client is None:
            return
        from natsobj_gui.dialogs.orphans_dialog import OrphansDialog

        dlg = OrphansDialog(bucket, self.parent, writable=self.session.is_writable(bucket))
        self.orphans_dialog = dlg

        def scanned(report: orphans.OrphanReport) -> None:
            self.orphan_scans[bucket] = (client, report)
            if is_alive(dlg):
                dlg.set_report(report)

        def failed(message: str) -> None:
            if is_alive(dlg):
                dlg.set_error(f"The scan failed: {message}")

        def scan() -> None:
            dlg.set_scanning()
            scanning = orphans.scan(client.conn, bucket, grace=self.orphan_grace)
            job = self.work.run(scanning, key=ORPHAN_SCAN_JOB)
            job.succeeded.connect(scanned)
            job.failed.connect(failed)

        def clean(report: orphans.OrphanReport) -> None:
            # Not cancelled with the dialog: the user confirmed, and each purge is whole.
            job = self.work.run_reported(
                orphans.clean(client.conn, report), error_title=f"Cleaning {bucket} failed"
            )
            job.succeeded.connect(cleaned)
            job.failed.connect(failed_clean)

        def cleaned(result: orphans.CleanResult) -> None:
            self.status(f"Freed {result.size:,} bytes of orphaned chunks in {bucket}", 5000)
            if is_alive(dlg):
                dlg.set_cleaned(result)
                scan()

        def failed_clean(message: str) -> None:
            if is_alive(dlg):
                dlg.set_error(f"Cleaning failed: {message}")

        dlg.rescan_requested.connect(scan)
        dlg.clean_requested.connect(clean)
        # A closed dialog needs no scan: stop it rather than keep reading the bucket.
        dlg.finished.connect(lambda _code: self.work.cancel(ORPHAN_SCAN_JOB))
        open_dialog(dlg)
        scan()

    def edit_bucket(self) -> None:
        """Edit description, TTL, limits and metadata of the current bucket."""
        bucket = self._bucket()
        if not bucket:
            return
        from natsobj_gui.dialogs.bucket_dialog import BucketDialog

        def edit(info: BucketInfo) -> None:
            dlg = BucketDialog(self.parent, existing=info)
            open_dialog(dlg, lambda: self._update(dlg.config()))

        job = self.work.run_reported(self._status(bucket), error_title=f"Status of {bucket}")
        job.succeeded.connect(edit)

    def _update(self, cfg: BucketConfig) -> None:
        async def update() -> None:
            assert self.session.client is not None
            await self.session.client.buckets.update(cfg)
            await self._status(cfg.name)
            self.status(f"Updated bucket {cfg.name}", 5000)

        self.work.run_reported(update(), error_title=f"Could not update bucket {cfg.name}")

    def seal_bucket(self) -> None:
        """Confirm, then make the bucket read-only for ever."""
        bucket = self._bucket()
        if not bucket:
            return
        from natsobj_gui.dialogs.seal_dialog import SealDialog

        async def seal() -> None:
            assert self.session.client is not None
            await self.session.client.buckets.seal(bucket)
            await self._status(bucket)
            self.status(f"Sealed bucket {bucket}", 5000)

        open_dialog(
            SealDialog(bucket, self.parent),
            lambda: self.work.run_reported(seal(), error_title=f"Could not seal {bucket}"),
        )

    def delete_bucket(self) -> None:
        """Confirm (typing the name), then delete the bucket and everything in it."""
        bucket = self._bucket()
        info = self.session.buckets.get(bucket)
        if not bucket or info is None:
            return
        from natsobj_gui.dialogs.delete_dialog import DeleteBucketDialog

        count = (
            len(self.session.index)
            if self.session.index is not None and self.session.bucket == bucket
            else None
        )

        async def delete() -> None:
            assert self.session.client is not None
            if self.session.bucket == bucket:
                await self.nav.close_bucket()
            await self.session.client.buckets.delete(bucket)
            await self.nav.load_buckets()
            self.status(f"Deleted bucket {bucket}", 5000)

        dlg = DeleteBucketDialog(info, parent=self.parent, object_count=count)
        open_dialog(
            dlg, lambda: self.work.run_reported(delete(), error_title=f"Could not delete {bucket}")
        )

    def _progress(self, verb: str, bucket: str) -> Callable[[Progress], None]:
        """A progress callback that shows bytes done in the status bar, throttled."""
        last = [0.0]

        def show(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.status(f"{verb} {bucket}: {human_size(p.bytes_done)}…")

        return show

    def backup_bucket(self) -> None:
        """Choose a file, then write the whole bucket (every version and tombstone) to it."""
        bucket, client = self._bucket(), self.session.client
        if not bucket or client is None:
            return
        dlg = QFileDialog(self.parent, f"Back up bucket {bucket}", f"{bucket}.natsobj-backup")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setNameFilter(BACKUP_FILTER)
        dlg.fileSelected.connect(lambda path: self.backup_to(bucket, Path(path)))
        self.file_dialog = dlg
        dlg.open()

    def backup_to(self, bucket: str, dest: Path) -> None:
        """Back up `bucket` into `dest` as a job (the file dialog already asked to replace)."""
        client = self.session.client
        if client is None:
            return

        async def run() -> backup.BackupResult:
            progress = self._progress("Backing up", bucket)
            return await backup.backup(client.conn, bucket, dest, overwrite=True, progress=progress)

        def done(result: backup.BackupResult) -> None:
            self.status(f"Backed up {bucket} to {dest} ({human_size(result.size)})", 10000)

        job = self.work.run_reported(
            run(), key=BACKUP_JOB, error_title=f"Could not back up {bucket}"
        )
        job.succeeded.connect(done)

    def restore_bucket(self) -> None:
        """Choose a backup file, then recreate its bucket (never over an existing one)."""
        if self.session.client is None:
            return
        dlg = QFileDialog(self.parent, "Restore bucket from backup")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.setNameFilter(BACKUP_FILTER)
        dlg.fileSelected.connect(lambda path: self.restore_from(Path(path)))
        self.file_dialog = dlg
        dlg.open()

    def restore_from(self, path: Path) -> None:
        """Check the file, restore its bucket as a job, then open the bucket."""
        client = self.session.client
        if client is None:
            return

        async def run() -> None:
            header = await backup.verify(path)
            progress = self._progress("Restoring", header.bucket)
            info = await backup.restore(client.conn, path, progress=progress)
            await self.nav.load_buckets()
            self.nav.open_location(info.name, "")
            self.status(f"Restored bucket {info.name} from {path.name}", 10000)

        self.work.run_reported(run(), key=BACKUP_JOB, error_title=f"Could not restore {path.name}")

    def compare_folder(self) -> None:
        """Compare the open bucket folder with a local folder; transfer or delete the changes."""
        bucket, client = self._bucket(), self.session.client
        if not bucket or client is None:
            return
        from natsobj_gui.dialogs.compare_dialog import CompareDialog

        prefix = self.session.prefix.strip("/")
        store = client.store(bucket)
        dlg = CompareDialog(bucket, prefix, self.parent)
        self.compare_dialog = dlg

        def compare(folder: str) -> None:
            dlg.set_busy(f"Comparing with {folder}…")
            planning = plan_sync(store, folder, prefix, Direction.UPLOAD, delete=True)
            job = self.work.run(planning, key=COMPARE_JOB)
            job.succeeded.connect(lambda plan: is_alive(dlg) and dlg.set_plan(plan))
            job.failed.connect(lambda msg: is_alive(dlg) and dlg.set_error(f"Failed: {msg}"))

        def upload() -> None:
            plan = dlg.plan()
            if plan is None:
                return
            queue = self.queue
            items = plan.of(Action.UPLOAD)
            for item in items:
                assert item.local is not None
                queue.upload(bucket, item.local, plan.object_name(item.rel), size=item.size)
            self.status(f"Uploading {len(items):,} changed files to {bucket}", 5000)

        async def download(plan: SyncPlan) -> None:
            # Names are mapped (and unsafe ones skipped) by a plan for this direction.
            down = await plan_sync(store, plan.root, prefix, Direction.DOWNLOAD)
            queue = self.queue
            for item in down.of(Action.DOWNLOAD):
                assert item.info is not None
                dest = plan.root.joinpath(*item.rel.split("/"))
                queue.download(bucket, item.info.name, dest, size=item.size)
            skipped = down.count(Action.SKIP)
            note = f"; {skipped:,} skipped (see Compare)" if skipped else ""
            self.status(f"Downloading {down.count(Action.DOWNLOAD):,} objects{note}", 5000)

        def start_download() -> None:
            plan = dlg.plan()
            if plan is not None:
                self.work.run_reported(download(plan), error_title="Could not download the changes")

        def ask_delete_extras() -> None:
            plan = dlg.plan()
            extras = plan.of(Action.DELETE) if plan is not None else []
            if not extras:
                return
            from natsobj_gui.dialogs.delete_dialog import DeleteObjectsDialog

            infos = extras_infos(extras)
            confirm = DeleteObjectsDialog(infos, dlg, stay_open=True)
            confirm.setWindowTitle("Delete extras")
            size = human_size(confirm.total_size())
            confirm.question_label.setText(
                f"Delete {count_text(len(infos), 'object')} ({size}) from {bucket} that the"
                " folder does not have?\nOnly the versions compared are deleted; this cannot be"
                " undone."
            )
            confirm.delete_requested.connect(lambda: delete(confirm, extras, infos, plan))
            self.delete_dialog = confirm
            open_dialog(confirm)

        def delete(
            confirm: DeleteObjectsDialog,
            extras: list[SyncItem],
            infos: list[ObjectInfo],
            plan: SyncPlan,
        ) -> None:
            results = DeleteResults(infos)  # ours: still readable after a Stop

            async def run(progress: ProgressCallback) -> ExtrasResult:
                return await delete_extras(
                    client.conn, bucket, extras, progress=progress, results=results
                )

            def finished(job: Job) -> None:
                if job.state == "ok":
                    text = job.result.summary(bucket)
                elif job.state == "cancelled":
                    done = results.progress().summary("extra", since=" since the compare")
                    text = f"{done}. The compare below shows what is left."
                else:
                    return  # reported by the job
                self.status(text, 10000)
                if is_alive(dlg):
                    dlg.set_outcome(text)
                    compare(str(plan.root))  # what is left, as it is now

            def start(coro: Coroutine[Any, Any, ExtrasResult]) -> Job:
                return self.work.run_reported(coro, error_title=f"Could not delete from {bucket}")

            run_in_dialog(confirm, run, start, parent=self.parent, finished=finished)

        dlg.compare_requested.connect(compare)
        dlg.upload_requested.connect(upload)
        dlg.download_requested.connect(start_download)
        dlg.delete_requested.connect(ask_delete_extras)
        dlg.finished.connect(lambda _code: self.work.cancel(COMPARE_JOB))
        open_dialog(dlg)
