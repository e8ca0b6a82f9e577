"""One bucket's objects: info, list, watch, put, get, delete, metadata, links."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

import nats.errors

from . import download, meta_io, transfer, wire
from . import errors as E
from .connection import ERR_STREAM_NOT_FOUND, Connection
from .jsraw import Deliver, JsMsg, OrderedConsumer
from .meta_io import read_meta
from .sources import PutSource
from .types import ObjectInfo, ObjectLink, ObjectMeta
from .watcher import Watcher

log = logging.getLogger(__name__)
LIST_IDLE_TIMEOUT = 10.0


def tombstone(info: ObjectInfo) -> ObjectInfo:
    """The deleted version of an info: no content, nuid, description and metadata kept."""
    tomb = replace(info, deleted=True, size=0, chunks=0, digest="")
    if info.damaged:
        # Nothing of a damaged info is vouched for: a fresh nuid (no chunks, never a
        # wildcard) and no link make the tombstone itself sound.
        tomb = replace(tomb, nuid=meta_io.new_nuid(), link=None, damaged="")
    return tomb


class ObjectStore:
    """A bucket's objects, over one connection."""

    def __init__(self, conn: Connection, bucket: str) -> None:
        self.conn = conn
        self.bucket = wire.validate_bucket(bucket)

    async def info(self, name: str, *, show_deleted: bool = False) -> ObjectInfo:
        """The object's info (damaged ones too); deleted objects are not found unless asked."""
        info = await self._read(name)
        if info is None or (info.deleted and not show_deleted):
            if info is None:
                await self._check_bucket()
            raise E.ObjectNotFoundError(self.bucket, name)
        return info

    async def _read(self, name: str) -> ObjectInfo | None:
        """The info under the name's subject, or under the one nats.js writes for it."""
        for subject in (
            wire.meta_subject(self.bucket, name),
            wire.latin1_meta_subject(self.bucket, name),
        ):
            info = await read_meta(self.conn, self.bucket, subject) if subject else None
            # A subject can hold another name's info: nats.js's Latin-1 bytes of "Ã©" are
            # our UTF-8 bytes of "é". Only the info of this very name is its info.
            if info is not None and info.name == name:
                return info
        return None

    async def _check_bucket(self) -> None:
        try:
            await self.conn.api(f"STREAM.INFO.{wire.stream_name(self.bucket)}", bucket=self.bucket)
        except E.BucketNotFoundError:
            raise
        except E.ObjectStoreError as exc:
            if getattr(exc.__cause__, "err_code", None) == ERR_STREAM_NOT_FOUND:
                raise E.BucketNotFoundError(self.bucket) from None
            raise

    async def _old(self, name: str) -> ObjectInfo | None:
        try:
            return await self.info(name, show_deleted=True)
        except E.ObjectNotFoundError:
            return None

    async def put(
        self,
        meta: ObjectMeta | str,
        source: PutSource,
        *,
        chunk_size: int | None = None,
        progress: transfer.ProgressCallback | None = None,
        window: int = transfer.DEFAULT_WINDOW,
        slots: asyncio.Semaphore | None = None,
    ) -> ObjectInfo:
        """Upload a new version of an object from a file path, bytes, reader or stream.

        Puts running at once may share `slots`: at most that many chunks in flight in all.
        """
        if isinstance(meta, str):
            meta = ObjectMeta(meta)
        wire.meta_subject(self.bucket, meta.name)
        # A name with one subject is not looked up: a new object's info is published
        # expecting none there, and a refusal tells the put what it replaces (a round trip
        # only a replacement pays). nats.js may keep another name's info elsewhere.
        old = None
        if not self.conn.nc.is_connected:
            # Chunks published now would wait in nats-py's buffer for acks that cannot come
            # (a lookup used to fail here): fail at once, before anything is sent.
            raise E.NotConnectedError()
        if wire.latin1_meta_subject(self.bucket, meta.name) is not None:
            old = await self._old(meta.name)
        return await transfer.put(
            self.conn,
            self.bucket,
            meta,
            source,
            old=old,
            chunk_size=chunk_size,
            progress=progress,
            window=window,
            slots=slots,
        )

    async def resolve(self, name: str) -> ObjectInfo:
        """The info whose chunks hold this object's bytes, following one object link."""
        info = await self.info(name)
        if info.damaged:
            raise E.DamagedObjectError(self.bucket, name, info.damaged, "it cannot be read")
        if info.link is None:
            return info
        if info.link.is_bucket_link:
            raise E.LinkError(f"{name!r} links to bucket {info.link.bucket!r}: it has no content")
        target = await ObjectStore(self.conn, info.link.bucket).info(info.link.name or "")
        if target.damaged:
            raise E.DamagedObjectError(
                target.bucket, target.name, target.damaged, f"the link {name!r} cannot be read"
            )
        if target.link is not None:
            raise E.LinkError(f"{name!r} links to another link, which cannot be followed")
        return target

    async def get(
        self,
        name: str,
        out: BinaryIO | None = None,
        *,
        progress: transfer.ProgressCallback | None = None,
        idle_timeout: float = download.DEFAULT_IDLE_TIMEOUT,
    ) -> ObjectInfo:
        """Stream an object into a writable binary object (or nowhere, to verify it).

        `out.write` may get a view of the socket's read buffer, valid only during the call:
        file objects and BytesIO copy what they are given, a writer that keeps it must copy.
        """
        info = await self.resolve(name)
        try:
            await download.read_chunks(
                self.conn, info, out, progress=progress, idle_timeout=idle_timeout
            )
        except nats.errors.Error as exc:  # e.g. the bucket was deleted mid-download
            raise self.conn.translate(exc, bucket=info.bucket) from exc
        return info

    async def get_bytes(self, name: str, **kw) -> bytes:
        """The whole object in memory; prefer get_file for large objects."""
        import io

        buf = io.BytesIO()
        await self.get(name, buf, **kw)
        return buf.getvalue()

    async def get_file(
        self,
        name: str,
        dest: str | os.PathLike[str],
        *,
        progress: transfer.ProgressCallback | None = None,
        idle_timeout: float = download.DEFAULT_IDLE_TIMEOUT,
        resume: bool = True,
        note: download.NoteCallback | None = None,
    ) -> Path:
        """Download to `dest` through a verified part file; `dest` is untouched on error.

        An interrupted download to the same `dest` is continued unless `resume` is False.
        """
        info = await self.resolve(name)
        try:
            return await download.get_to_file(
                self.conn,
                info,
                dest,
                progress=progress,
                idle_timeout=idle_timeout,
                resume=resume,
                note=note,
            )
        except nats.errors.Error as exc:  # e.g. the bucket was deleted mid-download
            raise self.conn.translate(exc, bucket=info.bucket) from exc

    async def verify(self, name: str, **kw) -> ObjectInfo:
        """Re-read the object and check its size and digest."""
        return await self.get(name, None, **kw)

    async def delete(self, name: str) -> ObjectInfo:
        """Leave a tombstone (keeping nuid, description, headers, metadata), purge chunks.

        The tombstone goes where the info was found; a damaged info's chunks are never
        purged (its nuid may be a wildcard, or another object's).
        """
        info = await self.info(name)

        def make(current: ObjectInfo | None) -> ObjectInfo:
            if current is None or current.deleted:
                raise E.ObjectNotFoundError(self.bucket, name)  # deleted meanwhile
            return tombstone(current)

        # Another writer may publish between our read and our tombstone: then it is their
        # version that gets deleted, and its chunks purged, never left behind.
        subject = meta_io.meta_subject_of(info)
        tomb, replaced = await meta_io.replace_meta(self.conn, self.bucket, subject, info, make)
        stale = meta_io.replaced_chunks(replaced)
        if stale is not None:
            await meta_io.purge_chunks(self.conn, self.bucket, stale)
        return tomb

    async def update_meta(self, name: str, meta: ObjectMeta) -> ObjectInfo:
        """Change name, description, headers or metadata; a rename never overwrites."""
        info = await self.info(name)
        if info.damaged:
            raise E.DamagedObjectError(
                self.bucket, name, info.damaged, "delete it or replace it with a new upload"
            )
        renamed = meta.name != name
        # An edit goes where the info was found; a rename to the new name's subject.
        subject, expected = info.subject, info.revision
        if renamed:
            wire.meta_subject(self.bucket, meta.name)
            existing = await self._old(meta.name)
            if existing is not None and not existing.deleted:
                raise E.ObjectExistsError(f"an object named {meta.name!r} already exists")
            subject = existing.subject if existing is not None else ""
            expected = existing.revision if existing is not None else 0
            # The new name gets a copy of what we read: it must still be the current one.
            found = meta_io.meta_subject_of(info)
            now = await read_meta(self.conn, self.bucket, found, direct=False)
            if now is None or (info.revision and now.revision != info.revision):
                raise E.ConcurrentUpdateError(
                    f"object {name!r} was changed by another client meanwhile; it was not "
                    "renamed: try again"
                )
        new = replace(
            info,
            name=meta.name,
            description=meta.description,
            headers=meta.headers,
            metadata=meta.metadata,
            subject=subject,
        )
        try:
            await meta_io.publish_meta(self.conn, new, expected=expected)
        except E.ConcurrentUpdateError:
            raise E.ConcurrentUpdateError(
                f"object {meta.name if renamed else name!r} was changed by another client "
                "meanwhile; nothing was changed: try again"
            ) from None
        if renamed:
            # Only up to the version we renamed: one another client wrote since stays.
            purge: dict = {"filter": meta_io.meta_subject_of(info)}
            if info.revision:
                purge["seq"] = info.revision + 1
            await self.conn.api(
                f"STREAM.PURGE.{wire.stream_name(self.bucket)}", purge, bucket=self.bucket
            )
        return await self.info(meta.name)

    async def _link(self, name: str, link: ObjectLink) -> ObjectInfo:
        existing = await self._old(name)
        if existing is not None and existing.damaged:
            raise E.DamagedObjectError(
                self.bucket, name, existing.damaged, "delete it before linking under its name"
            )
        if existing is not None and not existing.deleted and existing.link is None:
            raise E.ObjectExistsError(f"{name!r} is an object: a link cannot replace it")
        info = ObjectInfo(
            name=name,
            bucket=self.bucket,
            nuid=meta_io.new_nuid(),
            link=link,
            subject=existing.subject if existing is not None else "",
        )
        expected = existing.revision if existing is not None else 0
        try:
            await meta_io.publish_meta(self.conn, info, expected=expected)
        except E.ConcurrentUpdateError:
            raise E.ConcurrentUpdateError(
                f"{name!r} was changed by another client meanwhile; no link was made: try again"
            ) from None
        return await self.info(name)

    async def add_link(self, name: str, target: ObjectInfo) -> ObjectInfo:
        """Create (or replace) a link named `name` to another object."""
        if target.deleted:
            raise E.LinkError("cannot link to a deleted object")
        if target.link is not None:
            raise E.LinkError("cannot link to another link")
        return await self._link(name, ObjectLink(target.bucket, target.name))

    async def add_bucket_link(self, name: str, bucket: str) -> ObjectInfo:
        """Create (or replace) a link named `name` to a whole bucket."""
        wire.validate_bucket(bucket)
        return await self._link(name, ObjectLink(bucket, None))

    async def list(self, *, show_deleted: bool = False) -> list[ObjectInfo]:
        """Every object's latest info in stream order; empty for an empty bucket."""
        out: list[ObjectInfo] = []
        bucket = self.bucket
        append, decode, stamp = out.append, wire.decode_entry, wire.timestamp_from_nanos

        def on_msg(msg: JsMsg) -> bool:
            # This runs once per object of the bucket. Damaged entries are listed too. The
            # revision lets a bulk delete tombstone only the version that was listed.
            info = decode(msg.data, stamp(msg.timestamp_ns), msg.subject, bucket, msg.stream_seq)
            if show_deleted or not info.deleted:
                append(info)
            return msg.pending == 0

        await self._scan_meta(on_msg)
        return out

    async def list_json(self, *, show_deleted: bool = False) -> list[dict[str, Any]]:
        """What list() returns, each info as wire.info_json gives it, in stream order.

        Plain infos (nearly all) go from the wire to their row without an ObjectInfo.
        """
        out: list[dict[str, Any]] = []
        bucket = self.bucket
        append, row_of = out.append, wire.listing_row

        def on_msg(msg: JsMsg) -> bool:
            row = row_of(msg.data, msg.timestamp_ns, msg.subject, bucket, show_deleted)
            if row is not None:
                append(row)
            return msg.pending == 0

        await self._scan_meta(on_msg)
        return out

    async def _scan_meta(self, on_msg: Callable[[JsMsg], bool]) -> None:
        """Feed the latest meta message of every subject to `on_msg` until the last one."""
        bucket = self.bucket
        consumer = OrderedConsumer(
            self.conn.nc,
            self.conn.jsm,
            wire.stream_name(bucket),
            wire.meta_filter(bucket),
            on_msg,
            deliver=Deliver.LAST_PER_SUBJECT,
            idle_timeout=LIST_IDLE_TIMEOUT,
        )
        # Building 100,000 infos triggers the cyclic GC hundreds of times for nothing:
        # they hold no cycles. Pause it for the listing (about a tenth of its time).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            await consumer.run_pending()
        except OrderedConsumer.IdleTimeout:
            # The messages still counted as pending were purged while we read (a delete or
            # rename elsewhere): nothing more will come, so what we have is the listing.
            pass
        except Exception as exc:
            raise self.conn.translate(exc, bucket=bucket) from exc
        finally:
            if gc_was_enabled:
                gc.enable()

    def watch(
        self,
        *,
        include_history: bool = False,
        updates_only: bool = False,
        ignore_deletes: bool = False,
    ) -> Watcher:
        """Changes to the bucket: the initial set, INITIAL_DONE, then live puts and deletes."""
        deliver = Deliver.ALL if include_history else Deliver.LAST_PER_SUBJECT
        if updates_only:
            deliver = Deliver.NEW
        return Watcher(self, deliver, ignore_deletes)
