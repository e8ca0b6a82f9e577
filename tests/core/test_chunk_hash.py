"""ChunkHash: the plain SHA-256 of the chunks in order, hashed while the put waits, with
memory bounded; and puts whose chunks end at the edges of that bound or of a chunk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectStore, ack_window, chunk_hash, transfer
from natsobj_gui.core import errors as E
from natsobj_gui.core.chunk_hash import ChunkHash

from .raw import chunk_subjects, digest_of, stream

SIZES = (3000, 5000, 7000, 128 * 1024, 1, 50_000) * 8


def test_queued_and_pumped_chunks_hash_as_the_plain_sha256() -> None:
    """Whatever mix of updates, pumps and overflow past AHEAD: the chunks in order."""
    rng = random.Random(7)
    chunks = [os.urandom(n) for n in SIZES]
    h = ChunkHash()
    for data in chunks:
        h.update(data)
        while rng.random() < 0.3 and h.pump():
            pass
    assert h.finish().hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()
    assert not h.pump()  # nothing left queued


def test_at_most_ahead_chunks_wait_for_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays flat: one past AHEAD queued chunks, they are all hashed, in order; a
    pump hashes what is queued."""
    monkeypatch.setattr(chunk_hash, "AHEAD", 4)
    seen: list[bytes] = []

    class Recording:
        def update(self, data: bytes) -> None:
            seen.append(data)

    h = ChunkHash(Recording())
    for i in range(12):
        h.update(b"%d" % i)
        assert len(h._later) <= 4
    # The fifth and the tenth chunk queued had the queue hashed: 10 and 11 wait.
    assert seen == [b"%d" % i for i in range(10)]
    assert h.pump() and not h.pump()
    assert seen == [b"%d" % i for i in range(12)]
    h.update(b"12")
    h.finish()
    assert seen == [b"%d" % i for i in range(13)]


def test_close_drops_what_is_queued_and_later_chunks() -> None:
    h = ChunkHash()
    for _ in range(40):
        h.update(os.urandom(2000))
    h.close()
    h.update(b"after close")  # ignored
    assert not h.pump()
    assert h.sha.hexdigest() != hashlib.sha256(b"after close").hexdigest()


@pytest.mark.parametrize("window", [1, 3, 64])
async def test_put_digests_at_chunk_and_queue_edges(
    store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Files ending one byte before, at and after a chunk edge, with more chunks than AHEAD
    (hashed while waiting and by overflow): the stored digest is the plain SHA-256."""
    monkeypatch.setattr(chunk_hash, "AHEAD", 5)
    chunk = 1000
    for size in (11 * chunk - 1, 11 * chunk, 11 * chunk + 1, 5 * chunk, 6 * chunk):
        data = os.urandom(size)
        path = tmp_path / f"f{size}"
        path.write_bytes(data)
        info = await store.put(f"o{size}", path, chunk_size=chunk, window=window)
        assert info.digest == digest_of(data)
        assert info.chunks == -(-size // chunk)
        assert await store.get_bytes(f"o{size}") == data


async def test_a_put_never_acknowledged_times_out_and_leaves_no_chunks(
    client: Client, store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream that stores without acknowledging: the window's timer still ends the wait
    (no ack ever wakes it), and the rollback purges what was stored."""
    monkeypatch.setattr(ack_window, "ACK_TIMEOUT", 1.0)
    monkeypatch.setattr(transfer, "ACK_TIMEOUT", 1.0)
    config = (await client.conn.api(f"STREAM.INFO.{stream(store.bucket)}", {}))["config"]
    await client.conn.api(f"STREAM.UPDATE.{stream(store.bucket)}", {**config, "no_ack": True})

    async def parts() -> AsyncIterator[bytes]:  # a stream: not resumed after the timeout
        for _ in range(20):
            yield os.urandom(1000)

    with pytest.raises(E.ServerTimeoutError):
        await asyncio.wait_for(store.put("obj", parts(), chunk_size=1000), 15)
    assert await chunk_subjects(client, store.bucket) == {}


async def test_a_file_put_cancelled_midway_leaves_no_chunks(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    """Cancelled while chunks wait for their hash and their acks: the rollback still
    purges every chunk sent, and nothing trickles in after."""
    path = tmp_path / "big"
    path.write_bytes(os.urandom(24 * 1024 * 1024))
    started = asyncio.Event()

    def progress(p: object) -> None:
        started.set()

    task = asyncio.ensure_future(store.put("big", path, progress=progress))
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await chunk_subjects(client, store.bucket) == {}
    await asyncio.sleep(0.5)
    assert await chunk_subjects(client, store.bucket) == {}
    assert [o.name for o in await store.list()] == []
