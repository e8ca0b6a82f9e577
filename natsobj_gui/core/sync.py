"""Carry out a sync plan: several objects in flight through the core's put and get (no Qt).

Every transfer is the store's own: an upload that fails or is cancelled rolls its chunks
back and leaves the old version; a download goes through a verified temporary file. So a
cancelled sync leaves each name either as it was or completely synced.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from . import errors as E
from . import wire
from .bulk import BulkProgress, DeleteResults
from .download import SavedBeforeCancel
from .formatting import count_text, human_size
from .hash_cache import HashCache
from .put_many import DEFAULT_CONCURRENCY, PutItem, PutOutcome, put_many
from .sentences import describe_error
from .store import ObjectStore
from .sync_delete import ExtrasResult, delete_extras, extras_infos, extras_result
from .sync_plan import Action, Direction, SyncItem, SyncPlan, plan_sync, split_remote
from .types import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectMeta, Progress
from .workers import run_workers

SyncProgress = Callable[[Progress], None]  # chunks_* count files here

__all__ = [
    "Action",
    "Direction",
    "SyncItem",
    "SyncPlan",
    "SyncRecord",
    "SyncResult",
    "describe_plan",
    "describe_stop",
    "plan_sync",
    "run_sync",
    "split_remote",
]


@dataclass(frozen=True)
class SyncResult:
    """What a sync did, and whether the destination now matches the source."""

    plan: SyncPlan
    done: tuple[SyncItem, ...] = ()
    failed: tuple[tuple[SyncItem, str], ...] = ()
    kept: tuple[tuple[SyncItem, str], ...] = ()  # extras another client changed since the plan
    gone: tuple[SyncItem, ...] = ()  # extras another client deleted since the plan

    @property
    def skipped(self) -> list[SyncItem]:
        return self.plan.of(Action.SKIP)

    @property
    def matches(self) -> bool:
        """Every source file is on the destination (and nothing else, with --delete)."""
        return not self.failed and not self.skipped and not self.kept

    def count(self, action: Action) -> int:
        return sum(1 for i in self.done if i.action is action)

    def size(self, action: Action) -> int:
        return sum(i.size for i in self.done if i.action is action)


class SyncRecord:
    """What a run of a plan has done so far: after a cancel, what was done before the stop."""

    def __init__(self, plan: SyncPlan) -> None:
        self.plan = plan
        self.done: list[SyncItem] = []
        self.failed: list[tuple[SyncItem, str]] = []
        self.extras = ExtrasResult()

    def result(self) -> SyncResult:
        extras = self.extras
        return SyncResult(self.plan, tuple(self.done), tuple(self.failed), extras.kept, extras.gone)


class _Tracker:
    """Sums the in-flight transfers' progress into one report."""

    def __init__(self, plan: SyncPlan, report: SyncProgress | None) -> None:
        todo = plan.todo
        self.total_files = len(todo)
        self.total_bytes = sum(i.size for i in todo if i.transfers)
        self.files = self.finished_bytes = 0
        self.moving: dict[str, int] = {}
        self.report = report

    def _emit(self) -> None:
        if self.report is not None:
            done = self.finished_bytes + sum(self.moving.values())
            self.report(Progress(self.files, self.total_files, done, self.total_bytes))

    def callback(self, item: SyncItem) -> Callable[[Progress], None] | None:
        if self.report is None:
            return None  # nobody to tell: the transfer need not report each chunk

        def on_progress(p: Progress) -> None:
            self.moving[item.rel] = p.bytes_done
            self._emit()

        return on_progress

    def deleting(self, base: int) -> Callable[[BulkProgress], None] | None:
        """A bulk delete's progress, counted in files after the `base` already finished."""
        if self.report is None:
            return None

        def on_progress(p: BulkProgress) -> None:
            self.files = base + p.done
            self._emit()

        return on_progress

    def finished(self, item: SyncItem) -> None:
        self.moving.pop(item.rel, None)
        self.files += 1
        if item.transfers:
            self.finished_bytes += item.size
        self._emit()


def _local_path(plan: SyncPlan, item: SyncItem) -> str:
    return item.local or str(plan.root.joinpath(*item.rel.split("/")))


