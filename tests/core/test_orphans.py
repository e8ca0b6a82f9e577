"""Orphaned chunk sets against a real server: raw writers, killed puts, races, big buckets."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core import orphans as O
from natsobj_gui.core.jsraw import _router
from natsobj_gui.core.server import LocalServer

from .raw import chunk_subj, chunk_subjects, eventually, publish_chunks, publish_meta


def _info(bucket: str, name: str, nuid: str, size: int, chunks: int, **extra) -> dict:
    """An info as another client writes it."""
    return {
        "name": name,
        "bucket": bucket,
        "nuid": nuid,
        "size": size,
        "mtime": "0001-01-01T00:00:00Z",
        "chunks": chunks,
        **extra,
    }


async def _orphan_scanned(client: Client, b: str, nuid: str, chunks: list[bytes]) -> O.OrphanReport:
    """`chunks` stored under `nuid` with no info (as a put cut short leaves them), then a
    scan that counts no grace."""
    await publish_chunks(client, b, nuid, chunks)
    return await O.scan(client.conn, b, grace=0)


async def test_raw_chunks_without_info_are_found_measured_and_purged(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    kept = await store.put("keep", os.urandom(5000), chunk_size=1024)
    report = await _orphan_scanned(client, b, "RAWORPHAN1", [b"a" * 100, b"b" * 200, b"c" * 300])
    assert [o.nuid for o in report.orphans] == ["RAWORPHAN1"]
    orphan = report.orphans[0]
    assert (orphan.chunks, orphan.size, orphan.status) == (3, 600, "orphan")
    assert orphan.purgeable and orphan.newest is not None
    assert 0 <= orphan.age(report.scanned_at) < 60
    assert (report.size, report.chunks, report.chunk_sets, report.metas) == (600, 3, 2, 1)

    result = await O.clean(client.conn, report)
    assert [o.nuid for o in result.purged] == ["RAWORPHAN1"]
    assert (result.chunks, result.size) == (3, 600)
    counts = await chunk_subjects(client, b)
    assert counts == {chunk_subj(b, kept.nuid): 5}
    assert (await O.scan(client.conn, b, grace=0)).orphans == ()
    assert await store.get_bytes("keep")  # still complete and verified


async def test_grace_keeps_recent_sets_as_uploads_in_progress(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    await publish_chunks(client, b, "YOUNG", [b"x" * 10])
    report = await O.scan(client.conn, b)  # default grace: one hour
    (orphan,) = report.orphans
    assert orphan.recent and not orphan.purgeable and orphan.status == "recent"
    assert "upload in progress" in orphan.describe()
    result = await O.clean(client.conn, report)
    assert result.purged == () and [o.nuid for o, _ in result.skipped] == ["YOUNG"]
    assert await chunk_subjects(client, b) == {chunk_subj(b, "YOUNG"): 1}

    await asyncio.sleep(0.3)
    report = await O.scan(client.conn, b, grace=0.2)  # now older than the grace
    assert report.orphans[0].purgeable
    await O.clean(client.conn, report)
    assert await chunk_subjects(client, b) == {}


async def test_killed_put_leaves_orphans_that_are_found_and_cleaned(
    client: Client, store: ObjectStore, nats_server: LocalServer
) -> None:
    b = store.bucket
    put = ["put", b, "-", "--name", "big", "--chunk-size", "4096"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "natsobj_gui.cli", "-s", nats_server.url, *put],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(os.urandom(64 * 1024))
        proc.stdin.flush()

        async def some_chunks() -> bool:
            return sum((await chunk_subjects(client, b)).values()) >= 8

        await eventually(some_chunks, timeout=30, what="the put's first chunks")
    finally:
        proc.send_signal(signal.SIGKILL)  # no cleanup can run: its chunks stay behind
        proc.wait(10)
    assert await store.list(show_deleted=True) == []

    report = await O.scan(client.conn, b)
    (orphan,) = report.orphans
    assert orphan.recent and orphan.chunks >= 8 and orphan.size == orphan.chunks * 4096
    report = await O.scan(client.conn, b, grace=0)
    result = await O.clean(client.conn, report)
    assert len(result.purged) == 1 and result.chunks == orphan.chunks
    assert await chunk_subjects(client, b) == {}


async def test_deleted_object_whose_chunks_a_buggy_writer_left(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    info = await store.put("gone", b"z" * 3000, chunk_size=1000)
    live = await store.put("live", b"y" * 10)
    # A tombstone without the purge that should follow it.
    await publish_meta(client, b, "gone", _info(b, "gone", info.nuid, 0, 0, deleted=True))

    report = await O.scan(client.conn, b, grace=0)
    (orphan,) = report.orphans
    assert (orphan.nuid, orphan.chunks, orphan.size) == (info.nuid, 3, 3000)
    assert orphan.deleted_name == "gone" and "gone" in orphan.describe()
    await O.clean(client.conn, report)
    assert await chunk_subjects(client, b) == {chunk_subj(b, live.nuid): 1}
    names = {i.name: i.deleted for i in await store.list(show_deleted=True)}
    assert names == {"gone": True, "live": False}  # the tombstone stays


async def test_referenced_chunks_links_and_tombstones_are_untouched(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    a = await store.put("a", b"a" * 2500, chunk_size=1000)
    await store.add_link("to-a", a)
    await store.add_bucket_link("to-bucket", b)
    await store.put("b", b"b" * 10)
    await store.delete("b")  # a proper delete: tombstone, no chunks
    await store.put("c", b"")  # an empty object: no chunk at all
    # Other writers' infos that still name chunks: never call those chunks orphans.
    await publish_chunks(client, b, "ODDSIZE", [b"o" * 5])
    await publish_meta(client, b, "odd", _info(b, "odd", "ODDSIZE", -7, -1))
    await publish_chunks(client, b, "INBROKENJSON", [b"j" * 5])
    await publish_meta(client, b, "broken", b'{"name": "broken", "nuid": "INBROKENJSON", ')
    await publish_chunks(client, b, "NOTDELETED", [b"n" * 5])
    await publish_meta(client, b, "nd", _info(b, "nd", "NOTDELETED", 5, 1, deleted="yes"))
    before = await chunk_subjects(client, b)

    report = await O.scan(client.conn, b, grace=0)
    assert report.orphans == ()
    assert report.chunk_sets == 4 and report.metas == 8
    assert (await O.clean(client.conn, report)).purged == ()
    assert await chunk_subjects(client, b) == before
    assert before[chunk_subj(b, a.nuid)] == 3


async def test_a_subject_that_is_not_a_plain_token_is_reported_never_purged(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    live = await store.put("live", b"l" * 10)
    await publish_chunks(client, b, "plain", [b"p" * 4])
    # The server stores these literally; as a purge filter `>` or `*` would take every chunk.
    unsafe = {"plain.more": b"m" * 8, "ünïcode": b"u" * 16, ">": b"g", "*": b"s", "a\x85b": b"c"}
    for nuid, data in unsafe.items():
        await publish_chunks(client, b, nuid, [data])
    report = await O.scan(client.conn, b, grace=0)
    by_nuid = {o.nuid: o for o in report.orphans}
    assert set(by_nuid) == {"plain", *unsafe}
    for bad in unsafe:
        assert by_nuid[bad].status == "unsafe" and by_nuid[bad].size is None
        assert not by_nuid[bad].purgeable and "never purged" in by_nuid[bad].describe()
    assert by_nuid["plain"].size == 4

    result = await O.clean(client.conn, report)
    assert [o.nuid for o in result.purged] == ["plain"] and result.chunks == 1
    assert {o.nuid for o, _ in result.skipped} == set(unsafe)
    left = {chunk_subj(b, n): 1 for n in unsafe} | {chunk_subj(b, live.nuid): 1}
    assert await chunk_subjects(client, b) == left
    assert await store.get_bytes("live") == b"l" * 10


async def test_a_put_completing_after_the_scan_is_not_purged(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    report = await _orphan_scanned(client, b, "LATEPUT", [b"l" * 50, b"l" * 50])
    assert [o.nuid for o in report.orphans] == ["LATEPUT"]
    # Its info lands between the scan and the cleanup, as a slow put's would.
    await publish_meta(client, b, "late", _info(b, "late", "LATEPUT", 100, 2))
    result = await O.clean(client.conn, report)
    assert result.purged == ()
    assert result.skipped[0][1] == "an object refers to it now: kept"
    assert await chunk_subjects(client, b) == {chunk_subj(b, "LATEPUT"): 2}


async def test_a_put_completing_during_the_scan_is_referenced(
    client: Client, store: ObjectStore, monkeypatch
) -> None:
    b = store.bucket
    await publish_chunks(client, b, "MIDPUT", [b"m" * 30])  # a put's chunks, its info not yet
    counts = O.chunk_counts

    async def then_the_put_completes(conn, bucket):
        found = await counts(conn, bucket)
        await publish_meta(client, b, "mid", _info(b, "mid", "MIDPUT", 30, 1))
        return found

    # Its info lands right after the chunk subjects were read: had the metas been read
    # first, its chunks would look orphaned (and grace 0 would let them be purged).
    monkeypatch.setattr(O, "chunk_counts", then_the_put_completes)
    report = await O.scan(client.conn, b, grace=0)
    assert report.orphans == () and report.chunk_sets == 1 and report.metas == 1


async def test_a_purge_never_removes_chunks_stored_after_the_scan(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    report = await _orphan_scanned(client, b, "RESUMED", [b"r" * 10, b"r" * 10])
    await publish_chunks(client, b, "RESUMED", [b"r" * 10])
    result = await O.clean(client.conn, report)
    assert result.chunks == 2
    assert await chunk_subjects(client, b) == {chunk_subj(b, "RESUMED"): 1}


async def test_missing_bucket_is_a_clear_error(client: Client) -> None:
    from natsobj_gui.core import errors as E

    try:
        await O.scan(client.conn, "no_such_bucket_for_gc")
    except E.BucketNotFoundError as exc:
        assert "no_such_bucket_for_gc" in str(exc)
    else:
        raise AssertionError("a missing bucket must fail")


async def test_large_bucket_is_scanned_without_reading_payloads(
    store: ObjectStore, nats_server: LocalServer
) -> None:
    b = store.bucket
    objects, size = 2000, 4096
    writer = store.conn
    sem = asyncio.Semaphore(32)

    async def put(i: int) -> None:
        async with sem:
            await store.put(f"obj/{i:05d}", os.urandom(size))

    await asyncio.gather(*(put(i) for i in range(objects)))
    big = 512 * 1024  # the orphans' own payloads (3 MiB) must not be read either
    for n in range(3):
        for _ in range(2):
            await writer.js.publish(chunk_subj(b, f"ORPHAN{n}"), os.urandom(big))

    # A connection of its own, counting every byte the socket hands to the parser.
    reader = await Client.connect(nats_server.url)
    try:
        assert _router(reader.conn.nc) is not None
        ps = reader.conn.nc._ps
        parse, received = ps.parse, [0]

        async def counting(data: bytes = b"") -> None:
            received[0] += len(data)
            await parse(data)

        ps.parse = counting
        report = await O.scan(reader.conn, b, grace=0)
    finally:
        await reader.close()
    assert sorted(o.nuid for o in report.orphans) == ["ORPHAN0", "ORPHAN1", "ORPHAN2"]
    assert all(o.size == 2 * big and o.chunks == 2 for o in report.orphans)
    assert report.chunk_sets == objects + 3 and report.metas == objects
    # The metas (~550 bytes each as delivered) and the subject counts: about 1.1 MiB,
    # where the objects' chunks are 8 MiB and the orphans' alone 3 MiB.
    assert received[0] < 2 * 1024 * 1024, received[0]


async def test_chunk_subjects_are_read_past_the_servers_page_of_100000(
    client: Client, store: ObjectStore
) -> None:
    b = store.bucket
    nc = client.conn.nc
    total = 100_050
    for i in range(total):  # core publishes: the stream stores them, no ack round trips
        await nc.publish(chunk_subj(b, f"S{i:06d}"), b"")
    await nc.flush()

    async def stored() -> bool:
        info = await client.conn.api(f"STREAM.INFO.OBJ_{b}")
        return info["state"]["messages"] == total

    await eventually(stored, timeout=60, what="every chunk stored")
    counts = await O.chunk_counts(client.conn, b)
    assert len(counts) == total and counts["S000000"] == 1 and counts[f"S{total - 1:06d}"] == 1
