"""Progress, cancellation and failures of put and get: nothing half-done is left behind."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from natsobj_gui.core import BucketConfig, Client, ObjectStore, Progress
from natsobj_gui.core.errors import (
    BucketFullError,
    BucketNotFoundError,
    DigestMismatchError,
    MissingChunksError,
    ObjectStoreError,
    SizeMismatchError,
)
from natsobj_gui.core.partial import partial_paths

from .raw import chunk_subj, chunk_subjects, publish_chunks, stream

MB = 1024 * 1024


def _check_progress(events: list[Progress], chunks: int, size: int) -> None:
    assert len(events) == chunks
    assert [p.chunks_done for p in events] == list(range(1, chunks + 1))
    done = [p.bytes_done for p in events]
    assert done == sorted(done) and len(set(done)) == len(done)
    assert events[-1] == Progress(chunks, chunks, size, size)
    assert all(p.bytes_done <= p.bytes_total for p in events)


class _Started:
    """A progress callback that records events and tells when `after` of them arrived."""

    def __init__(self, after: int = 1) -> None:
        self.events: list[Progress] = []
        self._after = after
        self._started = asyncio.Event()

    def __call__(self, p: Progress) -> None:
        self.events.append(p)
        if len(self.events) >= self._after:
            self._started.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self._started.wait(), 30)


async def test_progress_put_and_get(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(5500)
    events: list[Progress] = []
    await store.put("p", data, chunk_size=1000, progress=events.append)
    _check_progress(events, 6, 5500)
    assert all(p.chunks_total == 6 and p.bytes_total == 5500 for p in events)
    events.clear()
    await store.get("p", None, progress=events.append)
    _check_progress(events, 6, 5500)
    events.clear()
    await store.get_file("p", tmp_path / "p", progress=events.append)
    _check_progress(events, 6, 5500)


async def test_progress_unknown_size_source(store: ObjectStore) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield b"x" * 500

    events: list[Progress] = []
    await store.put("p", parts(), chunk_size=1000, progress=events.append)
    _check_progress(events, 6, 5500)


async def _old_version(store: ObjectStore) -> tuple[bytes, str]:
    old = os.urandom(10_000)
    info = await store.put("obj", old)
    return old, info.nuid


async def _assert_old_intact(store: ObjectStore, client: Client, old: bytes, nuid: str) -> None:
    subjects = await chunk_subjects(client, store.bucket)
    assert subjects == {chunk_subj(store.bucket, nuid): 1}
    assert (await store.info("obj")).nuid == nuid
    assert await store.get_bytes("obj") == old


async def test_cancel_mid_put(store: ObjectStore, client: Client) -> None:
    old, nuid = await _old_version(store)
    progress = _Started(after=3)
    task = asyncio.ensure_future(store.put("obj", os.urandom(40 * MB), progress=progress))
    await progress.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert progress.events[-1].bytes_done < 40 * MB
    await _assert_old_intact(store, client, old, nuid)
    # Nothing of the cancelled put trickles in later either.
    await asyncio.sleep(0.5)
    await _assert_old_intact(store, client, old, nuid)


async def test_failed_put_leaves_no_chunks(client: Client, bucket_name: str) -> None:
    store = await client.create_bucket(BucketConfig(bucket_name, max_bytes=2 * MB))
    try:
        old, nuid = await _old_version(store)
        with pytest.raises(BucketFullError):
            await asyncio.wait_for(store.put("obj", os.urandom(5 * MB)), 30)
        await _assert_old_intact(store, client, old, nuid)
    finally:
        await client.buckets.delete(bucket_name)


async def test_cancel_mid_get_to_file(store: ObjectStore, tmp_path: Path) -> None:
    await store.put("big", os.urandom(40 * MB))
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"keep me")
    progress = _Started(after=2)
    task = asyncio.ensure_future(store.get_file("big", dest, progress=progress))
    await progress.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert dest.read_bytes() == b"keep me"
    # Beside it only the partial, kept for the next get to continue.
    kept = [p.name for p in partial_paths(dest)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dest.bin", *kept])
    # The connection is still good for the next transfer.
    await store.put("small", b"s")
    assert await store.get_bytes("small") == b"s"


async def _two_chunk_object(store: ObjectStore) -> str:
    info = await store.put("obj", os.urandom(2000), chunk_size=1000)
    return info.nuid


async def _get_fails_keeping_dest(
    store: ObjectStore, tmp_path: Path, error: type[Exception]
) -> None:
    """get_file of "obj" fails with `error`, leaving an existing destination and no temp file."""
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"keep me")
    with pytest.raises(error):
        await store.get_file("obj", dest)
    assert dest.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest.bin"]


async def test_digest_mismatch_leaves_dest(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    nuid = await _two_chunk_object(store)
    await client.buckets.purge_subject(store.bucket, chunk_subj(store.bucket, nuid))
    await publish_chunks(client, store.bucket, nuid, [os.urandom(1000), os.urandom(1000)])
    await _get_fails_keeping_dest(store, tmp_path, DigestMismatchError)
    with pytest.raises(DigestMismatchError):
        await store.verify("obj")


async def test_extra_chunk_is_size_mismatch(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    nuid = await _two_chunk_object(store)
    await publish_chunks(client, store.bucket, nuid, [b"extra"])
    await _get_fails_keeping_dest(store, tmp_path, SizeMismatchError)


async def test_missing_chunks_do_not_hang(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    nuid = await _two_chunk_object(store)
    await client.buckets.purge_subject(store.bucket, chunk_subj(store.bucket, nuid))
    with pytest.raises(MissingChunksError):
        await asyncio.wait_for(store.get_bytes("obj", idle_timeout=2), 15)
    with pytest.raises(MissingChunksError):
        await asyncio.wait_for(store.get_file("obj", tmp_path / "x", idle_timeout=2), 15)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("which", ["first", "middle", "last"])
async def test_one_missing_chunk(store: ObjectStore, client: Client, which: str) -> None:
    info = await store.put("obj", os.urandom(3000), chunk_size=1000)
    # A fresh bucket: the three chunks are stream messages 1, 2 and 3.
    seq = {"first": 1, "middle": 2, "last": 3}[which]
    msg = await client.conn.jsm.get_msg(stream(store.bucket), seq=seq)
    assert msg.subject == chunk_subj(store.bucket, info.nuid)
    await client.conn.jsm.delete_msg(stream(store.bucket), seq)
    with pytest.raises(MissingChunksError):
        await asyncio.wait_for(store.get_bytes("obj", idle_timeout=2), 15)


async def test_bucket_deleted_mid_get(client: Client, bucket_name: str, tmp_path: Path) -> None:
    store = await client.create_bucket(bucket_name)
    await store.put("big", os.urandom(20 * MB))
    progress = _Started()
    dest = tmp_path / "dest.bin"
    task = asyncio.ensure_future(store.get_file("big", dest, progress=progress))
    await progress.wait()
    await client.buckets.delete(bucket_name)
    try:
        await asyncio.wait_for(task, 30)
    except BucketNotFoundError:
        pass  # the expected ending, once the consumer's heartbeats lapse
    except MissingChunksError:
        pass  # also fine: the chunks stopped coming
    else:
        # The whole object may have been buffered before the delete landed.
        assert dest.stat().st_size == 20 * MB
        return
    assert not dest.exists() and list(tmp_path.iterdir()) == []


async def test_repeated_cancel_still_rolls_back_before_ending(
    store: ObjectStore, client: Client
) -> None:
    # A UI may cancel again (every progress tick, or a second click) while the put cleans up:
    # the put must not end until its chunks are purged.
    old, nuid = await _old_version(store)
    holder: list[asyncio.Future] = []

    def progress(p: Progress) -> None:
        if p.chunks_done >= 2:
            holder[0].cancel()

    holder.append(asyncio.ensure_future(store.put("obj", os.urandom(40 * MB), progress=progress)))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(holder[0], 30)
    await _assert_old_intact(store, client, old, nuid)


async def test_chunks_purged_mid_get_time_out(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    info = await store.put("big", os.urandom(40 * MB))
    progress = _Started()
    dest = tmp_path / "dest.bin"
    task = asyncio.ensure_future(store.get_file("big", dest, progress=progress, idle_timeout=2))
    await progress.wait()
    await client.buckets.purge_subject(store.bucket, chunk_subj(store.bucket, info.nuid))
    try:
        await asyncio.wait_for(task, 30)
    except MissingChunksError as exc:
        assert "incomplete" in str(exc)
    else:  # everything was already on its way before the purge
        assert dest.stat().st_size == 40 * MB
        return
    assert list(tmp_path.iterdir()) == []


async def test_concurrent_transfers(store: ObjectStore, client: Client) -> None:
    # Several puts and gets at once on one connection: no chunk goes to the wrong one.
    blobs = {f"c{i}": os.urandom(3 * MB + i * 1000) for i in range(6)}
    infos = await asyncio.gather(*(store.put(n, d) for n, d in blobs.items()))
    assert [i.size for i in infos] == [len(d) for d in blobs.values()]
    got = await asyncio.gather(*(store.get_bytes(n) for n in blobs), store.list())
    assert got[:-1] == list(blobs.values())
    assert sorted(o.name for o in got[-1]) == sorted(blobs)
    # Reads while the same objects are being replaced see one whole version or the other.
    new = {n: os.urandom(len(d)) for n, d in blobs.items()}
    results = await asyncio.gather(
        *(store.put(n, d) for n, d in new.items()),
        *(store.get_bytes(n) for n in blobs),
        return_exceptions=True,
    )
    for name, result in zip(blobs, results[len(new) :], strict=True):
        if isinstance(result, BaseException):
            # The old chunks were purged under the read: a typed error, never junk.
            assert isinstance(result, ObjectStoreError), repr(result)
        else:
            assert result in (blobs[name], new[name])
    for name, data in new.items():
        assert await store.get_bytes(name) == data
    assert len(await chunk_subjects(client, store.bucket)) == len(new)


async def test_failing_source_rolls_back(store: ObjectStore, client: Client) -> None:
    old, nuid = await _old_version(store)

    async def parts() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield os.urandom(131072)
        raise OSError("disk read error")

    with pytest.raises(OSError, match="disk read error"):
        await store.put("obj", parts())
    await _assert_old_intact(store, client, old, nuid)
