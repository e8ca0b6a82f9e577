"""Object commands: put (file, folder, stdin), get (file, stdout, folder), link and meta."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from natsobj_gui.core import (
    BucketSealedError,
    Client,
    LinkError,
    ObjectInfo,
    ObjectMeta,
    ObjectNotFoundError,
    ObjectStore,
)
from natsobj_gui.core.put_many import PutItem, PutOutcome, put_many
from natsobj_gui.core.sentences import describe_error
from natsobj_gui.core.sources import PutSource
from natsobj_gui.core.types import Progress

from . import output as out
from .common import CliError, confirm
from .parsing import headers_from, merge_headers, merge_metadata
from .progress import ProgressBar


def _preview(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


async def _writable_store(client: Client, bucket: str) -> ObjectStore:
    """The bucket's store, failing early (before reading any input) if missing or sealed."""
    status = await client.buckets.status(bucket)
    if status.sealed:
        raise BucketSealedError(bucket)
    return client.store(bucket)


async def _existing(store: ObjectStore, name: str) -> ObjectInfo | None:
    try:
        return await store.info(name)
    except ObjectNotFoundError:
        return None


def _stdin_reader() -> BinaryIO:
    """Stdin for the core, which reads a pipe or terminal on a worker thread.

    An unbuffered file on its descriptor, not sys.stdin.buffer: a thread still blocked in
    a BufferedReader at exit (after Ctrl-C) holds its lock and aborts interpreter shutdown.
    """
    try:
        fd = sys.stdin.buffer.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stdin.buffer  # no descriptor (tests): an in-memory stream
    return open(fd, "rb", buffering=0, closefd=False)  # closefd=False: stdin stays ours


def _default_name(path: str) -> str:
    # As `nats object put`: the path as given, cleaned, with `/` separators.
    name = os.path.normpath(path).replace(os.sep, "/")
    if name in (".", "..") or name.endswith("/.."):
        raise CliError(f"cannot derive an object name from {path!r}: use --name")
    return name


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under a folder, sorted, with their `/`-separated relative paths."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for fname in sorted(files):
            path = Path(root) / fname
            if not path.is_file():
                out.note(f"skipping {path}: not a regular file")
                continue
            yield path, path.relative_to(folder).as_posix()


async def _put_one(
    store: ObjectStore,
    meta: ObjectMeta,
    source: PutSource,
    args: argparse.Namespace,
    *,
    known_total: bool = True,
) -> ObjectInfo:
    with ProgressBar(meta.name, known_total=known_total) as bar:
        return await store.put(meta, source, chunk_size=args.chunk_size, progress=bar)


async def cmd_put(client: Client, args: argparse.Namespace) -> int:
    """Upload a file, a folder (names relative to it) or stdin (`-`, needs --name)."""
    store = await _writable_store(client, args.bucket)
    headers = headers_from(args.header)
    metadata = merge_metadata({}, args.metadata)

    def meta(name: str) -> ObjectMeta:
        return ObjectMeta(name, args.description or "", headers, metadata)

    if args.source == "-":
        if not args.name:
            raise CliError("--name is required when reading from stdin")
        old = await _existing(store, args.name)
        if old is not None and not args.force:
            # stdin carries the data, so nobody can answer a question on it.
            raise CliError(
                f"object {args.name!r} already exists in {args.bucket}: use -f to replace it"
            )
        source = _stdin_reader()
        info = await _put_one(store, meta(args.name), source, args, known_total=False)
        out.emit(out.object_text(info))
        return 0

    source = Path(args.source)
    if source.is_dir():
        return await _put_folder(store, source, args, meta)
    if not source.exists():
        raise CliError(f"no such file or folder: {args.source}")
    name = args.name or _default_name(args.source)
    old = await _existing(store, name)
    if old is not None:
        confirm(f"Replace existing object {args.bucket} > {name}?", force=args.force)
    info = await _put_one(store, meta(name), source, args)
    out.emit(out.object_text(info))
    return 0


