"""Bucket backup and restore through the server's snapshot API, against real servers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from natsobj_gui.core import BucketNotFoundError, Client, ObjectMeta, ObjectStore, ObjectStoreError
from natsobj_gui.core import backup as B
from natsobj_gui.core.partial import is_our_file
from natsobj_gui.core.server import LocalServer

CONTENTS = {
    "big.bin": os.urandom(700_000),  # several chunks and several snapshot chunks
    "dir/a.txt": b"alpha\n",
    "empty": b"",
    "ünï côdé ?*>": os.urandom(1000),
}


async def _fill(client: Client, store: ObjectStore) -> None:
    """Objects with description, headers and metadata, a link, a tombstone, a rename."""
    for name, data in CONTENTS.items():
        meta = ObjectMeta(name, f"about {name}", {"X-Kind": ["test", "two"]}, {"k": name})
        await store.put(meta, data, chunk_size=64 * 1024)
    await store.add_link("link-to-a", await store.info("dir/a.txt"))
    await store.put("gone", b"soon deleted")
    await store.delete("gone")
    await store.put("old-name", b"renamed")
    await store.update_meta("old-name", ObjectMeta("new-name", "renamed"))


def _fields(infos) -> list[tuple]:
    return sorted(
        (
            i.name,
            i.nuid,
            i.size,
            i.chunks,
            i.digest,
            i.description,
            i.headers,
            i.metadata,
            i.link,
            i.deleted,
            i.modified,
        )
        for i in infos
    )


async def _assert_same(store: ObjectStore, before: list) -> None:
    after = await store.list(show_deleted=True)
    assert _fields(after) == _fields(before)
    for name, data in CONTENTS.items():
        assert await store.get_bytes(name) == data  # our get checks size and digest
    assert await store.get_bytes("link-to-a") == CONTENTS["dir/a.txt"]
    assert await store.get_bytes("new-name") == b"renamed"
    assert (await store.info("gone", show_deleted=True)).deleted


async def test_backup_delete_restore_is_byte_exact(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    await _fill(client, store)
    before = await store.list(show_deleted=True)
    seen: list = []
    dest = tmp_path / "bucket.natsobj-backup"
    names: set[str] = set()

    def progress(p) -> None:
        seen.append(p)
        names.update(f.name for f in tmp_path.iterdir())

    result = await B.backup(client.conn, store.bucket, dest, progress=progress, chunk_size=4096)
    assert dest.is_file() and result.size == dest.stat().st_size
    # Written under a temporary name of ours (folder uploads and syncs skip it), then renamed.
    temps = names - {dest.name}
    assert len(temps) == 1 and is_our_file(temps.pop())
    assert result.messages == (await client.buckets.status(store.bucket)).messages
    assert len(seen) > 10 and seen[-1].done and seen[-1].bytes_done == result.snapshot_size
    assert [f.name for f in tmp_path.iterdir()] == [dest.name]
    assert hashlib.sha256(dest.read_bytes()[: -B.TRAILER_LEN]).hexdigest() == result.sha256
    header = await B.verify(dest)
    assert (header.bucket, header.snapshot_size) == (store.bucket, result.snapshot_size)

    await client.buckets.delete(store.bucket)
    assert not await client.buckets.exists(store.bucket)
    restored = await B.restore(client.conn, dest, progress=seen.append, chunk_size=8192)
    assert restored.name == store.bucket
    assert seen[-1].done
    await _assert_same(store, before)


async def test_restore_on_a_fresh_server(
    client: Client,
    store: ObjectStore,
    tmp_path: Path,
    server_factory: Callable[..., LocalServer],
) -> None:
    await _fill(client, store)
    before = await store.list(show_deleted=True)
    status = await client.buckets.status(store.bucket)
    dest = tmp_path / "b.bak"
    await B.backup(client.conn, store.bucket, dest)
    other = await Client.connect(server_factory().url)
    try:
        assert not await other.buckets.exists(store.bucket)
        restored = await B.restore(other.conn, dest)
        assert (restored.messages, restored.size) == (status.messages, status.size)
        await _assert_same(other.store(store.bucket), before)
        assert [b.name for b in await other.buckets.list()] == [store.bucket]
    finally:
        await other.close()


async def test_restore_refuses_an_existing_bucket(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    await store.put("x", b"original")
    dest = tmp_path / "b.bak"
    await B.backup(client.conn, store.bucket, dest)
    await store.put("x", b"changed since")
    with pytest.raises(ObjectStoreError, match="already exists"):
        await B.restore(client.conn, dest)
    assert await store.get_bytes("x") == b"changed since"


async def test_backup_refuses_to_overwrite_a_file_unless_asked(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    await store.put("x", b"1")
    dest = tmp_path / "b.bak"
    dest.write_bytes(b"precious")
    with pytest.raises(ObjectStoreError, match="already exists"):
        await B.backup(client.conn, store.bucket, dest)
    assert dest.read_bytes() == b"precious"
    await B.backup(client.conn, store.bucket, dest, overwrite=True)
    assert (await B.verify(dest)).bucket == store.bucket


async def test_backup_of_a_missing_bucket_writes_nothing(client: Client, tmp_path: Path) -> None:
    with pytest.raises(BucketNotFoundError):
        await B.backup(client.conn, "no_such_bucket_here", tmp_path / "x.bak")
    assert list(tmp_path.iterdir()) == []


async def _backup_then_delete(client: Client, store: ObjectStore, dest: Path) -> None:
    await store.put("big", os.urandom(400_000))
    await store.put("small", b"s")
    await B.backup(client.conn, store.bucket, dest)
    await client.buckets.delete(store.bucket)


@pytest.mark.parametrize("where", ["snapshot", "header", "trailer"])
async def test_a_flipped_byte_is_found_before_restoring(
    client: Client, store: ObjectStore, tmp_path: Path, where: str
) -> None:
    dest = tmp_path / "b.bak"
    await _backup_then_delete(client, store, dest)
    data = bytearray(dest.read_bytes())
    header = B.read_header(dest)
    pos = {
        "snapshot": header.snapshot_offset + header.snapshot_size // 2,
        "header": len(B.MAGIC) + 20,
        "trailer": len(data) - 10,
    }[where]
    data[pos] ^= 0x01
    dest.write_bytes(bytes(data))
    with pytest.raises(B.BackupFileError, match="corrupt"):
        await B.restore(client.conn, dest)
    assert not await client.buckets.exists(store.bucket)


@pytest.mark.parametrize("cut", [1, B.TRAILER_LEN, 5000])
async def test_a_truncated_file_is_refused(
    client: Client, store: ObjectStore, tmp_path: Path, cut: int
) -> None:
    dest = tmp_path / "b.bak"
    await _backup_then_delete(client, store, dest)
    data = dest.read_bytes()
    dest.write_bytes(data[:-cut])
    with pytest.raises(B.BackupFileError, match="truncated"):
        await B.restore(client.conn, dest)
    assert not await client.buckets.exists(store.bucket)


async def test_not_a_backup_file(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "x.bak"
    path.write_bytes(b"hello, world\n")
    with pytest.raises(B.BackupFileError, match="not a natsobj backup"):
        await B.restore(client.conn, path)


async def test_a_snapshot_the_server_rejects_leaves_no_bucket(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    """A file whose checksum is right but whose snapshot is garbage: the server refuses."""
    dest = tmp_path / "b.bak"
    await _backup_then_delete(client, store, dest)
    header = B.read_header(dest)
    data = dest.read_bytes()
    body = data[: header.snapshot_offset] + os.urandom(header.snapshot_size)
    dest.write_bytes(body + B._trailer(hashlib.sha256(body).hexdigest(), header.snapshot_size))
    with pytest.raises(ObjectStoreError) as err:
        await B.restore(client.conn, dest)
    assert "Traceback" not in str(err.value) and str(err.value)
    assert not await client.buckets.exists(store.bucket)


async def test_cancelled_backup_leaves_no_file(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    await store.put("big", os.urandom(400_000))
    dest = tmp_path / "b.bak"
    task: asyncio.Task | None = None

    def progress(p) -> None:
        if p.chunks_done == 3 and task is not None:
            task.cancel()

    task = asyncio.ensure_future(
        B.backup(client.conn, store.bucket, dest, progress=progress, chunk_size=4096)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []


async def test_cancelled_restore_leaves_no_bucket(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    dest = tmp_path / "b.bak"
    await _backup_then_delete(client, store, dest)
    task: asyncio.Task | None = None

    def progress(p) -> None:
        if p.chunks_done == 3 and task is not None:
            task.cancel()

    task = asyncio.ensure_future(B.restore(client.conn, dest, progress=progress, chunk_size=4096))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await client.buckets.exists(store.bucket)
    # The file is intact: a later restore works.
    await B.restore(client.conn, dest)
    assert await store.get_bytes("small") == b"s"


def test_header_is_one_json_line(tmp_path: Path) -> None:
    """The envelope stays readable by other tools: magic line, JSON line, trailer."""
    body = B.MAGIC + json.dumps({"bucket": "b", "config": {}, "state": {}}).encode() + b"\n"
    snap = b"\x00snapshot\n"
    path = tmp_path / "x"
    whole = body + snap
    path.write_bytes(whole + B._trailer(hashlib.sha256(whole).hexdigest(), len(snap)))
    header = B.read_header(path)
    assert (header.bucket, header.snapshot_offset, header.snapshot_size) == ("b", len(body), 10)