class _Run:
    """One run of a plan: its record (done, failed) and the progress of it all."""

    def __init__(
        self, record: SyncRecord, report: SyncProgress | None, cache: HashCache | None
    ) -> None:
        plan = self.plan = record.plan
        self.record = record
        self.tracker = _Tracker(plan, report)
        self.cache = cache
        # The cache's keys: the same whatever path named the folder.
        base = str(plan.root.resolve())
        self.base = base if base.endswith(os.sep) else base + os.sep

    def finished(self, item: SyncItem, error: Exception | None) -> None:
        if error is None:
            self.record.done.append(item)
        else:
            self.record.failed.append((item, describe_error(error)))
        self.tracker.finished(item)

    def uploaded(self, item: SyncItem, info: ObjectInfo) -> None:
        """Keep the digest the upload computed: the next sync need not read the file."""
        sha = wire.digest_bytes(info.digest)
        if self.cache is None or sha is None or item.mtime_ns is None or info.size != item.size:
            return
        # Keyed by the file as scanned: a change since then (before or during the upload)
        # gives it another mtime, so this entry is never taken for different content.
        rel = item.rel if os.sep == "/" else item.rel.replace("/", os.sep)
        self.cache.remember(self.base + rel, item.size, item.mtime_ns, sha)


async def _current_metas(
    store: ObjectStore, run: _Run, items: list[SyncItem], concurrency: int
) -> dict[str, ObjectMeta]:
    """Each upload's meta: a replaced object keeps what it says about itself, as of now."""
    metas = {run.plan.object_name(i.rel): ObjectMeta(run.plan.object_name(i.rel)) for i in items}
    replacing = [i for i in items if i.info is not None]
    if not replacing:  # a first sync: nothing to look up
        return metas
    replaced = iter(replacing)

    async def worker() -> None:
        for item in replaced:
            name = run.plan.object_name(item.rel)
            try:
                old = await store.info(name)
            except E.ObjectNotFoundError:
                continue  # deleted meanwhile: a new object
            except E.ObjectStoreError as exc:
                del metas[name]
                run.finished(item, exc)
                continue
            metas[name] = ObjectMeta(name, old.description, old.headers, old.metadata)

    await run_workers(worker() for _ in range(min(max(1, concurrency), len(replacing))))
    return metas


def _chunk_progress(tracker: _Tracker, item: SyncItem) -> Callable[[Progress], None] | None:
    # A file of one chunk is done when that chunk is: its end reports it, at less cost.
    return tracker.callback(item) if item.size > DEFAULT_CHUNK_SIZE else None


async def _upload_all(
    store: ObjectStore, run: _Run, items: list[SyncItem], concurrency: int
) -> None:
    """The uploads, through put_many as `natsobj put DIR` (so at least as fast)."""
    metas = await _current_metas(store, run, items, concurrency)
    by_name = {run.plan.object_name(i.rel): i for i in items}
    puts = [
        PutItem(metas[name], _local_path(run.plan, item))
        for name, item in by_name.items()
        if name in metas
    ]

    def on_done(outcome: PutOutcome) -> None:
        item = by_name[outcome.item.meta.name]
        if outcome.info is not None:
            run.uploaded(item, outcome.info)
        run.finished(item, outcome.error)

    await put_many(
        store,
        puts,
        concurrency=concurrency,
        progress=lambda put: _chunk_progress(run.tracker, by_name[put.meta.name]),
        on_done=on_done,
    )


async def _download(store: ObjectStore, plan: SyncPlan, item: SyncItem, cb) -> None:
    assert item.info is not None
    dest = plan.root.joinpath(*item.rel.split("/"))
    if dest.is_dir():
        raise E.ObjectStoreError(f"a folder is in the way of {item.rel}")
    root, parent = plan.root.resolve(), dest.parent.resolve()
    if parent != root and root not in parent.parents:
        # A symbolic link inside the folder would take the file somewhere else.
        raise E.ObjectStoreError(f"a symbolic link leads {item.rel} out of the folder")
    await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
    await store.get_file(item.info.name, dest, progress=cb)


async def _delete_extras(store: ObjectStore, run: _Run, items: list[SyncItem]) -> None:
    """The bucket's extras, pipelined: each only in the revision the plan listed."""
    progress = run.tracker.deleting(run.tracker.files)
    results = DeleteResults(extras_infos(items))
    try:
        await delete_extras(store.conn, store.bucket, items, progress=progress, results=results)
    finally:
        # After a stop too: what became of the extras finished before it.
        extras = run.record.extras = extras_result(items, results)
        run.record.done.extend(extras.deleted)
        run.record.failed.extend(extras.failed)


