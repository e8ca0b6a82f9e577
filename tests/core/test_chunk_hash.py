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


@pytest.mark.parametrize("block", [None, 0, 100_000])
async def test_digest_of_chunks_handed_to_the_thread_is_the_plain_sha256(
    block: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 10_000)
    chunks = [os.urandom(n) for n in SIZES]
    h = ChunkHash(block=block, ahead=2)
    for data in chunks:
        h.update(data)
    assert h.thread is not None and h.thread.is_alive()  # past THREAD_AFTER: threaded
    assert (await h.finish()).hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()
    h.close()
    h.thread.join(5)
    assert not h.thread.is_alive()


def test_hexdigest_midway_covers_exactly_the_chunks_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """A download's checkpoint records the hash of the bytes written so far."""
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 0)
    h = ChunkHash(block=300_000)
    seen = b""
    for n in SIZES[:12]:
        data = os.urandom(n)
        h.update(data)
        seen += data
        assert h.hexdigest() == hashlib.sha256(seen).hexdigest()
    h.close()


def test_small_transfer_hashes_inline_without_a_thread() -> None:
    h = ChunkHash()
    h.update(os.urandom(100_000))
    assert h.thread is None
    assert h.hexdigest() == h.sha.hexdigest()


def test_close_drops_what_is_queued_and_ends_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunk_hash, "THREAD_AFTER", 0)
    h = ChunkHash(block=0, ahead=64)
    for _ in range(40):
        h.update(os.urandom(200_000))
    h.close()
    assert h.thread is not None
    h.thread.join(5)
    assert not h.thread.is_alive()


def _hash_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "natsobj-hash" and t.is_alive()]


async def test_big_put_and_gets_leave_no_hashing_thread(store: ObjectStore, tmp_path) -> None:
    """Past THREAD_AFTER a put and a get hash on a thread; each ends with its transfer,
    whether it succeeded or failed."""
    data = os.urandom(chunk_hash.THREAD_AFTER + 3 * 1024 * 1024)
    before = set(_hash_threads())
    info = await store.put("big", data, chunk_size=128 * 1024)
    assert (
        info.digest == "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    )
    assert (await store.verify("big")).size == len(data)
    dest = await store.get_file("big", tmp_path / "big.bin")
    assert dest.read_bytes() == data

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