async def _put_folder(
    store: ObjectStore,
    folder: Path,
    args: argparse.Namespace,
    meta: Callable[[str], ObjectMeta],
) -> int:
    prefix = (args.name or "").strip("/")
    files = [(p, f"{prefix}/{rel}" if prefix else rel) for p, rel in _walk(folder)]
    if not files:
        raise CliError(f"folder {folder} has no files to upload")
    live = {o.name for o in await store.list()}
    clash = [name for _, name in files if name in live]
    if clash:
        confirm(
            f"Replace {len(clash)} existing object(s) in {args.bucket} ({_preview(clash)})?",
            force=args.force,
        )
    return await _put_files(store, folder, files, args, meta)


async def _put_files(
    store: ObjectStore,
    folder: Path,
    files: list[tuple[Path, str]],
    args: argparse.Namespace,
    meta: Callable[[str], ObjectMeta],
) -> int:
    """Upload a folder's files several at a time, with one bar for them all."""
    sizes = {name: _size(path) for path, name in files}
    total_bytes = sum(sizes.values())
    done_files = done_bytes = 0
    failed: list[str] = []
    items = [PutItem(meta(name), path) for path, name in files]
    with ProgressBar(str(folder), unit="files") as bar:

        def finished(outcome: PutOutcome) -> None:
            nonlocal done_files, done_bytes
            name = outcome.item.meta.name
            done_files += 1
            bar.clear()
            if outcome.info is None:
                out.note(f"{out.clean(name)} was not uploaded: {describe_error(outcome.error)}")
                failed.append(name)
            else:
                done_bytes += outcome.info.size
                info = outcome.info
                out.emit(
                    f"{out.clean(name)}: {out.human_size(info.size)} in {info.chunks:,} chunks"
                )
            bar(Progress(done_files, len(files), done_bytes, max(total_bytes, done_bytes)))

        await put_many(store, items, chunk_size=args.chunk_size, on_done=finished)
    out.emit(
        f"Put {len(files) - len(failed)} files ({out.human_size(done_bytes)}) into {args.bucket}"
    )
    if failed:
        raise CliError(f"{len(failed)} file(s) were not uploaded (see above)")
    return 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the put reports it


def _destination(output: str | None, name: str) -> Path:
    base = name.rsplit("/", 1)[-1]
    if output:
        dest = Path(output)
        if dest.is_dir() or output.endswith(("/", os.sep)):
            dest.mkdir(parents=True, exist_ok=True)
            if base in ("", ".", ".."):
                raise CliError(f"cannot derive a file name from {name!r}: give -O FILE")
            return dest / base
        return dest
    if base in ("", ".", ".."):
        raise CliError(f"cannot derive a file name from {name!r}: use -O FILE")
    return Path(base)


async def cmd_get(client: Client, args: argparse.Namespace) -> int:
    """Download an object to a file (default: its base name here), stdout (`-O -`) or a folder."""
    store = client.store(args.bucket)
    if args.recursive:
        return await _get_folder(store, args)
    if args.name is None:
        raise CliError("give the object NAME (or -r to download a folder)")
    if args.output == "-":
        sys.stdout.flush()
        sink = sys.stdout.buffer
        with ProgressBar(args.name) as bar:
            _warn_unverified(await store.get(args.name, sink, progress=bar))
        sink.flush()
        return 0
    # A missing, damaged or bucket-linked object fails before any file is made.
    info = await store.resolve(args.name)
    dest = _destination(args.output, args.name)
    if dest.is_dir():
        raise CliError(f"{dest} is a folder")
    if dest.exists():
        confirm(f"Replace existing file {dest}?", force=args.force)
    with ProgressBar(args.name) as bar:
        await store.get_file(args.name, dest, progress=bar)
    _warn_unverified(info)
    out.emit(f"Wrote {out.human_size(dest.stat().st_size)} to {dest}")
    return 0


