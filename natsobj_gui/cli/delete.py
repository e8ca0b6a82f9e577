"""`natsobj del`: a bucket, one object, many names, a prefix or folders, asked once."""

from __future__ import annotations

import argparse
import asyncio

from natsobj_gui.core import Client, ObjectNotFoundError, ObjectStore
from natsobj_gui.core.bulk import (
    NOT_ATTEMPTED,
    DeleteResult,
    DeleteResults,
    Outcome,
    delete_infos,
    select,
)
from natsobj_gui.core.types import ObjectInfo

from . import output as out
from .common import CliError, confirm
from .objects import _preview, _writable_store

FEW = 64  # up to this many names are looked up one by one instead of listing the bucket


async def cmd_del(client: Client, args: argparse.Namespace) -> int:
    """Delete objects (leaving tombstones), or the whole bucket when nothing is named."""
    if not args.names and args.prefix is None and not args.folders:
        await client.buckets.status(args.bucket)  # a missing bucket fails before asking
        confirm(f"Delete bucket {args.bucket} and all its objects?", force=args.force)
        await client.buckets.delete(args.bucket)
        out.emit(f"Deleted bucket {args.bucket}")
        return 0
    if sum(bool(x) for x in (args.names, args.prefix is not None, args.folders)) > 1:
        raise CliError("give names, --prefix or -r folders: only one of them")
    store = await _writable_store(client, args.bucket)
    infos, missing = await _targets(store, args)
    if not infos:
        if len(missing) == 1 and not args.folders:
            raise ObjectNotFoundError(args.bucket, missing[0])
        raise CliError(f"nothing to delete in {args.bucket}: no object matches")
    confirm(_question(args.bucket, infos), force=args.force)
    done = DeleteResults(infos)
    try:
        await delete_infos(client.conn, args.bucket, infos, results=done)
    except asyncio.CancelledError:
        # Ctrl+C or a signal: the started objects were finished; say what was done.
        out.note(f"{done.progress().summary()}.")
        raise
    results = [*done, *(DeleteResult(n, Outcome.NOT_FOUND, "no such object") for n in missing)]
    _report(args, results)
    # 1 when anything named is still there (kept, failed) or was not there to delete.
    return 0 if all(r.ok for r in results) else 1


async def _targets(
    store: ObjectStore, args: argparse.Namespace
) -> tuple[list[ObjectInfo], list[str]]:
    """The objects to delete and the names (or folders) that matched nothing."""
    if args.names and len(args.names) <= FEW:
        # A few names: read their infos rather than list a bucket of maybe 100,000.
        found = await asyncio.gather(*(_info(store, n) for n in dict.fromkeys(args.names)))
        infos = [i for i in found if isinstance(i, ObjectInfo)]
        return infos, [n for n in found if isinstance(n, str)]
    everything = await store.list()
    if args.prefix is not None:
        return select(everything, prefix=args.prefix)
    if not args.folders:
        return select(everything, args.names)
    infos: dict[str, ObjectInfo] = {}
    missing: list[str] = []
    for folder in args.folders:
        prefix = folder if folder.endswith("/") else folder + "/"
        found, _ = select(everything, prefix=prefix)
        if not found:
            missing.append(prefix)
        infos.update((i.name, i) for i in found)
    return list(infos.values()), missing


async def _info(store: ObjectStore, name: str) -> ObjectInfo | str:
    """The live object's info, or its name when there is none."""
    try:
        return await store.info(name)
    except ObjectNotFoundError:
        return name


def _question(bucket: str, infos: list[ObjectInfo]) -> str:
    if len(infos) == 1:
        info = infos[0]
        what = "link" if info.is_link else f"{out.human_size(info.size)} object"
        return f"Delete {what} {bucket} > {info.name}?"
    size = out.human_size(sum(i.size for i in infos))
    names = _preview([i.name for i in infos])
    return f"Delete {len(infos):,} objects ({size}) from {bucket}: {names}?"


def _report(args: argparse.Namespace, results: list[DeleteResult]) -> None:
    if args.json:
        out.print_json([_result_json(r) for r in results])
        return
    skipped = 0
    for r in results:
        name = out.clean(r.name)
        if r.ok:
            out.emit(f"Removed {args.bucket} > {name}")
        elif r.outcome is Outcome.KEPT:
            out.note(f"natsobj: kept {args.bucket} > {name}: {r.message}")
        elif r.message.startswith(NOT_ATTEMPTED):
            skipped += 1  # one line for all of them, not one per object
        else:
            out.note(f"natsobj: error: {args.bucket} > {name}: {r.outcome}: {r.message}")
    if skipped:
        out.note(f"natsobj: error: {skipped:,} more objects were not deleted")
    deleted = [r for r in results if r.ok]
    if len(results) > 1:
        freed = out.human_size(sum(r.freed for r in deleted))
        kept = sum(r.outcome is Outcome.KEPT for r in results)
        more = f"; {kept:,} kept (changed by another client after it was listed)" if kept else ""
        out.note(f"Deleted {len(deleted):,} of {len(results):,} objects, {freed} freed{more}")


def _result_json(r: DeleteResult) -> dict[str, object]:
    body: dict[str, object] = {"name": r.name, "outcome": str(r.outcome), "freed": r.freed}
    if r.message:
        body["message"] = r.message
    return body
