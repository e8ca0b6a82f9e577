"""Bulk delete: many objects' tombstones and purges pipelined, a bounded window in flight.

Each object goes tombstone first, then (once the tombstone is acked) the purge of its
chunks, exactly as `ObjectStore.delete` does for one. A fixed pool of `window` workers
keeps at most that many publishes or purge requests outstanding. On cancel no new object
is started and every object already started is finished (its tombstone acked and its
chunks purged), so each object is either fully deleted or untouched; a caller that
passes its own `DeleteResults` reads from it what was done before the stop. Only the
version that was listed is deleted: one that another client wrote since is kept (its
own outcome, KEPT: not a failure of the delete, but not what was asked either).
"""

from __future__ import annotations

import asyncio
import contextlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import overload

from . import errors as E
from . import meta_io, wire
from .ack_window import ACK_TIMEOUT
from .connection import Connection
from .formatting import count_text, human_size
from .store import tombstone
from .types import ObjectInfo

DEFAULT_WINDOW = 64
NOT_ATTEMPTED = "not attempted"  # how the results of objects never started begin
# After one of these, every other object would fail the same way: stop starting new ones.
_FATAL = (
    E.BucketNotFoundError,
    E.BucketSealedError,
    E.NotConnectedError,
    E.PermissionDeniedError,
    E.JetStreamNotEnabledError,
    E.ServerTimeoutError,  # a server that stopped answering would cost a timeout per object
)


class Outcome(StrEnum):
    DELETED = "deleted"
    NOT_FOUND = "not found"
    KEPT = "kept"  # another client changed it after it was listed: that version stays
    FAILED = "failed"


@dataclass(frozen=True)
class DeleteResult:
    """What happened to one name; `message` is a sentence for failures and caveats."""

    name: str
    outcome: Outcome
    message: str = ""
    freed: int = 0  # bytes whose chunks were purged

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.DELETED


@dataclass(frozen=True)
class BulkProgress:
    """Objects finished (any outcome) of the total, the bytes freed, and the outcomes' counts."""

    done: int
    total: int
    freed: int
    failed: int
    deleted: int
    kept: int

    @property
    def gone(self) -> int:
        """Those found deleted already (by another client): nothing was left to delete."""
        return self.done - self.deleted - self.kept - self.failed

    def summary(self, noun: str = "object", *, since: str = " after it was listed") -> str:
        """Every count, true after a stop too; `since` says when the listing was made."""
        of = "" if self.deleted == self.total else f"{self.deleted:,} of "
        what = f"{of}{count_text(self.total, noun)} ({human_size(self.freed)} freed)"
        stopped = self.done < self.total  # only a stop leaves objects without a result
        parts = [f"Stopped: deleted {what}" if stopped else f"Deleted {what}"]
        if self.kept:
            parts.append(f"{self.kept:,} kept (changed by another client{since})")
        if self.gone:
            parts.append(f"{self.gone:,} already deleted by another client")
        if self.failed:
            parts.append(f"{self.failed:,} could not be deleted")
        if stopped:
            parts.append(f"the remaining {self.total - self.done:,} untouched")
        return "; ".join(parts)


ProgressCallback = Callable[[BulkProgress], None]

_OUTCOMES = (None, *Outcome)  # an outcome's code is its place here; 0: none yet
_CODE = {o: c for c, o in enumerate(_OUTCOMES) if o is not None}
_DELETED, _KEPT, _FAILED = _CODE[Outcome.DELETED], _CODE[Outcome.KEPT], _CODE[Outcome.FAILED]


