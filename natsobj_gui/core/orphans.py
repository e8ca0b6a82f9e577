"""Orphaned chunk sets: chunks that no current info references, found without their payloads.

A scan reads the chunk subjects (per-subject counts from stream info) BEFORE the metas, so a
put that completes meanwhile is seen as referenced; chunk sets no meta names are then
measured with a headers-only consumer (sizes and timestamps, never payloads). A cleanup
re-reads the metas first and purges a set only up to the last chunk it measured.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import wire
from .connection import Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer

DEFAULT_GRACE = 3600.0
# Per-set measuring consumers at once: enough to hide round trips, few enough for the server.
MEASURE_CONCURRENCY = 8
IDLE_TIMEOUT = 10.0


@dataclass(frozen=True)
class OrphanSet:
    """One chunk subject's messages that no current info references."""

    nuid: str  # the chunk subject's last token(s), as stored: may not be a plain token
    chunks: int
    size: int | None = None  # payload bytes; None when it could not be measured safely
    newest: datetime | None = None  # server time of its newest chunk
    last_seq: int = 0  # the newest chunk measured: a purge never goes past it
    recent: bool = False  # newer than the grace: may be an upload in progress
    deleted_name: str = ""  # the deleted object whose tombstone still names this nuid

    @property
    def plain(self) -> bool:
        return wire.is_token(self.nuid)

    @property
    def purgeable(self) -> bool:
        return self.plain and not self.recent and self.last_seq > 0

    def age(self, now: datetime) -> float | None:
        """Seconds since its newest chunk was stored."""
        return None if self.newest is None else max(0.0, (now - self.newest).total_seconds())

    @property
    def status(self) -> str:
        if not self.plain:
            return "unsafe"
        return "recent" if self.recent else "orphan"

    def describe(self) -> str:
        """Why it is (or is not) to be purged, as a short sentence."""
        if not self.plain:
            return "its subject is not a plain token: never purged"
        if self.recent:
            return "may be an upload in progress: kept"
        if self.deleted_name:
            return f"left by deleted object {self.deleted_name!r}"
        return "no object refers to it"


@dataclass(frozen=True)
class OrphanReport:
    """What a scan of one bucket found."""

    bucket: str
    scanned_at: datetime
    grace: float
    orphans: tuple[OrphanSet, ...] = ()
    chunk_sets: int = 0  # chunk subjects in the bucket, referenced or not
    metas: int = 0  # meta subjects read

    @property
    def size(self) -> int:
        return sum(o.size or 0 for o in self.orphans)

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.orphans)

    @property
    def purgeable(self) -> tuple[OrphanSet, ...]:
        return tuple(o for o in self.orphans if o.purgeable)

    @property
    def purgeable_size(self) -> int:
        return sum(o.size or 0 for o in self.purgeable)


@dataclass(frozen=True)
class CleanResult:
    """What a cleanup purged and what it left, with the reason."""

    purged: tuple[OrphanSet, ...] = ()
    chunks: int = 0  # messages the server reports purged
    skipped: tuple[tuple[OrphanSet, str], ...] = field(default_factory=tuple)

    @property
    def size(self) -> int:
        return sum(o.size or 0 for o in self.purged)


@dataclass
class _References:
    """The nuids the latest metas name; what cannot be parsed is kept to search in."""

    live: set[str] = field(default_factory=set)
    deleted: dict[str, str] = field(default_factory=dict)  # nuid -> object name
    opaque: list[bytes] = field(default_factory=list)
    count: int = 0

    def add(self, data: bytes) -> None:
        self.count += 1
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            doc = None
        if not isinstance(doc, dict):
            # Not an info we can read, yet it may name chunks: never call them orphans.
            self.opaque.append(data)
            return
        nuid = doc.get("nuid")
        if nuid is None:
            return  # a link written without one (nats.js): no chunks
        nuid = nuid if isinstance(nuid, str) else str(nuid)
        # Only a JSON true deletes; anything odd counts as live, which keeps its chunks.
        if doc.get("deleted") is True:
            name = doc.get("name")
            self.deleted.setdefault(nuid, name if isinstance(name, str) else "")
        else:
            self.live.add(nuid)

    def references(self, nuid: str) -> bool:
        if nuid in self.live:
            return True
        token = nuid.encode("utf-8", errors="replace")
        return any(token in blob for blob in self.opaque)


async def chunk_counts(conn: Connection, bucket: str) -> dict[str, int]:
    """Message count per chunk set (the subject after `$O.<bucket>.C.`), from stream info."""
    prefix = wire.chunk_filter(bucket)[:-1]
    op = f"STREAM.INFO.{wire.stream_name(bucket)}"
    counts: dict[str, int] = {}
    offset = 0
    while True:
        resp = await conn.api(
            op, {"subjects_filter": wire.chunk_filter(bucket), "offset": offset}, bucket=bucket
        )
        page = (resp.get("state") or {}).get("subjects") or {}
        for subject, count in page.items():
            if subject.startswith(prefix):
                counts[subject[len(prefix) :]] = int(count)
        offset += len(page)
        # The server pages large maps (100,000 subjects by default).
        if not page or offset >= int(resp.get("total") or 0):
            return counts