def _delete(plan: SyncPlan, item: SyncItem) -> None:
    """A local file the bucket does not have."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_local_path(plan, item))


async def _each(store: ObjectStore, run: _Run, items: list[SyncItem], concurrency: int) -> None:
    """Downloads or deletions, `concurrency` at a time; each failure is collected."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:
            try:
                if item.action is Action.DOWNLOAD:
                    await _download(store, run.plan, item, run.tracker.callback(item))
                else:
                    _delete(run.plan, item)
            except (E.ObjectStoreError, OSError) as exc:
                run.finished(item, exc)
            except SavedBeforeCancel:
                run.finished(item, None)  # the file is in place: count it, then stop
                raise
            else:
                run.finished(item, None)

    await run_workers(worker() for _ in range(max(1, concurrency)))


async def run_sync(
    store: ObjectStore,
    plan: SyncPlan,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: SyncProgress | None = None,
    cache: HashCache | None = None,
    record: SyncRecord | None = None,
) -> SyncResult:
    """Transfer, then delete, what the plan says; failures are collected, not raised.

    Cancelling stops every transfer through its own rollback before CancelledError leaves
    (an upload whose chunks are all stored still publishes its info first): a caller that
    passed `record` (a new `SyncRecord(plan)`) reads there what was done before the stop.
    """
    if record is None:
        record = SyncRecord(plan)
    elif record.plan is not plan or record.done or record.failed:
        raise ValueError("record must be a new SyncRecord of the same plan")
    run = _Run(record, progress, cache)
    try:
        uploads = plan.of(Action.UPLOAD)
        if uploads:
            await _upload_all(store, run, uploads, concurrency)
        downloads, deletes = plan.of(Action.DOWNLOAD), plan.of(Action.DELETE)
        if downloads:
            await _each(store, run, downloads, concurrency)
        if deletes and plan.direction is Direction.UPLOAD:
            await _delete_extras(store, run, deletes)
        elif deletes:
            await _each(store, run, deletes, concurrency)
    finally:
        if cache is not None:
            # What the finished uploads learnt, in one transaction (a cancel keeps it too).
            await asyncio.to_thread(cache.flush)
    return record.result()


def describe_plan(plan: SyncPlan) -> str:
    """One line: counts and bytes of each action."""
    verb = "upload" if plan.direction is Direction.UPLOAD else "download"
    move = Action.UPLOAD if plan.direction is Direction.UPLOAD else Action.DOWNLOAD
    parts = [
        f"{plan.count(move):,} to {verb} ({human_size(plan.size(move))})",
        f"{plan.count(Action.DELETE):,} to delete ({human_size(plan.size(Action.DELETE))})",
        f"{plan.count(Action.SAME):,} the same ({human_size(plan.size(Action.SAME))})",
    ]
    if plan.count(Action.EXTRA):
        parts.append(f"{plan.count(Action.EXTRA):,} only on the destination (kept)")
    if plan.count(Action.SKIP):
        parts.append(f"{plan.count(Action.SKIP):,} skipped")
    return ", ".join(parts)


def describe_stop(result: SyncResult) -> str:
    """What a stopped sync did, in true counts; each other name is as it was."""
    plan = result.plan
    up = plan.direction is Direction.UPLOAD
    move = Action.UPLOAD if up else Action.DOWNLOAD
    deletes = plan.count(Action.DELETE)
    parts = []
    if plan.count(move) or not deletes:
        moved = f"{result.count(move):,} of {count_text(plan.count(move), 'file')}"
        verb = "uploaded" if up else "downloaded"
        parts.append(f"{verb} {moved} ({human_size(result.size(move))})")
    if deletes:
        noun = "object" if up else "file"
        parts.append(f"deleted {result.count(Action.DELETE):,} of {count_text(deletes, noun)}")
    others = (
        (len(result.kept), "kept (changed by another client since the compare)"),
        (len(result.gone), "already deleted by another client"),
        (len(result.failed), "failed"),
    )
    parts += [f"{n:,} {what}" for n, what in others if n]
    finished = len(result.done) + len(result.failed) + len(result.kept) + len(result.gone)
    parts.append(f"the remaining {len(plan.todo) - finished:,} untouched")
    return f"Stopped: {'; '.join(parts)}. Run the same sync again to finish."