class DeleteResults(Sequence[DeleteResult]):
    """One result per info, in the order given, kept in flat arrays until read.

    Every full collection of the cyclic GC rescans each live tracked object: 100,000
    DeleteResults held to the end made each of those 20-90 ms, the GUI's longest stalls
    while it deleted. Bytes, an int array and a dict of strings are not tracked.
    """

    def __init__(self, infos: Sequence[ObjectInfo]) -> None:
        self._infos = infos
        self._codes = bytearray(len(infos))
        self._freed = array("q", bytes(8 * len(infos)))
        self._messages: dict[int, str] = {}
        self.done = self.freed = 0
        self._counts = [0] * len(_OUTCOMES)  # by code

    def record(self, i: int, result: DeleteResult) -> None:
        """Keep the result of infos[i] (once)."""
        self._codes[i] = _CODE[result.outcome]
        self._freed[i] = result.freed
        if result.message:
            self._messages[i] = result.message
        self.done += 1
        self.freed += result.freed
        self._counts[_CODE[result.outcome]] += 1

    def progress(self) -> BulkProgress:
        """The counts so far: after a cancel, what was done before the stop."""
        n = self._counts
        failed, deleted, kept = n[_FAILED], n[_DELETED], n[_KEPT]
        return BulkProgress(self.done, len(self), self.freed, failed, deleted, kept)

    def missing(self) -> list[int]:
        """The places without a result yet (untouched, after a cancel)."""
        return self._find(0)

    def of(self, outcome: Outcome) -> list[DeleteResult]:
        """The results with `outcome`, in order (without reading every result)."""
        return [self[i] for i in self._find(_CODE[outcome])]

    def failed(self) -> list[DeleteResult]:
        """The failed ones, in order."""
        return self.of(Outcome.FAILED)

    def _find(self, code: int) -> list[int]:
        out, find, i = [], self._codes.find, self._codes.find(code)
        while i >= 0:
            out.append(i)
            i = find(code, i + 1)
        return out

    @property
    def infos(self) -> Sequence[ObjectInfo]:
        """The infos the results are for, in order."""
        return self._infos

    def __len__(self) -> int:
        return len(self._codes)

    @overload
    def __getitem__(self, i: int) -> DeleteResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[DeleteResult]: ...

    def __getitem__(self, i: int | slice) -> DeleteResult | list[DeleteResult]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        outcome = _OUTCOMES[self._codes[i]]
        if outcome is None:
            raise LookupError(f"no result yet for {self._infos[i].name!r}")
        return DeleteResult(self._infos[i].name, outcome, self._messages.get(i, ""), self._freed[i])

    def __iter__(self) -> Iterator[DeleteResult]:
        return (self[i] for i in range(len(self)))


def select(
    listing: Iterable[ObjectInfo], names: Sequence[str] = (), prefix: str | None = None
) -> tuple[list[ObjectInfo], list[str]]:
    """The listed live objects named (or under `prefix`), and the names not found."""
    live = {i.name: i for i in listing if not i.deleted}
    if prefix is not None:
        found = [live[n] for n in sorted(live) if n.startswith(prefix)]
        return found, []
    picked: list[ObjectInfo] = []
    missing: list[str] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        info = live.get(name)
        if info is None:
            missing.append(name)
        else:
            picked.append(info)
    return picked, missing


async def delete_infos(
    conn: Connection,
    bucket: str,
    infos: Sequence[ObjectInfo],
    *,
    window: int = DEFAULT_WINDOW,
    progress: ProgressCallback | None = None,
    results: DeleteResults | None = None,
) -> DeleteResults:
    """Delete the listed objects; one result per info, in the order given.

    Raises CancelledError after a cancel, once the objects already started are finished:
    a caller that passed `results` (a new `DeleteResults(infos)`) reads there what was done.
    """
    wire.validate_bucket(bucket)
    total = len(infos)
    if results is None:
        results = DeleteResults(infos)
    elif len(results) != total or results.done:
        raise ValueError("results must be a new DeleteResults of the same infos")
    todo = iter(range(total))
    state: dict[str, str | None] = {"fatal": None}  # why no new object may start

    def finish(i: int, result: DeleteResult) -> None:
        results.record(i, result)
        if progress:
            progress(results.progress())

    async def worker() -> None:
        for i in todo:
            if state["fatal"] is not None:
                return
            result, fatal = await _delete_one(conn, bucket, infos[i])
            finish(i, result)
            if fatal and state["fatal"] is None:
                state["fatal"] = result.message

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, min(window, total)))]
    try:
        if workers:
            await asyncio.wait(workers)
    except asyncio.CancelledError:
        state["fatal"] = "the delete was stopped"
        gathered = asyncio.gather(*workers, return_exceptions=True)
        while not gathered.done():
            # A repeated cancel must not end the delete before started objects are finished.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(gathered)
        raise
    for w in workers:
        w.result()  # a bug in a worker (not a server error) must not pass silently
    for i in results.missing():
        reason = f"{NOT_ATTEMPTED} after an earlier failure: {state['fatal']}"
        finish(i, DeleteResult(infos[i].name, Outcome.FAILED, reason))
    return results