async def _consume(
    conn: Connection, bucket: str, subject: str, on_msg: Callable[[JsMsg], bool], **kw: Any
) -> None:
    """Run an ordered consumer on `subject` until `on_msg` says it has seen the last one."""
    consumer = OrderedConsumer(
        conn.nc,
        conn.jsm,
        wire.stream_name(bucket),
        subject,
        on_msg,
        idle_timeout=IDLE_TIMEOUT,
        **kw,
    )
    try:
        await consumer.run_pending()
    except OrderedConsumer.IdleTimeout:
        pass  # the rest was purged while we read (a delete, rename or cleanup elsewhere)
    except Exception as exc:
        raise conn.translate(exc, bucket=bucket) from exc


async def _read_references(conn: Connection, bucket: str) -> _References:
    """The latest message of every meta subject, deleted ones included."""
    refs = _References()

    def on_msg(msg: JsMsg) -> bool:
        refs.add(msg.data)
        return msg.pending == 0

    await _consume(conn, bucket, wire.meta_filter(bucket), on_msg, deliver=Deliver.LAST_PER_SUBJECT)
    return refs


async def _measure(conn: Connection, bucket: str, nuid: str) -> tuple[int, int, int, int]:
    """(chunks, bytes, newest timestamp ns, last stream seq) of one set, headers only."""
    seen = [0, 0, 0, 0]

    def on_msg(msg: JsMsg) -> bool:
        seen[0] += 1
        seen[1] += msg.size or 0
        seen[2] = max(seen[2], msg.timestamp_ns)
        seen[3] = msg.stream_seq
        return msg.pending == 0

    await _consume(conn, bucket, wire.chunk_subject(bucket, nuid), on_msg, headers_only=True)
    return seen[0], seen[1], seen[2], seen[3]


async def scan(conn: Connection, bucket: str, *, grace: float = DEFAULT_GRACE) -> OrphanReport:
    """Find the bucket's orphaned chunk sets; sets newer than `grace` seconds are `recent`."""
    wire.validate_bucket(bucket)
    counts = await chunk_counts(conn, bucket)  # first: a put finishing later is referenced
    refs = await _read_references(conn, bucket)
    candidates = sorted(n for n in counts if not refs.references(n))
    gate = asyncio.Semaphore(MEASURE_CONCURRENCY)

    async def one(nuid: str) -> OrphanSet | None:
        deleted = refs.deleted.get(nuid, "")
        if not wire.is_token(nuid):
            # Never put it into a filter: counted, not measured, never purged.
            return OrphanSet(nuid, counts[nuid], deleted_name=deleted)
        async with gate:
            chunks, size, newest_ns, last_seq = await _measure(conn, bucket, nuid)
        if chunks == 0:
            return None
        newest = wire.timestamp_from_nanos(newest_ns)
        age = (datetime.now(UTC) - newest).total_seconds()
        return OrphanSet(nuid, chunks, size, newest, last_seq, grace > 0 and age < grace, deleted)

    found = await asyncio.gather(*(one(n) for n in candidates))
    return OrphanReport(
        bucket=bucket,
        scanned_at=datetime.now(UTC),
        grace=grace,
        orphans=tuple(o for o in found if o is not None),
        chunk_sets=len(counts),
        metas=refs.count,
    )


async def clean(conn: Connection, report: OrphanReport) -> CleanResult:
    """Purge the report's purgeable sets that the metas, read again now, still do not name.

    Each purge stops at the set's last measured chunk, so chunks stored since the scan stay.
    """
    bucket = report.bucket
    skipped: list[tuple[OrphanSet, str]] = [
        (o, o.describe()) for o in report.orphans if not o.purgeable
    ]
    todo = report.purgeable
    if not todo:
        return CleanResult(skipped=tuple(skipped))
    refs = await _read_references(conn, bucket)  # right before purging: puts since the scan
    purged: list[OrphanSet] = []
    chunks = 0
    for orphan in todo:
        if refs.references(orphan.nuid):
            skipped.append((orphan, "an object refers to it now: kept"))
            continue
        resp = await conn.api(
            f"STREAM.PURGE.{wire.stream_name(bucket)}",
            {"filter": wire.chunk_subject(bucket, orphan.nuid), "seq": orphan.last_seq + 1},
            bucket=bucket,
        )
        chunks += int(resp.get("purged") or 0)
        purged.append(orphan)
    return CleanResult(tuple(purged), chunks, tuple(skipped))
