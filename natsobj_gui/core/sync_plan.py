"""Compare a local folder with a bucket (or a prefix of it) by size and SHA-256 (no Qt).

The remote digest comes from each object's info, the local one from a cache keyed by
(path, size, mtime_ns): nothing is downloaded to compare and unchanged files are not read.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from . import wire
from .folder_walk import excluded, walk_folder
from .hash_cache import HashCache
from .safe_path import safe_relative_parts
from .store import ObjectStore
from .types import ObjectInfo


class Direction(StrEnum):
    UPLOAD = "upload"  # local folder → bucket
    DOWNLOAD = "download"  # bucket → local folder


class Action(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    DELETE = "delete"  # only on the destination, and --delete was given
    SAME = "same"
    EXTRA = "extra"  # only on the destination, kept
    SKIP = "skip"  # cannot be synced: reported, never written elsewhere


@dataclass(frozen=True)
class SyncItem:
    """One relative name and what a sync does with it."""

    rel: str  # `/`-separated, relative to the folder and to the prefix
    action: Action
    size: int  # bytes transferred, or the size of what is deleted or kept
    reason: str = ""
    local: str | None = None  # the local file, as scanned (a str: a Path costs 4 µs each)
    info: ObjectInfo | None = None  # the remote object, when there is one
    mtime_ns: int | None = None  # the local file's, as scanned: its hash cache key

    @property
    def transfers(self) -> bool:
        return self.action in (Action.UPLOAD, Action.DOWNLOAD)


@dataclass(frozen=True)
class SyncPlan:
    """What a sync would do; `items` is sorted by name."""

    direction: Direction
    root: Path
    bucket: str
    prefix: str
    items: tuple[SyncItem, ...] = ()
    delete: bool = False
    cache_hits: int = 0  # local digests taken from the cache
    hashed: int = 0  # local files read to compute their digest

    def of(self, *actions: Action) -> list[SyncItem]:
        return [i for i in self.items if i.action in actions]

    def count(self, action: Action) -> int:
        return sum(1 for i in self.items if i.action is action)

    def size(self, action: Action) -> int:
        return sum(i.size for i in self.items if i.action is action)

    @property
    def todo(self) -> list[SyncItem]:
        """What changes the destination: transfers, then deletions."""
        return self.of(Action.UPLOAD, Action.DOWNLOAD) + self.of(Action.DELETE)

    def object_name(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel


@dataclass
class LocalFile:
    rel: str
    path: str
    size: int
    mtime_ns: int
    sha: bytes | None = field(default=None)


def split_remote(spec: str) -> tuple[str, str]:
    """`BUCKET[/PREFIX]` → (bucket, prefix without surrounding slashes); checks the bucket."""
    bucket, _, prefix = spec.partition("/")
    return wire.validate_bucket(bucket), prefix.strip("/")


def scan_local(root: Path, patterns: Sequence[str]) -> tuple[list[LocalFile], list[str]]:
    """Regular files under `root` (not excluded), and what was skipped with the reason."""
    files: list[LocalFile] = []
    skipped: list[str] = []
    for path, rel, st in walk_folder(str(root), patterns):
        if st is None or not stat.S_ISREG(st.st_mode):
            skipped.append(rel)
        else:
            files.append(LocalFile(rel, path, st.st_size, st.st_mtime_ns))
    return files, skipped


def local_name_for(rel: str) -> str | None:
    """The local relative path for a remote relative name, or None when it cannot be one.

    Only names that map onto a file path unchanged are synced: anything the safe-path rules
    would alter (`..`, `\\`, reserved or illegal characters) is reported, never renamed.
    """
    if not rel or rel != "/".join(safe_relative_parts(rel)):
        return None
    return rel


def _hash_all(cache: HashCache, root: Path, files: Iterable[LocalFile]) -> None:
    base = root.resolve()  # one key per file whatever path the folder was named by
    known = cache.load(base)
    for f in files:
        f.sha = cache.digest(base.joinpath(*f.rel.split("/")), f.size, f.mtime_ns, known)
    cache.flush()


async def plan_sync(
    store: ObjectStore,
    root: str | os.PathLike[str],
    prefix: str,
    direction: Direction,
    *,
    delete: bool = False,
    exclude: Sequence[str] = (),
    cache: HashCache | None = None,
) -> SyncPlan:
    """Compare the folder with the bucket's objects under `prefix`; nothing is changed."""
    root = Path(root)
    prefix = prefix.strip("/")
    own = cache is None
    cache = cache if cache is not None else HashCache()
    try:
        return await _plan(store, root, prefix, direction, delete, exclude, cache)
    finally:
        if own:
            cache.close()


