"""Object commands: put (file, folder, stdin), get (file, stdout, folder), link and meta."""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from natsobj_gui.core import (
    BucketSealedError,
    Client,
    NotConnectedError,
    ObjectInfo,
    ObjectMeta,
    ObjectNotFoundError,
    ObjectStore,
    ObjectStoreError,
    Progress,
)
from natsobj_gui.core.download import is_stream_target
from natsobj_gui.core.folder_walk import walk_folder
from natsobj_gui.core.put_many import PutItem, PutOutcome, put_many
from natsobj_gui.core.safe_path import safe_local_path, safe_part
from natsobj_gui.core.sentences import describe_error
from natsobj_gui.core.sources import PutSource, is_regular_path

from . import output as out
from .common import CliError, confirm, describe_os_error
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


def _walk(folder: str) -> Iterator[tuple[str, str, int]]:
    """Regular files under a folder in `os.walk` order, with their `/`-separated relative
    paths and sizes; a note for anything else."""
    for path, rel, st in walk_folder(folder):
        if st is None or not stat.S_ISREG(st.st_mode):
            out.note(f"skipping {path}: not a regular file")
        else:
            yield path, rel, st.st_size


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

    if args.name == "" and not Path(args.source).is_dir():
        raise CliError("--name cannot be empty: give the object a name (or leave --name out)")
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
    # A FIFO or `<(command)` streams like stdin: its size is known only at the end.
    info = await _put_one(store, meta(name), source, args, known_total=is_regular_path(source))
    out.emit(out.object_text(info))
    return 0


async def _put_folder(
    store: ObjectStore,
    folder: Path,
    args: argparse.Namespace,
    meta: Callable[[str], ObjectMeta],
) -> int:
    prefix = (args.name or "").strip("/")
    lead = f"{prefix}/" if prefix else ""
    files = [(path, lead + rel, size) for path, rel, size in _walk(str(folder))]
    if not files:
        raise CliError(f"folder {folder} has no files to upload")
    live = {o.name for o in await store.list()}
    clash = [name for _, name, _ in files if name in live]
    if clash:
        confirm(
            f"Replace {len(clash)} existing object(s) in {args.bucket} ({_preview(clash)})?",
            force=args.force,
        )
    return await _put_files(store, folder, files, args, meta)


async def _put_files(
    store: ObjectStore,
    folder: Path,
    files: list[tuple[str, str, int]],
    args: argparse.Namespace,
    meta: Callable[[str], ObjectMeta],
) -> int:
    """Upload a folder's files several at a time, with one bar for them all."""
    total_bytes = sum(size for _, _, size in files)
    done_files = done_bytes = 0
    failed: list[str] = []
    items = [PutItem(meta(name), path) for path, name, _ in files]
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


def _leaf(name: str) -> str:
    """The file name an object downloads to, sanitised as `get -r` and the GUI do."""
    last = re.split(r"[/\\]", name)[-1]
    leaf = safe_part(last)
    if not leaf:
        raise CliError(f"cannot derive a file name from {name!r}: give -O FILE")
    return leaf


def _destination(output: str | None, name: str) -> Path:
    if output:
        dest = Path(output)
        if dest.is_dir() or output.endswith(("/", os.sep)):
            dest.mkdir(parents=True, exist_ok=True)
            return dest / _leaf(name)
        return dest
    return Path(_leaf(name))


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
        started = False

        def progress(p: Progress) -> None:
            nonlocal started
            started = started or p.bytes_done > 0
            bar(p)

        try:
            with ProgressBar(args.name) as bar:
                info = await store.get(args.name, sink, progress=progress)
        except ObjectStoreError as exc:
            if started:  # the reader of stdout already has some of it
                exc.args = (f"{exc}; what was written to stdout cannot be trusted",)
            raise
        sink.flush()
        _warn_unverified(info)
        return 0
    info = await store.resolve(args.name)  # a missing, damaged or bucket-linked object fails first
    dest = _destination(args.output, args.name)
    if dest.is_dir():
        raise CliError(f"{dest} is a folder")
    # A device or FIFO is written into, never replaced: nothing to confirm.
    if dest.exists() and not is_stream_target(dest):
        confirm(f"Replace existing file {dest}?", force=args.force)
    with ProgressBar(args.name) as bar:
        await store.get_file(args.name, dest, progress=bar, resume=args.resume, note=_note)
    _warn_unverified(info)
    out.emit(f"Wrote {out.human_size(info.size)} to {dest}")
    return 0