def _warn_unverified(info: ObjectInfo) -> None:
    if info.unverified:
        out.note(
            f"warning: {out.clean(info.name)} has no digest: its content was not verified "
            "(only its size was checked)"
        )


def _safe_parts(rel: str) -> list[str] | None:
    parts = rel.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    return parts


async def _get_folder(store: ObjectStore, args: argparse.Namespace) -> int:
    if args.output == "-":
        raise CliError("-O - cannot take a folder: give a folder path")
    prefix = (args.name or "").strip("/")
    base = Path(args.output or ".")
    plan: list[tuple[ObjectInfo, Path]] = []
    unsafe = 0
    for info in sorted(await store.list(), key=lambda o: o.name):
        if prefix and not info.name.startswith(prefix + "/"):
            continue
        if info.link is not None and info.link.is_bucket_link:
            out.note(f"skipping {out.clean(info.name)}: a link to a whole bucket has no content")
            continue
        if info.damaged:
            out.note(f"skipping {out.clean(info.name)}: it is damaged ({info.damaged})")
            unsafe += 1
            continue
        parts = _safe_parts(info.name[len(prefix) + 1 :] if prefix else info.name)
        if parts is None:
            # Never let an object name climb out of (or escape) the target folder.
            out.note(f"skipping {info.name!r}: not a safe relative file path")
            unsafe += 1
            continue
        plan.append((info, base.joinpath(*parts)))
    if not plan and not unsafe:
        where = f" under {prefix}/" if prefix else ""
        raise CliError(f"no objects{where} in bucket {args.bucket}")
    clash = [str(dest) for _, dest in plan if dest.exists()]
    if clash:
        confirm(f"Replace {len(clash)} existing file(s) ({_preview(clash)})?", force=args.force)
    failed = 0
    for info, dest in plan:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with ProgressBar(info.name) as bar:
                await store.get_file(info.name, dest, progress=bar)
            _warn_unverified(info)
        except (ObjectNotFoundError, LinkError) as exc:
            # A dangling link (or an object deleted meanwhile) must not stop the others.
            out.note(f"skipping {out.clean(info.name)}: {exc}")
            failed += 1
            continue
        out.emit(f"{out.clean(info.name)} -> {out.clean(str(dest))}")
    out.emit(f"Wrote {len(plan) - failed} files to {base}")
    if unsafe or failed:
        raise CliError(f"{unsafe + failed} object(s) were not downloaded (see above)")
    return 0


async def cmd_link(client: Client, args: argparse.Namespace) -> int:
    """Create a link to an object, or to a whole bucket when no target name is given."""
    store = await _writable_store(client, args.bucket)
    if args.target_name is None:
        await client.buckets.status(args.target_bucket)
        info = await store.add_bucket_link(args.name, args.target_bucket)
    else:
        target = await client.store(args.target_bucket).info(args.target_name)
        info = await store.add_link(args.name, target)
    out.emit(out.object_text(info))
    return 0


async def cmd_meta(client: Client, args: argparse.Namespace) -> int:
    """Change an object's description, headers, metadata, or rename it."""
    given = (
        args.description is not None
        or args.header
        or args.metadata
        or args.rename
        or args.clear_headers
        or args.clear_metadata
    )
    if not given:
        raise CliError("nothing to change: give --description, --header, --metadata or --rename")
    store = client.store(args.bucket)
    info = await store.info(args.name)
    meta = ObjectMeta(
        name=args.rename or args.name,
        description=info.description if args.description is None else args.description,
        headers=merge_headers({} if args.clear_headers else info.headers, args.header),
        metadata=merge_metadata({} if args.clear_metadata else info.metadata, args.metadata),
    )
    updated = await store.update_meta(args.name, meta)
    out.emit(out.object_text(updated))
    return 0
