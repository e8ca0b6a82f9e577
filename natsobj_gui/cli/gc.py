"""`natsobj gc`: list a bucket's orphaned chunk sets, and purge them with --yes."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from natsobj_gui.core import Client
from natsobj_gui.core.orphans import (
    DEFAULT_GRACE,
    CleanResult,
    OrphanReport,
    OrphanSet,
    clean,
    scan,
)
from natsobj_gui.formatting import count_text, human_duration

from . import output as out


def _age(orphan: OrphanSet, now: datetime) -> str:
    age = orphan.age(now)  # None (unknown) is "—"; under a second is "0s", not "250ms"
    return "0s" if age is not None and age < 1 else human_duration(age)


def _size(orphan: OrphanSet) -> str:
    return "—" if orphan.size is None else out.human_size(orphan.size)


def report_table(report: OrphanReport) -> str:
    """One row per orphaned set: nuid, chunks, bytes, age of the newest chunk, and a note."""
    rows = [
        (o.nuid, f"{o.chunks:,}", _size(o), _age(o, report.scanned_at), o.describe())
        for o in report.orphans
    ]
    return out.table(("NUID", "Chunks", "Size", "Newest chunk", "Note"), rows, "lrrr")


def _total_line(report: OrphanReport) -> str:
    sets, chunks = count_text(len(report.orphans), "chunk set"), count_text(report.chunks, "chunk")
    return f"Total: {sets}, {chunks}, {out.human_size(report.size)} ({report.size:,} bytes)"


def _orphan_json(o: OrphanSet, now: datetime) -> dict[str, Any]:
    return {
        "nuid": o.nuid,
        "chunks": o.chunks,
        "bytes": o.size,
        "newest_chunk": out.iso_time(o.newest),
        "age_seconds": o.age(now),
        "status": o.status,
        "deleted_object": o.deleted_name or None,
        "note": o.describe(),
    }


def report_json(report: OrphanReport, result: CleanResult | None) -> dict[str, Any]:
    """The scan (and the purge, when one ran) as one JSON document."""
    now = report.scanned_at
    doc: dict[str, Any] = {
        "bucket": report.bucket,
        "scanned_at": out.iso_time(now),
        "grace_seconds": report.grace,
        "orphans": [_orphan_json(o, now) for o in report.orphans],
        "total": {"sets": len(report.orphans), "chunks": report.chunks, "bytes": report.size},
    }
    if result is not None:
        doc["purged"] = {
            "sets": [o.nuid for o in result.purged],
            "chunks": result.chunks,
            "bytes": result.size,
        }
        doc["kept"] = [{"nuid": o.nuid, "reason": why} for o, why in result.skipped]
    return doc


async def cmd_gc(client: Client, args: argparse.Namespace) -> int:
    """List orphaned chunk sets (chunks no object refers to); purge them with --yes."""
    await client.buckets.status(args.bucket)  # a missing bucket fails with its own sentence
    grace = DEFAULT_GRACE if args.grace is None else args.grace
    report = await scan(client.conn, args.bucket, grace=grace)
    result = await clean(client.conn, report) if args.yes else None
    if args.json:
        out.print_json(report_json(report, result))
        return 0
    if not report.orphans:
        out.note(f"No orphaned chunks in bucket {args.bucket}")
        return 0
    out.emit(report_table(report))
    out.emit()
    out.emit(_total_line(report))
    if result is not None:
        out.emit(
            f"Purged {count_text(len(result.purged), 'chunk set')} "
            f"({count_text(result.chunks, 'chunk')}, {out.human_size(result.size)})"
        )
        for orphan, why in result.skipped:
            out.note(f"Kept {orphan.nuid}: {why}")
    elif report.purgeable:
        sets, size = count_text(len(report.purgeable), "chunk set"), report.purgeable_size
        out.note(f"Run `natsobj gc {args.bucket} --yes` to purge {sets} ({out.human_size(size)})")
    else:
        out.note("Nothing can be purged now: see the notes above")
    return 0
