"""Uploads (drops, pickers, overwrite policy) and downloads, all through the TransferQueue."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from natsobj_gui.core.client import Client
from natsobj_gui.core.index import ROOT, split_name
from natsobj_gui.core.queue_file import default_queue_path, load_queue, save_queue
from natsobj_gui.core.sentences import describe_error
from natsobj_gui.core.transfers import Transfer, TransferQueue, TransferState, safe_local_path
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.core.uploads import PlannedUpload, numbered_name, plan_uploads
from natsobj_gui.dialogs.messages import open_dialog
from natsobj_gui.formatting import count_text
from natsobj_gui.qt_compat import is_alive
from natsobj_gui.views.transfer_outcomes import TransferOutcomes

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from natsobj_gui.views.ops_host import Selection, Session, Work
    from natsobj_gui.views.outage import ErrorReporter

POLICY_KEY = "upload/overwrite"
POLICIES = ("ask", "overwrite", "skip")
DOWNLOAD_DIR_KEY = "download/folder"
SAVE_DELAY_MS = 500  # the saved queue follows state changes, a folder's worth at once


def upload_batches(
    paths: list[Path], plan: list[PlannedUpload]
) -> list[tuple[str | None, list[PlannedUpload]]]:
    """The plan split by dropped folder (labelled "name/"), loose files last, unlabelled."""
    folders = [p for p in paths if p.is_dir()]
    batches: dict[Path | None, list[PlannedUpload]] = {}
    for item in plan:
        home = next((f for f in folders if f in item.path.parents), None)
        batches.setdefault(home, []).append(item)
    out: list[tuple[str | None, list[PlannedUpload]]] = [
        (f"{f.name}/", batch) for f, batch in batches.items() if f is not None and len(batch) > 1
    ]
    loose = batches.get(None, []) + [
        item for f, batch in batches.items() if f is not None and len(batch) == 1 for item in batch
    ]
    if loose:
        out.append((None, loose))
    return out


def download_batches(
    items: list[tuple[ObjectInfo, str]],
) -> list[tuple[str | None, list[tuple[ObjectInfo, str]]]]:
    """Downloads split by their first folder ("name/", one row each), loose objects last."""
    batches: dict[str | None, list[tuple[ObjectInfo, str]]] = {}
    for info, rel in items:
        head, sep, _ = rel.partition("/")
        batches.setdefault(head + "/" if sep else None, []).append((info, rel))
    out = [(k, b) for k, b in batches.items() if k is not None and len(b) > 1]
    loose = [pair for k, b in batches.items() if k is None or len(b) == 1 for pair in b]
    if loose:
        out.append((None, loose))
    return out


class TransferOps:
    """Turns user requests into queued transfers; owns the window's TransferQueue."""

    def __init__(
        self,
        *,
        session: Session,
        selection: Selection,
        work: Work,
        errors: ErrorReporter,
        settings: QSettings,
        parent: QWidget,
        refresh_status: Callable[[str], None],
    ) -> None:
        self.session = session  # which connection, bucket and folder; read only
        self.selection = selection  # what Download takes
        self.work = work
        self.errors = errors  # status line, error boxes, the outage banner
        self.settings = settings
        self.parent = parent  # of the dialogs and timers
        # A folder's transfers as one row of the panel; the panel sets it once it exists.
        self.grouping: Callable[[str], contextlib.AbstractContextManager[None]] | None = None
        # The queue needs a client only when a transfer starts; set_client provides it.
        self.queue = TransferQueue(None, limit=3)  # type: ignore[arg-type]
        self.queue.subscribe(
            on_change=self._changed, on_added=self._changed, on_removed=self._removed
        )
        # What the user is told when transfers end; retries after a reconnect.
        self.outcomes = TransferOutcomes(
            self.queue,
            session=session,
            errors=errors,
            settings=settings,
            parent=parent,
            refresh_status=refresh_status,
        )
        # The unfinished transfers of the last session come back paused; the file follows
        # the queue (coalesced) until the window closes.
        self.queue_path = default_queue_path()
        self._keep_queue = True
        self._save_later = QTimer(parent)
        self._save_later.setSingleShot(True)
        self._save_later.setInterval(SAVE_DELAY_MS)
        self._save_later.timeout.connect(self.save_queue)
        # The last state seen of each transfer still in the queue (cleared ones are dropped).
        self._states: dict[int, TransferState] = {}
        for t in load_queue(self.queue_path):
            self.queue.restore(t)

    # -- lifecycle --------------------------------------------------------------------------
    async def set_client(self, client: Client | None) -> None:
        """Stop the old connection's transfers (they clean up on it), then use the new one."""
        await self.queue.close()
        self.queue.client = client  # type: ignore[assignment]

    def cancel_all(self) -> None:
        """On close: keep the unfinished transfers for the next session, then cancel them."""
        self.save_queue()
        self._keep_queue = False  # the cancels that follow are no user's decision
        self.queue.cancel_all()

    def save_queue(self) -> None:
        """Write the unfinished transfers where the next session finds them."""
        self._save_later.stop()
        if not self._keep_queue:
            return
        try:
            save_queue(self.queue_path, self.queue.transfers())
        except OSError as exc:
            self.errors.show_status(
                f"The transfer list could not be saved: {describe_error(exc)}", 0
            )

    async def shutdown(self) -> None:
        """Cancel every transfer and wait for the cleanups (partial uploads purged)."""
        await self.queue.close()

    # -- settings ---------------------------------------------------------------------------
    def overwrite_policy(self) -> str:
        """'ask', 'overwrite' or 'skip' for uploads whose name already exists."""
        value = self.settings.value(POLICY_KEY, "ask")
        return value if value in POLICIES else "ask"

    def set_overwrite_policy(self, policy: str) -> None:
        if policy in POLICIES:
            self.settings.setValue(POLICY_KEY, policy)

    # -- uploads ----------------------------------------------------------------------------
    def upload_files_dialog(self) -> None:
        """Ctrl+U: pick files (the upload dialog also takes folders and a prefix)."""
        self._upload_dialog(folder=False)

    def upload_folder_dialog(self) -> None:
        """Pick a folder; its tree is kept under the current folder."""
        self._upload_dialog(folder=True)

    def _upload_dialog(self, folder: bool) -> None:
        bucket = self.session.bucket
        if not bucket or not self.session.is_writable(bucket):
            return
        from natsobj_gui.dialogs.upload_dialog import UploadDialog

        dlg = UploadDialog(bucket, self.parent, prefix=self.session.prefix)
        open_dialog(dlg, lambda: self.upload_paths(dlg.sources(), bucket, dlg.prefix()))
        # Straight to the picker: the dialog then shows what was chosen and the names.
        dlg.choose_folder() if folder else dlg.choose_files()

    def upload_paths(self, paths: list[Path], bucket: str, prefix: str = ROOT) -> None:
        """Upload dropped or chosen files and folders into `bucket` under `prefix`."""
        if self.session.client is None or not bucket:
            return
        if not self.session.is_writable(bucket):
            self.errors.report("Upload refused", f"bucket {bucket!r} is sealed")
            return
        self.work.run_reported(
            self._upload(list(paths), bucket, prefix), error_title="Upload failed"
        )

    async def _existing(self, bucket: str) -> dict[str, ObjectInfo]:
        index = self.session.index
        if index is not None and index.bucket == bucket and index.initial_done:
            return {i.name: i for i in index.objects()}
        assert self.session.client is not None
        return {i.name: i for i in await self.session.client.store(bucket).list()}

    async def _upload(self, paths: list[Path], bucket: str, prefix: str) -> list[Transfer]:
        # Walking a big folder tree must not freeze the window.
        plan = await asyncio.to_thread(plan_uploads, paths, prefix)
        if not plan:
            self.errors.show_status("Nothing to upload (only empty folders?)", 5000)
            return []
        existing = await self._existing(bucket)
        chosen: list[PlannedUpload] = []
        policy = self.overwrite_policy()
        total = sum(1 for item in plan if item.name in existing)
        seen = 0
        for item in plan:
            old = existing.get(item.name)
            if old is not None:
                seen += 1
                decision = policy
                if decision == "ask":
                    decision, for_all = await self._ask(item, old, total - seen, total)
                    if for_all and decision != "cancel":
                        policy = decision  # for the rest of this upload only
                if decision == "cancel":
                    self.errors.show_status("Upload cancelled", 5000)
                    return []
                if decision == "skip":
                    continue
                if decision == "keep":
                    taken = set(existing) | {c.name for c in chosen} | {p.name for p in plan}
                    item = replace(item, name=numbered_name(item.name, taken))
            chosen.append(item)
        skipped = len(plan) - len(chosen)
        transfers = []
        for label, batch in upload_batches(paths, chosen):
            with self._grouped(label):
                transfers += self.queue.upload_planned(bucket, batch)
        note = f", {skipped} skipped" if skipped else ""
        self.errors.show_status(
            f"Uploading {count_text(len(chosen), 'file')} to {bucket}{note}", 5000
        )
        return transfers

    async def _ask(
        self, item: PlannedUpload, old: ObjectInfo, remaining: int, total: int
    ) -> tuple[str, bool]:
        """Ask with the overwrite dialog (open() + finished; no exec() in a coroutine)."""
        from natsobj_gui.dialogs.overwrite_dialog import OverwriteChoice, OverwriteDialog

        try:
            mtime = datetime.fromtimestamp(item.path.stat().st_mtime, UTC)
        except OSError:
            mtime = None  # gone since it was planned: the upload itself will say so
        dlg = OverwriteDialog(
            item.name,
            old,
            item.size,
            parent=self.parent,
            remaining=remaining,
            total=total,
            new_modified=mtime,
        )
        self.overwrite_dialog = dlg  # tests answer it
        answer: asyncio.Future[tuple[str, bool]] = asyncio.get_running_loop().create_future()

        def done(_code: int) -> None:
            choice = dlg.choice()
            decision = {
                OverwriteChoice.REPLACE: "overwrite",
                OverwriteChoice.KEEP_BOTH: "keep",
                OverwriteChoice.SKIP: "skip",
            }.get(choice, "cancel")
            if not answer.done():
                answer.set_result((decision, dlg.apply_to_all()))

        dlg.finished.connect(done)
        open_dialog(dlg)
        try:
            return await answer
        finally:
            if is_alive(dlg) and dlg.isVisible():
                dlg.reject()  # the upload job was cancelled while asking

    # -- downloads --------------------------------------------------------------------------
    def _selected_for_download(self) -> list[tuple[ObjectInfo, str]]:
        """Selected objects, and every object in selected folders, with a relative path."""
        base = self.session.prefix
        out = [(i, i.name[len(base) :] or i.name) for i in self.selection.selected_infos()]
        index = self.session.index
        if index is not None:
            below = index.objects_under(self.selection.selected_folders())
            out += [(i, i.name[len(base) :]) for i in below]
        # Bucket links have no content.
        return [(i, rel) for i, rel in out if not (i.link and i.link.is_bucket_link)]

    def download_selected_dialog(self) -> None:
        """Choose a folder, then download the selection into it (folders keep their tree)."""
        items = self._selected_for_download()
        if not items:
            return
        dlg = QFileDialog(self.parent, "Download to folder", self._last_dir())
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dlg.fileSelected.connect(lambda folder: self.download(items, Path(folder)))
        self.file_dialog = dlg
        dlg.open()

    def save_as_dialog(self) -> None:
        """Save one object under a chosen file name."""
        items = self._selected_for_download()
        if len(items) != 1:
            return
        info = items[0][0]
        leaf = safe_local_path(Path(self._last_dir()), split_name(info.name)[1])
        dlg = QFileDialog(self.parent, f"Save {info.name} as", str(leaf))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.fileSelected.connect(lambda path: self.download_as(info, Path(path)))
        self.file_dialog = dlg
        dlg.open()

    def _last_dir(self) -> str:
        value = self.settings.value(DOWNLOAD_DIR_KEY, "")
        if isinstance(value, str) and value and os.path.isdir(value):
            return value
        downloads = Path.home() / "Downloads"
        return str(downloads if downloads.is_dir() else Path.home())

    def download(self, items: list[tuple[ObjectInfo, str]], folder: Path) -> list[Transfer]:
        """Queue downloads into `folder` at paths made safe from the names."""
        self.settings.setValue(DOWNLOAD_DIR_KEY, str(folder))
        out = []
        for label, batch in download_batches(items):
            with self._grouped(label):
                out += [
                    self.queue.download(
                        info.bucket, info.name, safe_local_path(folder, rel), size=info.size
                    )
                    for info, rel in batch
                ]
        self.errors.show_status(f"Downloading {count_text(len(out), 'object')} to {folder}", 5000)
        return out

    def download_as(self, info: ObjectInfo, dest: Path) -> Transfer:
        """Queue one download to an exact file path (Save As)."""
        self.settings.setValue(DOWNLOAD_DIR_KEY, str(dest.parent))
        return self.queue.download(info.bucket, info.name, dest, size=info.size)

    def _grouped(self, label: str | None) -> contextlib.AbstractContextManager[None]:
        """A folder's transfers become one row of the panel (loose files stay rows)."""
        if label is None or self.grouping is None:
            return contextlib.nullcontext()
        return self.grouping(label)

    # -- the saved queue follows -------------------------------------------------------------
    def _changed(self, t: Transfer) -> None:
        if self._states.get(t.id) is not t.state:  # a new state, not just progress
            self._states[t.id] = t.state
            if self._keep_queue and not self._save_later.isActive():
                self._save_later.start()

    def _removed(self, gone: list[Transfer]) -> None:
        for t in gone:  # cleared from the panel: no state of theirs can change again
            self._states.pop(t.id, None)
