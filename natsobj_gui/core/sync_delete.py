"""Delete a compare's extras from the bucket through the bulk delete (no Qt).

Each extra is deleted as the compare saw it: the bulk delete's tombstone expects the
listed revision, so a name another client wrote since the compare is kept, and said so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .bulk import DEFAULT_WINDOW, DeleteResults, Outcome, ProgressCallback, delete_infos
from .connection import Connection
from .formatting import count_text, human_size
from .sync_plan import SyncItem
from .types import ObjectInfo

# What an operator reads for an extra another client wrote after the compare.
KEPT = "it was changed by another client since the compare, so it was kept"
PREVIEW = 3  # names shown in a summary before "and N more"


@dataclass(frozen=True)
class ExtrasResult:
    """What became of each extra: deleted, kept (changed since), gone already, or failed."""

    deleted: tuple[SyncItem, ...] = ()
    kept: tuple[tuple[SyncItem, str], ...] = ()
    gone: tuple[SyncItem, ...] = ()  # another client deleted it since the compare
    failed: tuple[tuple[SyncItem, str], ...] = ()

    @property
    def freed(self) -> int:
        return sum(i.size for i in self.deleted)

    def summary(self, bucket: str) -> str:
        """Sentences for the user: the counts, and the names that are still there."""
        text = f"Deleted {count_text(len(self.deleted), 'object')} from {bucket}"
        text += f" ({human_size(self.freed)} freed)."
        if self.gone:
            text += f" {_names(self.gone)} had already been deleted by another client."
        if self.kept:
            text += f" Kept {_names(i for i, _ in self.kept)}: changed by another client"
            text += " since the compare."
        if self.failed:
            item, why = self.failed[0]
            text += f" Could not delete {_names(i for i, _ in self.failed)} ({item.rel}: {why})."
        return text


def _names(items: Iterable[SyncItem]) -> str:
    rels = [i.rel for i in items]
    shown = ", ".join(rels[:PREVIEW])
    return shown + (f" and {len(rels) - PREVIEW:,} more" if len(rels) > PREVIEW else "")


def extras_infos(items: Sequence[SyncItem]) -> list[ObjectInfo]:
    """The objects of the extras, in order: what the bulk delete is given."""
    infos: list[ObjectInfo] = []
    for item in items:
        if item.info is None:
            raise ValueError(f"{item.rel} has no object to delete")
        infos.append(item.info)
    return infos


async def delete_extras(
    conn: Connection,
    bucket: str,
    items: Sequence[SyncItem],
    *,
    window: int = DEFAULT_WINDOW,
    progress: ProgressCallback | None = None,
    results: DeleteResults | None = None,
) -> ExtrasResult:
    """Delete the extras' objects, pipelined, only in the revision the compare listed.

    Raises CancelledError after a cancel, once the objects already started are finished:
    a caller that passed `results` (a new `DeleteResults(extras_infos(items))`) reads
    there what was done.
    """
    # A caller's results were made from extras_infos(items) already.
    infos = results.infos if results is not None else extras_infos(items)
    results = await delete_infos(
        conn, bucket, infos, window=window, progress=progress, results=results
    )
    return extras_result(items, results)


def extras_result(items: Sequence[SyncItem], results: DeleteResults) -> ExtrasResult:
    """The extras' fates from the bulk delete's results; after a stop, of those finished."""
    untouched = set(results.missing())
    deleted: list[SyncItem] = []
    kept: list[tuple[SyncItem, str]] = []
    gone: list[SyncItem] = []
    failed: list[tuple[SyncItem, str]] = []
    for i, item in enumerate(items):
        if i in untouched:
            continue
        result = results[i]
        if result.outcome is Outcome.DELETED:
            deleted.append(item)
        elif result.outcome is Outcome.NOT_FOUND:
            gone.append(item)  # what the delete was for: the extra is not there any more
        elif result.outcome is Outcome.KEPT:
            kept.append((item, KEPT))
        else:
            failed.append((item, result.message))
    return ExtrasResult(tuple(deleted), tuple(kept), tuple(gone), tuple(failed))
