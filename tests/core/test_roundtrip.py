"""Put/get round trips of every size and source kind, names, and user metadata."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from natsobj_gui.core import (
    DEFAULT_CHUNK_SIZE,
    BucketConfig,
    Client,
    ObjectMeta,
    ObjectStore,
    transfer,
)
from natsobj_gui.core.errors import InvalidNameError
from natsobj_gui.core.wire import digest_hex, meta_subject

from .raw import chunk_subjects, digest_of

CHUNK = DEFAULT_CHUNK_SIZE


def _data(n: int) -> bytes:
    # Non-repeating content, so a misplaced or duplicated chunk changes the digest.
    return os.urandom(n)


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK, 3 * 1024 * 1024 + 17], ids=lambda n: f"{n}B"
)
async def test_round_trip_sizes(store: ObjectStore, client: Client, size: int) -> None:
    data = _data(size)
    info = await store.put("obj", data)
    assert info.size == size
    assert info.chunks == -(-size // CHUNK)
    assert info.max_chunk_size == CHUNK
    assert info.digest == digest_of(data)
    assert info.modified is not None
    assert await store.get_bytes("obj") == data
    subjects = await chunk_subjects(client, store.bucket)
    # Exactly the object's chunks are stored, none for an empty object.
    assert subjects == ({f"$O.{store.bucket}.C.{info.nuid}": info.chunks} if size else {})


@pytest.mark.parametrize("chunk_size", [1, 1000, 65536, 300_000])
async def test_custom_chunk_size(store: ObjectStore, client: Client, chunk_size: int) -> None:
    size = 5 * chunk_size + 3 if chunk_size > 1 else 50
    data = _data(size)
    info = await store.put("c", data, chunk_size=chunk_size)
    assert info.max_chunk_size == chunk_size
    assert info.chunks == -(-size // chunk_size)
    assert (await chunk_subjects(client, store.bucket))[
        f"$O.{store.bucket}.C.{info.nuid}"
    ] == info.chunks
    assert await store.get_bytes("c") == data


async def test_chunk_size_clamped_to_max_payload(server_factory) -> None:
    server = server_factory("max_payload: 65536\n")
    async with await Client.connect(server.url) as c:
        assert c.conn.max_payload == 65536
        store = await c.create_bucket("clamp")
        data = _data(200_000)
        info = await store.put("big", _sync_parts(data, 4096), chunk_size=1024 * 1024)
        assert info.max_chunk_size == 65536
        assert info.chunks == 4
        assert await store.get_bytes("big") == data
        # The default chunk size (128 KiB) is above this server's limit too; bytes are
        # resumable, so each chunk leaves room for its message id header.
        info = await store.put("default", data)
        assert info.max_chunk_size == 65536 - transfer.MSG_ID_ROOM
        assert await store.get_bytes("default") == data


def _sync_parts(data: bytes, step: int) -> Iterator[bytes]:
    for i in range(0, len(data), step):
        yield data[i : i + step]


async def _async_parts(data: bytes) -> AsyncIterator[bytes]:
    # Odd, irregular part sizes (and an empty part) around the chunk boundary.
    sizes = [1, 7, 0, CHUNK - 9, CHUNK + 1, 3, 2 * CHUNK + 5, 999]
    pos = 0
    i = 0
    while pos < len(data):
        n = sizes[i % len(sizes)]
        yield data[pos : pos + n]
        pos += n
        i += 1


async def test_sources(store: ObjectStore, client: Client, tmp_path: Path) -> None:
    data = _data(5 * CHUNK + 123)
    path = tmp_path / "src.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        sources = {
            "path-str": str(path),
            "path": path,
            "bytes": data,
            "bytearray": bytearray(data),
            "memoryview": memoryview(data),
            "bytesio": io.BytesIO(data),
            "file": f,
            "sync-iter": _sync_parts(data, 10_000),
            "async-iter": _async_parts(data),
        }
        for name, source in sources.items():
            info = await store.put(name, source)
            assert info.size == len(data), name
            assert info.digest == digest_of(data), name
            # Every chunk but the last is full size, whatever the source's part sizes.
            assert info.chunks == 6, name
            assert await store.get_bytes(name) == data, name
    subjects = await chunk_subjects(client, store.bucket)
    assert sorted(subjects.values()) == [6] * len(sources)


async def test_file_source_from_current_position(store: ObjectStore, tmp_path: Path) -> None:
    data = _data(3000)
    f = io.BytesIO(data)
    f.seek(1000)
    info = await store.put("tail", f)
    assert info.size == 2000
    assert await store.get_bytes("tail") == data[1000:]


async def test_get_file(store: ObjectStore, tmp_path: Path) -> None:
    data = _data(2 * CHUNK + 5)
    await store.put("f", data)
    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old content")
    result = await store.get_file("f", dest)
    assert Path(result) == dest
    assert dest.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
    # An empty object makes an empty file.
    await store.put("empty", b"")
    await store.get_file("empty", tmp_path / "empty.bin")
    assert (tmp_path / "empty.bin").read_bytes() == b""


async def test_get_into_writer_and_verify(store: ObjectStore) -> None:
    data = _data(CHUNK + 1)
    await store.put("w", data)
    buf = io.BytesIO()
    info = await store.get("w", buf)
    assert buf.getvalue() == data and info.size == len(data)
    assert (await store.verify("w")).digest == digest_of(data)
    assert digest_hex(info.digest) == hashlib.sha256(data).hexdigest()


NAMES = [
    "plain",
    "dir/sub dir/file name.txt",
    '.*<>:"/\\|?&',
    "  leading and trailing spaces  ",
    "emoji 😀🚀 ünïcödé 日本語",
    "a.b.c",
    ">",
    "*",
    "x" * 1000,
    "control\tchars\nand\x00nul",
    'quote"back\\slash',
]


async def test_names(store: ObjectStore) -> None:
    for i, name in enumerate(NAMES):
        data = f"content {i}".encode()
        await store.put(name, data)
        assert (await store.info(name)).name == name
        assert await store.get_bytes(name) == data
    assert sorted(o.name for o in await store.list()) == sorted(NAMES)


async def test_too_long_and_empty_names_rejected_before_sending(
    store: ObjectStore, client: Client
) -> None:
    with pytest.raises(InvalidNameError, match="too long"):
        await store.put("n" * 4000, b"data")
    with pytest.raises(InvalidNameError):
        await store.put("é" * 2000, b"data")  # 4000 UTF-8 bytes
    with pytest.raises(InvalidNameError):
        await store.put("", b"data")
    with pytest.raises(InvalidNameError):
        await store.info("")
    # Nothing reached the stream, and the connection is still fine.
    status = await client.buckets.status(store.bucket)
    assert status.messages == 0
    await store.put("ok", b"1")


@pytest.mark.parametrize("bad", ["", "a.b", "a b", "a*", "a>", "ü", "a/b", "$O"])
async def test_invalid_bucket_names(client: Client, bad: str) -> None:
    with pytest.raises(InvalidNameError):
        client.store(bad)
    with pytest.raises(InvalidNameError):
        await client.buckets.create(BucketConfig(bad))
    with pytest.raises(InvalidNameError):
        await client.buckets.status(bad)


async def test_headers_description_metadata(store: ObjectStore) -> None:
    meta = ObjectMeta(
        "m",
        description="a description ✓",
        headers={"Content-Type": ["text/plain"], "X-Multi": ["a", "b"]},
        metadata={"owner": "me", "ünï": "✓"},
    )
    info = await store.put(meta, b"hello")
    for got in (info, await store.info("m"), (await store.list())[0]):
        assert got.description == meta.description
        assert got.headers == meta.headers
        assert got.metadata == meta.metadata
        assert got.meta == meta


def _longest_name(bucket: str) -> str:
    """The longest ASCII name the core accepts for this bucket."""
    lo, hi = 1, 10_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            meta_subject(bucket, "n" * mid)
            lo = mid
        except InvalidNameError:
            hi = mid - 1
    return "n" * lo


@pytest.mark.parametrize("long_bucket", [False, True])
async def test_longest_name_works(client: Client, bucket_name: str, long_bucket: bool) -> None:
    # A line over the server's 4 KiB control-line limit makes it close the connection
    # for good, so every accepted name must fit every request it goes into.
    bucket = (bucket_name + "_" * 240)[:240] if long_bucket else bucket_name
    store = await client.create_bucket(bucket)
    try:
        name = _longest_name(bucket)
        assert len(name) > 2000
        with pytest.raises(InvalidNameError):
            await store.put(name + "n", b"x")
        await asyncio.wait_for(store.put(name, b"abc"), 10)
        assert (await asyncio.wait_for(store.info(name), 10)).name == name
        assert await asyncio.wait_for(store.get_bytes(name), 10) == b"abc"
        assert [o.name for o in await asyncio.wait_for(store.list(), 10)] == [name]
        async with store.watch() as watcher:
            events = await asyncio.wait_for(watcher.next_batch(), 10)
        assert events[0].info is not None and events[0].info.name == name
        await asyncio.wait_for(store.add_link(name[:-1], await store.info(name)), 10)
        await asyncio.wait_for(store.delete(name), 10)
        assert client.conn.nc.is_connected
    finally:
        if client.conn.nc.is_connected:
            await client.buckets.delete(bucket)