async def _plan(
    store: ObjectStore,
    root: Path,
    prefix: str,
    direction: Direction,
    delete: bool,
    exclude: Sequence[str],
    cache: HashCache,
) -> SyncPlan:
    if root.exists():
        files, unreadable = await asyncio.to_thread(scan_local, root, exclude)
    else:
        files, unreadable = [], []
    local = {f.rel: f for f in files}
    remote: dict[str, ObjectInfo] = {}
    start = f"{prefix}/" if prefix else ""
    for info in await store.list():
        if info.name.startswith(start) and len(info.name) > len(start):
            rel = info.name[len(start) :]
            if not excluded(rel, exclude):
                remote[rel] = info
    # Only same-size pairs need a local digest; the cache spares reading unchanged files.
    pairs = [f for rel, f in local.items() if rel in remote and remote[rel].size == f.size]
    hits, misses = cache.hits, cache.misses
    if pairs:  # a first sync has nothing to compare: no cache query, no thread
        await asyncio.to_thread(_hash_all, cache, root, pairs)
    upload = direction is Direction.UPLOAD
    # A local special file matters when it is a source, or when an object wants its place.
    items = [
        SyncItem(
            rel, Action.SKIP, 0, "not a readable regular file", str(root / rel), remote.get(rel)
        )
        for rel in unreadable
        if upload or rel in remote
    ]
    for rel in sorted((set(local) | set(remote)) - set(unreadable)):
        items.append(_compare(rel, local.get(rel), remote.get(rel), upload, delete))
    items.sort(key=lambda i: i.rel)
    return SyncPlan(
        direction,
        root,
        store.bucket,
        prefix,
        tuple(items),
        delete,
        cache.hits - hits,
        cache.misses - misses,
    )


def _compare(
    rel: str, f: LocalFile | None, info: ObjectInfo | None, upload: bool, delete: bool
) -> SyncItem:
    """One name's action."""
    path, stamp = (f.path, f.mtime_ns) if f is not None else (None, None)
    if info is not None and info.link is not None:
        return SyncItem(rel, Action.SKIP, 0, "a link: not synced", path, info, stamp)
    if not upload and info is not None and local_name_for(rel) is None:
        return SyncItem(rel, Action.SKIP, info.size, "cannot be a local file name", path, info)
    if f is None:
        assert info is not None
        if upload:
            action = Action.DELETE if delete else Action.EXTRA
            return SyncItem(rel, action, info.size, "only in the bucket", None, info)
        return SyncItem(rel, Action.DOWNLOAD, info.size, "only in the bucket", None, info)
    if info is None:
        if upload:
            return SyncItem(rel, Action.UPLOAD, f.size, "only in the folder", path, None, stamp)
        action = Action.DELETE if delete else Action.EXTRA
        return SyncItem(rel, action, f.size, "only in the folder", path, None, stamp)
    move = Action.UPLOAD if upload else Action.DOWNLOAD
    size = f.size if upload else info.size
    if info.size != f.size:
        return SyncItem(rel, move, size, "size differs", path, info, stamp)
    remote_sha = wire.digest_bytes(info.digest)
    if remote_sha is None or remote_sha != f.sha:
        return SyncItem(rel, move, size, "content differs", path, info, stamp)
    return SyncItem(rel, Action.SAME, f.size, "", path, info, stamp)