# Why an object was kept: another client wrote (or edited) it after it was listed.
CHANGED = "it was changed by another client after it was listed"


async def _delete_one(conn: Connection, bucket: str, info: ObjectInfo) -> tuple[DeleteResult, bool]:
    """Tombstone, then purge, as `ObjectStore.delete`; True when the whole run must stop.

    Only the version that was listed is deleted: the tombstone is published with the
    listed revision as the expected last sequence of its subject, so a version another
    client wrote since (and its chunks) stays. An info without a revision is read again.
    """
    name = info.name
    if info.deleted:
        return DeleteResult(name, Outcome.NOT_FOUND, "it is already deleted"), False
    subject = ""
    try:
        subject = meta_io.meta_subject_of(replace(info, bucket=bucket))
        expected: int | None = info.revision
        if not expected:
            # Unknown revision: the newest from the stream leader must still be this
            # version (the same chunks); its sequence then guards the tombstone.
            current = await meta_io.read_meta(conn, bucket, subject, direct=False)
            if current is None or current.deleted:
                return DeleteResult(name, Outcome.NOT_FOUND, "it is already deleted"), False
            if current.nuid != info.nuid:
                return DeleteResult(name, Outcome.KEPT, CHANGED), False
            info, expected = current, current.revision or None
        await _publish_tombstone(conn, bucket, info, subject, expected)
    except E.ConcurrentUpdateError:
        return await _lost_race(conn, bucket, name, subject), False
    except E.ObjectStoreError as exc:
        return DeleteResult(name, Outcome.FAILED, str(exc)), isinstance(exc, _FATAL)
    # Links own no chunks; a damaged info's nuid is not ours to trust (it may be a wildcard).
    nuid = meta_io.replaced_chunks(info)
    if nuid is None:
        note = "" if info.link is not None else f"its data was kept: it is damaged ({info.damaged})"
        return DeleteResult(name, Outcome.DELETED, note), False
    try:
        await meta_io.purge_chunks(conn, bucket, nuid)
    except E.ObjectStoreError as exc:
        text = f"its tombstone is written but its data was not purged ({exc}): natsobj gc can"
        text += " remove it later"
        return DeleteResult(name, Outcome.FAILED, text), isinstance(exc, _FATAL)
    return DeleteResult(name, Outcome.DELETED, freed=info.size), False


async def _publish_tombstone(
    conn: Connection, bucket: str, info: ObjectInfo, subject: str, expected: int | None
) -> None:
    """Publish the info's tombstone, pipelined; ConcurrentUpdateError if not `expected`."""
    # As ObjectStore.delete: where the info was found; a damaged one gets a sound tombstone.
    tomb = tombstone(replace(info, bucket=bucket))
    data = meta_io.encode_meta(conn, tomb)
    try:
        fut = await conn.js.publish_async(subject, data, headers=meta_io.meta_headers(expected))
        await conn.guarded(asyncio.wait_for(fut, ACK_TIMEOUT), subject)
    except Exception as exc:
        if getattr(exc, "err_code", None) == meta_io.ERR_WRONG_LAST_SEQUENCE:
            raise E.ConcurrentUpdateError(CHANGED) from exc
        raise conn.translate(exc, bucket=bucket, subject=subject) from exc


async def _lost_race(conn: Connection, bucket: str, name: str, subject: str) -> DeleteResult:
    """The result for an object another client wrote after the listing: kept, or gone."""
    try:
        current = await meta_io.read_meta(conn, bucket, subject, direct=False)
    except E.ObjectStoreError:
        current = None  # we cannot tell more; what we know for sure is that it changed
    else:
        if current is None or current.deleted:
            text = "it was deleted by another client after it was listed"
            return DeleteResult(name, Outcome.NOT_FOUND, text)
    return DeleteResult(name, Outcome.KEPT, CHANGED)
