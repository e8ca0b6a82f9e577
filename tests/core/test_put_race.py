"""Processes racing to put one name leave exactly one version's chunks behind."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from natsobj_gui.core import Client, ObjectInfo, ObjectMeta, ObjectStore, transfer, wire
from natsobj_gui.core import errors as E
from natsobj_gui.core.server import LocalServer

from .raw import chunk_subjects

ROUNDS = 5
WRITERS = 3
SIZE = 2 * 1024 * 1024
INTERVAL = 1.5  # seconds between rounds; every writer starts a round at the same instant

# One writer: connect once, then at each round's instant put fresh random bytes.
WRITER = """
import asyncio, os, sys, time
from natsobj_gui.core import Client

async def main(url, bucket, name, t0, rounds, interval, size):
    client = await Client.connect(url)
    try:
        store = client.store(bucket)
        for r in range(rounds):
            data = os.urandom(size)
            await asyncio.sleep(max(0.0, t0 + r * interval - time.time()))
            await store.put(name, data)
    finally:
        await client.close()

url, bucket, name, t0, rounds, interval, size = sys.argv[1:]
asyncio.run(main(url, bucket, name, float(t0), int(rounds), float(interval), int(size)))
"""


async def test_racing_writers_leave_only_the_current_chunks(
    nats_server: LocalServer, store: ObjectStore, client: Client
) -> None:
    await store.put("contested", b"first version")
    t0 = time.time() + 3.0  # room for every interpreter to start and connect
    args = [nats_server.url, store.bucket, "contested", str(t0), str(ROUNDS), str(INTERVAL)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, *args, str(SIZE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(WRITERS)
    ]
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=60 + ROUNDS * INTERVAL)
            assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    info = await store.info("contested")
    assert info.size == SIZE and info.chunks == SIZE // (128 * 1024)
    # Exactly the current version's chunks: every replaced one was purged by its replacer.
    counts = await chunk_subjects(client, store.bucket)
    assert counts == {wire.chunk_subject(store.bucket, info.nuid): info.chunks}
    await store.verify("contested")


async def test_put_over_a_stale_read_purges_the_version_published_meanwhile(
    store: ObjectStore, client: Client
) -> None:
    # The race made deterministic: our put read v1, another writer then replaced it by v2.
    await store.put("a", b"1" * 300_000)
    stale = await store.info("a")
    v2 = await store.put("a", b"2" * 300_000)
    ours = await transfer.put(client.conn, store.bucket, ObjectMeta("a"), b"3", old=stale)
    assert ours.nuid != v2.nuid and (await store.info("a")).nuid == ours.nuid
    counts = await chunk_subjects(client, store.bucket)
    assert counts == {wire.chunk_subject(store.bucket, ours.nuid): 1}
    assert await store.get_bytes("a") == b"3"


async def test_delete_over_a_stale_read_deletes_and_purges_the_newer_version(
    store: ObjectStore, client: Client, monkeypatch
) -> None:
    await store.put("a", b"1" * 300_000)
    stale = await store.info("a")
    await store.put("a", b"2" * 300_000)  # another writer, between the delete's read and write

    async def stale_info(name: str, **kw) -> ObjectInfo:
        return stale

    monkeypatch.setattr(store, "info", stale_info)
    tomb = await store.delete("a")
    monkeypatch.undo()
    assert tomb.deleted and (await store.info("a", show_deleted=True)).deleted
    assert await chunk_subjects(client, store.bucket) == {}


async def test_meta_edits_over_a_stale_read_never_clobber_the_newer_version(
    store: ObjectStore, client: Client, monkeypatch
) -> None:
    await store.put("a", b"1")
    stale = await store.info("a")
    v2 = await store.put("a", b"22")
    real_info = store.info

    async def info(name: str, **kw) -> ObjectInfo:
        return stale if name == "a" else await real_info(name, **kw)

    monkeypatch.setattr(store, "info", info)
    with pytest.raises(E.ConcurrentUpdateError, match="nothing was changed"):
        await store.update_meta("a", ObjectMeta("a", "edited"))
    with pytest.raises(E.ConcurrentUpdateError, match="not renamed"):
        await store.update_meta("a", ObjectMeta("b"))
    monkeypatch.undo()
    current = await store.info("a")
    assert current.nuid == v2.nuid and current.description == ""
    assert await store.get_bytes("a") == b"22"
    with pytest.raises(E.ObjectNotFoundError):
        await store.info("b")
