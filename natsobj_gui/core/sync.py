"""Carry out a sync plan: several objects in flight through the core's put and get (no Qt).

Every transfer is the store's own: an upload that fails or is cancelled rolls its chunks
back and leaves the old version; a download goes through a verified temporary file. So a
cancelled sync leaves each name either as it was or completely synced.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import errors as E
from . import wire
from .formatting import human_size
from .hash_cache import HashCache
from .put_many import DEFAULT_CONCURRENCY
from .sentences import describe_error
from .store import ObjectStore
from .sync_plan import Action, Direction, SyncItem, SyncPlan, plan_sync, split_remote
from .transfer import DEFAULT_WINDOW
from .types import ObjectMeta, Progress
from .workers import run_workers

SyncProgress = Callable[[Progress], None]  # chunks_* count files here

__all__ = [
    "Action",
    "Direction",
    "SyncItem",
    "SyncPlan",
    "SyncResult",
    "describe_plan",
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

    @property
    def skipped(self) -> list[SyncItem]:
        return self.plan.of(Action.SKIP)

    @property
    def matches(self) -> bool:
        """Every source file is on the destination (and nothing else, with --delete)."""
        return not self.failed and not self.skipped

    def count(self, action: Action) -> int:
        return sum(1 for i in self.done if i.action is action)

    def size(self, action: Action) -> int:
        return sum(i.size for i in self.done if i.action is action)


class _Tracker:
    """Sums the in-flight transfers' progress into one report."""

    def __init__(self, plan: SyncPlan, report: SyncProgress | None) -> None:
        todo = plan.todo
        self.total_files = len(todo)
        self.total_bytes = sum(i.size for i in todo if i.transfers)
        self.files = self.finished_bytes = 0
        self.moving: dict[str, int] = {}
        self.sent: set[str] = set()  # uploads whose every chunk is acknowledged
        self.report = report

    def _emit(self) -> None:
        if self.report is not None:
            done = self.finished_bytes + sum(self.moving.values())
            self.report(Progress(self.files, self.total_files, done, self.total_bytes))

    def callback(self, item: SyncItem) -> Callable[[Progress], None]:
        def on_progress(p: Progress) -> None:
            self.moving[item.rel] = p.bytes_done
            if p.done and p.chunks_total > 0:
                self.sent.add(item.rel)
            self._emit()

        return on_progress

    def finished(self, item: SyncItem) -> None:
        self.moving.pop(item.rel, None)
        self.sent.discard(item.rel)
        self.files += 1
        if item.transfers:
            self.finished_bytes += item.size
        self._emit()


def _local_path(plan: SyncPlan, item: SyncItem) -> Path:
    return item.local or plan.root.joinpath(*item.rel.split("/"))


async def _upload(
    store: ObjectStore, plan: SyncPlan, item: SyncItem, cb, cache, slots: asyncio.Semaphore
) -> None:
    path = _local_path(plan, item)
    name = plan.object_name(item.rel)
    old = None
    if item.info is not None:
        # Content changes; what the object says about itself (as of now) stays.
        with contextlib.suppress(E.ObjectNotFoundError):
            old = await store.info(name)
    meta = ObjectMeta(
        name,
        old.description if old else "",
        old.headers if old else {},
        old.metadata if old else {},
    )
    before = path.stat()
    info = await store.put(meta, path, progress=cb, slots=slots)
    after = path.stat()
    sha = wire.digest_bytes(info.digest)
    unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    if cache is not None and sha is not None and unchanged and info.size == after.st_size:
        # What we uploaded is this file's digest: the next sync need not read it.
        key = plan.root.resolve().joinpath(*item.rel.split("/"))
        cache.remember(key, after.st_size, after.st_mtime_ns, sha)


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


async def _delete(store: ObjectStore, plan: SyncPlan, item: SyncItem) -> None:
    if plan.direction is Direction.UPLOAD:
        assert item.info is not None
        with contextlib.suppress(E.ObjectNotFoundError):  # already gone: what we wanted
            await store.delete(item.info.name)
    else:
        with contextlib.suppress(FileNotFoundError):
            _local_path(plan, item).unlink()


async def run_sync(
    store: ObjectStore,
    plan: SyncPlan,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: SyncProgress | None = None,
    cache: HashCache | None = None,
) -> SyncResult:
    """Transfer, then delete, what the plan says; failures are collected, not raised.

    Cancelling stops every transfer through its own rollback before CancelledError leaves.
    """
    tracker = _Tracker(plan, progress)
    # As `natsobj put DIR` (put_many): the uploads share one put's window of chunks.
    slots = asyncio.Semaphore(DEFAULT_WINDOW)
    done: list[SyncItem] = []
    failed: list[tuple[SyncItem, str]] = []

    async def one(item: SyncItem) -> None:
        cb = tracker.callback(item)
        try:
            if item.action is Action.UPLOAD:
                await _upload(store, plan, item, cb, cache, slots)
            elif item.action is Action.DOWNLOAD:
                await _download(store, plan, item, cb)
            else:
                await _delete(store, plan, item)
        except (E.ObjectStoreError, OSError) as exc:
            failed.append((item, describe_error(exc)))
        else:
            done.append(item)
        tracker.finished(item)

    async def worker(queue: Iterator[SyncItem]) -> None:
        for item in queue:
            task = asyncio.ensure_future(one(item))
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # An upload whose chunks are all stored is publishing its info: let it end,
                # so that it is reported as done (core.transfer.put finishes that part
                # whatever cancels arrive, then ends cancelled).
                if item.rel not in tracker.sent:
                    task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise

    try:
        for batch in (plan.of(Action.UPLOAD, Action.DOWNLOAD), plan.of(Action.DELETE)):
            queue = iter(batch)
            await run_workers(worker(queue) for _ in range(max(1, concurrency)))
    finally:
        if cache is not None:
            await asyncio.to_thread(cache.flush)
    return SyncResult(plan, tuple(done), tuple(failed))


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
