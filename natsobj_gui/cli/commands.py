"""Bucket-level commands: add, edit, info, ls, seal, status and watch (del: delete.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import Any, TypeVar

from natsobj_gui.core import (
    BucketConfig,
    BucketInfo,
    Client,
    ObjectInfo,
    Placement,
    Storage,
    WatchKind,
)

from . import output as out
from .common import CliError, confirm
from .parsing import merge_metadata, parse_tags

T = TypeVar("T", BucketInfo, ObjectInfo)


def _placement(args: argparse.Namespace, current: Placement | None) -> Placement | None:
    cluster = args.cluster if args.cluster is not None else (current.cluster if current else None)
    tags = parse_tags(args.tags) if args.tags is not None else (current.tags if current else ())
    if not cluster and not tags:
        return None
    return Placement(cluster or None, tags)


async def cmd_add(client: Client, args: argparse.Namespace) -> int:
    """Create a bucket with the `nats object add` options."""
    cfg = BucketConfig(
        name=args.bucket,
        description=args.description or "",
        ttl=args.ttl or 0.0,
        max_bytes=args.max_bucket_size if args.max_bucket_size is not None else -1,
        storage=Storage(args.storage or "file"),
        replicas=args.replicas or 1,
        placement=_placement(args, None),
        compression=bool(args.compress),
        metadata=merge_metadata({}, args.metadata),
    )
    status = await client.buckets.create(cfg)
    out.emit(out.bucket_text(status))
    return 0


async def cmd_edit(client: Client, args: argparse.Namespace) -> int:
    """Change a bucket's options; anything not given keeps its current value."""
    current = (await client.buckets.status(args.bucket)).config()
    changes: dict[str, object] = {}
    if args.description is not None:
        changes["description"] = args.description
    if args.ttl is not None:
        changes["ttl"] = args.ttl
    if args.max_bucket_size is not None:
        changes["max_bytes"] = args.max_bucket_size
    if args.storage is not None:
        changes["storage"] = Storage(args.storage)
    if args.replicas is not None:
        changes["replicas"] = args.replicas
    if args.cluster is not None or args.tags is not None:
        changes["placement"] = _placement(args, current.placement)
    if args.compress is not None:
        changes["compression"] = args.compress
    if args.metadata:
        changes["metadata"] = merge_metadata(current.metadata, args.metadata)
    if not changes:
        raise CliError("nothing to change: give at least one option (see natsobj edit --help)")
    if args.storage is not None and Storage(args.storage) != current.storage:
        raise CliError("the storage of an existing bucket cannot be changed")
    status = await client.buckets.update(replace(current, **changes))  # type: ignore[arg-type]
    out.emit(out.bucket_text(status))
    return 0


def _show_status(status: BucketInfo, as_json: bool) -> None:
    if as_json:
        out.print_json(out.bucket_json(status))
    else:
        out.emit(out.bucket_text(status))


async def cmd_status(client: Client, args: argparse.Namespace) -> int:
    """A bucket's configuration and usage."""
    _show_status(await client.buckets.status(args.bucket), args.json)
    return 0


async def cmd_info(client: Client, args: argparse.Namespace) -> int:
    """An object's info (digest in base64 and hex), or the bucket's status with no name."""
    if args.name is None:
        return await cmd_status(client, args)
    info = await client.store(args.bucket).info(args.name, show_deleted=args.deleted)
    if args.json:
        out.print_json(out.object_json(info))
    else:
        out.emit(out.object_text(info))
    return 0


async def cmd_ls(client: Client, args: argparse.Namespace) -> int:
    """The buckets, or one bucket's objects (tombstones too with --deleted)."""
    if args.bucket is None:
        buckets = await client.buckets.list()
        _print_listing(
            args, buckets, out.bucket_json, out.buckets_table, "No Object Store buckets found"
        )
        return 0
    store = client.store(args.bucket)
    await client.buckets.status(args.bucket)  # an empty listing must not hide a typo
    if args.json:
        # Straight from the wire to JSON: nats.go's speed on 100,000 objects needs it.
        rows = await store.list_json(show_deleted=args.deleted)
        rows.sort(key=itemgetter("name"))
        out.print_json(rows)
        return 0
    objects = sorted(await store.list(show_deleted=args.deleted), key=lambda o: o.name)
    _print_listing(
        args,
        objects,
        out.object_json,
        lambda rows: out.objects_table(rows, show_deleted=args.deleted),
        "No entries found",
    )
    return 0


def _print_listing(
    args: argparse.Namespace,
    rows: Sequence[T],
    to_json: Callable[[T], Any],
    table: Callable[[Sequence[T]], str],
    empty: str,
) -> None:
    """Rows as JSON (--json), bare names (--names), a note when empty, or a table."""
    if args.json:
        out.print_json([to_json(r) for r in rows])
    elif args.names:
        for r in rows:
            out.emit(r.name)
    elif not rows:
        out.note(empty)
    else:
        out.emit(table(rows))


async def cmd_seal(client: Client, args: argparse.Namespace) -> int:
    """Seal a bucket for good, after confirmation."""
    await client.buckets.status(args.bucket)
    confirm(
        f"Really seal bucket {args.bucket}? A sealed bucket can never be changed again",
        force=args.force,
    )
    status = await client.buckets.seal(args.bucket)
    out.emit(f"{args.bucket} has been sealed")
    out.emit(out.bucket_text(status))
    return 0


async def cmd_watch(client: Client, args: argparse.Namespace) -> int:
    """Print changes to a bucket as they happen, until interrupted."""
    if args.history and args.updates_only:
        raise CliError("--history and --updates-only cannot be used together")
    await client.buckets.status(args.bucket)
    store = client.store(args.bucket)
    watcher = store.watch(include_history=args.history, updates_only=args.updates_only)
    async with watcher:
        async for event in watcher:
            if event.kind is WatchKind.INITIAL_DONE or event.info is None:
                continue
            info = event.info
            stamp = out.human_time(info.modified)
            where = f"{info.bucket} > {out.clean(info.name)}"
            if event.kind is WatchKind.DELETE:
                out.emit(f"[{stamp}] DEL {where}")
            elif info.damaged:
                out.emit(f"[{stamp}] PUT {where}: damaged: {info.damaged}")
            elif info.link is not None:
                out.emit(f"[{stamp}] PUT {where}: link to {out.clean(out.describe_link(info))}")
            else:
                size = out.human_size(info.size)
                out.emit(f"[{stamp}] PUT {where}: {size} in {info.chunks:,} chunks")
    return 0
