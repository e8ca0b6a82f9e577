"""`natsobj sync`: make a bucket (prefix) match a local folder, or the other way round."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from natsobj_gui.core import Client, InvalidNameError
from natsobj_gui.core.hash_cache import HashCache
from natsobj_gui.core.sync import (
    Action,
    Direction,
    SyncPlan,
    SyncRecord,
    SyncResult,
    describe_plan,
    describe_stop,
    plan_sync,
    run_sync,
    split_remote,
)
from natsobj_gui.formatting import count_text

from . import output as out
from .common import CliError, confirm
from .progress import ProgressBar


def _sides(source: str, dest: str) -> tuple[Direction, Path, str]:
    """(direction, local folder, BUCKET[/PREFIX]) from the two arguments."""
    if Path(source).is_dir():
        return Direction.UPLOAD, Path(source), dest
    if Path(source).exists():
        raise CliError(f"{source} is a file: sync takes a folder")
    try:
        split_remote(source)
    except InvalidNameError:
        raise CliError(f"{source} is neither a local folder nor BUCKET[/PREFIX]") from None
    if Path(dest).exists() and not Path(dest).is_dir():
        raise CliError(f"{dest} is a file: sync takes a folder")
    return Direction.DOWNLOAD, Path(dest), source


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "name": item.rel,
        "action": item.action.value,
        "bytes": item.size,
        "reason": item.reason,
    }


def plan_json(plan: SyncPlan) -> dict[str, Any]:
    """Counts and bytes per action, and every name that is not the same."""
    return {
        "direction": plan.direction.value,
        "folder": str(plan.root),
        "bucket": plan.bucket,
        "prefix": plan.prefix,
        "counts": {a.value: plan.count(a) for a in Action},
        "bytes": {a.value: plan.size(a) for a in Action},
        "items": [_item_json(i) for i in plan.items if i.action is not Action.SAME],
        "hashed_files": plan.hashed,
        "cached_hashes": plan.cache_hits,
    }


def result_json(result: SyncResult) -> dict[str, Any]:
    return {
        "done": {a.value: result.count(a) for a in (Action.UPLOAD, Action.DOWNLOAD, Action.DELETE)},
        "bytes": {a.value: result.size(a) for a in (Action.UPLOAD, Action.DOWNLOAD)},
        "failed": [{"name": i.rel, "error": why} for i, why in result.failed],
        # Extras another client wrote (kept) or deleted (gone) between the plan and the delete.
        "kept": [{"name": i.rel, "reason": why} for i, why in result.kept],
        "gone": [i.rel for i in result.gone],
        "matches": result.matches,
    }


def _print_plan(plan: SyncPlan, verbose: bool) -> None:
    for item in plan.items:
        if item.action is Action.SKIP:
            out.note(f"skipping {out.clean(item.rel)}: {item.reason}")
        elif verbose and item.action is not Action.SAME:
            why = f" ({item.reason})" if item.reason else ""
            out.emit(f"{item.action.value:8} {out.clean(item.rel)}{why}")
    out.emit(f"Plan: {describe_plan(plan)}")


async def cmd_sync(client: Client, args: argparse.Namespace) -> int:
    """Compare by size and SHA-256, then transfer what differs (and delete extras)."""
    direction, folder, remote = _sides(args.source, args.dest)
    bucket, prefix = split_remote(remote)
    await client.buckets.status(bucket)  # a missing bucket fails before any scan
    store = client.store(bucket)
    cache = HashCache()
    try:
        plan = await plan_sync(
            store,
            folder,
            prefix,
            direction,
            delete=args.delete,
            exclude=args.exclude,
            cache=cache,
        )
        if not args.json:
            _print_plan(plan, args.verbose)
        if args.dry_run:
            if args.json:
                out.print_json({"plan": plan_json(plan), "result": None})
            else:
                out.note("Dry run: nothing was changed")
            # Like diff: 0 only when the destination already matches.
            return 0 if not plan.todo and not plan.of(Action.SKIP) else 1
        deletions = plan.count(Action.DELETE)
        if deletions:
            what = (
                f"{count_text(deletions, 'object')} in bucket {bucket}"
                if direction is Direction.UPLOAD
                else f"{count_text(deletions, 'file')} in {folder}"
            )
            confirm(f"Delete {what} that the source does not have?", force=args.force)
        if direction is Direction.DOWNLOAD:
            folder.mkdir(parents=True, exist_ok=True)
        record = SyncRecord(plan)
        try:
            with ProgressBar(f"sync {remote}") as bar:
                # Not a terminal: no bar to draw, so no progress to add up per chunk and file.
                report = bar if bar.enabled else None
                result = await run_sync(store, plan, progress=report, cache=cache, record=record)
        except asyncio.CancelledError:
            # Ctrl+C or a signal: each started name was finished or rolled back; say which.
            out.note(describe_stop(record.result()))
            raise
    finally:
        cache.close()
    return _report(result, args)


def _report(result: SyncResult, args: argparse.Namespace) -> int:
    if args.json:
        out.print_json({"plan": plan_json(result.plan), "result": result_json(result)})
    else:
        for item, why in result.failed:
            out.note(f"failed {out.clean(item.rel)}: {why}")
        for item, why in result.kept:
            out.note(f"not deleted {out.clean(item.rel)}: {why}")
        moved = result.count(Action.UPLOAD) + result.count(Action.DOWNLOAD)
        verb = "Uploaded" if result.plan.direction is Direction.UPLOAD else "Downloaded"
        size = result.size(Action.UPLOAD) + result.size(Action.DOWNLOAD)
        deleted = f"deleted {result.count(Action.DELETE):,}"
        if result.kept:
            deleted += f" (kept {len(result.kept):,} changed since the compare)"
        if result.gone:
            deleted += f" ({len(result.gone):,} more already deleted by another client)"
        out.emit(
            f"{verb} {count_text(moved, 'file')} ({out.human_size(size)}), {deleted}, "
            f"{result.plan.count(Action.SAME):,} already the same"
        )
    if not result.matches:
        bad = len(result.failed) + len(result.skipped) + len(result.kept)
        raise CliError(f"{count_text(bad, 'name')} could not be synced (see above)")
    return 0