def _note(text: str) -> None:
    """Say why a download continues a partial one, or starts over instead."""
    out.note(out.clean(text))


def _warn_unverified(info: ObjectInfo) -> None:
    if info.unverified:
        out.note(
            f"warning: {out.clean(info.name)} has no digest: its content was not verified "
            "(only its size was checked)"
        )


def _plan_folder(
    infos: list[ObjectInfo], prefix: str, base: Path
) -> tuple[list[tuple[ObjectInfo, Path]], list[tuple[str, str]]]:
    """Each object's local path under `base` (sanitised), and the objects left out, why."""
    plan: list[tuple[ObjectInfo, Path]] = []
    skipped: list[tuple[str, str]] = []
    taken: dict[Path, str] = {}
    for info in sorted(infos, key=lambda o: o.name):
        if prefix and not info.name.startswith(prefix + "/"):
            continue
        if info.link is not None and info.link.is_bucket_link:
            out.note(f"skipping {out.clean(info.name)}: a link to a whole bucket has no content")
            continue
        if info.damaged:
            skipped.append((info.name, f"it is damaged ({info.damaged})"))
            continue
        # The same sanitiser as the GUI: no name climbs out of (or escapes) the folder.
        dest = safe_local_path(base, info.name[len(prefix) + 1 :] if prefix else info.name)
        other = taken.get(dest)
        if other is not None:
            skipped.append((info.name, f"it would be saved to the same file as {other!r}"))
            continue
        taken[dest] = info.name
        plan.append((info, dest))
    return plan, skipped


async def _get_folder(store: ObjectStore, args: argparse.Namespace) -> int:
    if args.output == "-":
        raise CliError("-O - cannot take a folder: give a folder path")
    prefix = (args.name or "").strip("/")
    base = Path(args.output or ".")
    plan, failed = _plan_folder(await store.list(), prefix, base)
    if not plan and not failed:
        where = f" under {prefix}/" if prefix else ""
        raise CliError(f"no objects{where} in bucket {args.bucket}")
    clash = [str(dest) for _, dest in plan if dest.exists()]
    if clash:
        confirm(f"Replace {len(clash)} existing file(s) ({_preview(clash)})?", force=args.force)
    for name, why in failed:
        out.note(f"failed: {out.clean(name)}: {out.clean(why)}")
    done = 0
    for i, (info, dest) in enumerate(plan):
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with ProgressBar(info.name) as bar:
                await store.get_file(info.name, dest, progress=bar, resume=args.resume, note=_note)
            _warn_unverified(info)
        except NotConnectedError as exc:  # ConnectionLostError too
            # Without a connection every other object would fail the same way, slowly.
            failed.append((info.name, str(exc)))
            failed += [(o.name, "not tried: the connection was lost") for o, _ in plan[i + 1 :]]
            break
        except (ObjectStoreError, OSError) as exc:
            # One bad object (digest, missing chunks, a dangling link, an unwritable
            # path) must not stop the others.
            why = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
            out.note(f"failed: {out.clean(info.name)}: {out.clean(why)}")
            failed.append((info.name, why))
            continue
        done += 1
        out.emit(f"{out.clean(info.name)} -> {out.clean(str(dest))}")
    out.emit(f"Wrote {done} files to {base}")
    if failed:
        reasons = "; ".join(f"{name!r}: {why}" for name, why in failed[:3])
        more = f"; and {len(failed) - 3} more (see above)" if len(failed) > 3 else ""
        raise CliError(f"{done} downloaded, {len(failed)} failed: {reasons}{more}")
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
    if args.rename == "":
        raise CliError("--rename cannot be empty: give the object's new name")
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
