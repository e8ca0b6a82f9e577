"""ChunkHash: the same SHA-256 as hashing inline, on its thread or not, and no thread left."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
import time

import pytest

from natsobj_gui.core import ObjectStore, chunk_hash
from natsobj_gui.core.chunk_hash import ChunkHash

SIZES = (3000, 5000, 7000, 128 * 1024, 1, 50_000) * 8


async def test_digest_of_chunks_handed_to_the_thread_is_the_plain_sha256(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 10_000)
    monkeypatch.setattr(chunk_hash, "AHEAD", 2)
    chunks = [os.urandom(n) for n in SIZES]
    h = ChunkHash()
    for data in chunks:
        h.update(data)
    assert h.thread is not None and h.thread.is_alive()  # past THREAD_AFTER: threaded
    assert (await h.finish()).hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()
    h.close()
    h.thread.join(5)
    assert not h.thread.is_alive()


async def test_small_put_hashes_inline_without_a_thread() -> None:
    h = ChunkHash()
    data = os.urandom(100_000)
    h.update(data)
    assert h.thread is None
    assert (await h.finish()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_close_drops_what_is_queued_and_ends_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 0)
    h = ChunkHash()
    for _ in range(40):
        h.update(os.urandom(200_000))
    h.close()
    h.update(b"after close")  # ignored, never blocks
    assert h.thread is not None
    h.thread.join(5)
    assert not h.thread.is_alive()


def _hash_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "natsobj-hash" and t.is_alive()]


async def test_big_puts_leave_no_hashing_thread(store: ObjectStore) -> None:
    """Past THREAD_AFTER a put hashes on a thread, which ends with the put, whether it
    succeeded or failed; the digest is the plain SHA-256."""
    data = os.urandom(chunk_hash.THREAD_AFTER + 3 * 1024 * 1024)
    before = set(_hash_threads())
    info = await store.put("big", data, chunk_size=128 * 1024)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    assert info.digest == "SHA-256=" + digest
    assert await store.get_bytes("big") == data

    async def fail_midway():
        for i in range(60):
            if i == 50:
                raise RuntimeError("source failed")
            yield data[i * 128 * 1024 : (i + 1) * 128 * 1024]

    with pytest.raises(Exception, match="source failed"):
        await store.put("broken", fail_midway(), chunk_size=128 * 1024)
    deadline = time.monotonic() + 5
    while set(_hash_threads()) - before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not set(_hash_threads()) - before


def test_a_stalled_hash_thread_holds_the_feeder_at_ahead_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory stays flat: while the thread cannot hash, the feeder blocks once AHEAD chunks
    are queued or being hashed, and goes on as soon as the thread does."""
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 0)
    monkeypatch.setattr(chunk_hash, "AHEAD", 4)
    go = threading.Event()
    seen: list[bytes] = []

    class StalledSha:
        def update(self, data: bytes) -> None:
            go.wait(10)
            seen.append(data)

    h = ChunkHash(StalledSha())
    fed: list[int] = []

    def feed() -> None:
        for i in range(10):
            h.update(b"%d" % i)
            fed.append(i)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    time.sleep(0.3)
    assert len(fed) == 4 and feeder.is_alive()  # one in update, three queued: it waits
    go.set()
    feeder.join(5)
    assert len(fed) == 10 and not feeder.is_alive()
    asyncio.run(h.finish())
    assert seen == [b"%d" % i for i in range(10)]
    h.close()
