"""TransferQueue against the real server: progress, limit, cancel, retry, download paths."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.download import TEMP_GLOB
from natsobj_gui.core.transfers import (
    SMALL_PER_SLOT,
    Transfer,
    TransferKind,
    TransferQueue,
    TransferState,
)


async def test_upload_progress_and_download_round_trip(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    data = os.urandom(10_500)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    seen: list[tuple[TransferState, int, int]] = []
    q = TransferQueue(
        client,
        on_change=lambda t: seen.append((t.state, t.progress.chunks_done, t.progress.chunks_total)),
    )
    t = q.upload(store.bucket, src, "dir/file.bin", description="hello", chunk_size=1000)
    assert t.progress.chunks_total == 11  # the estimate shown before it starts
    await q.wait_idle()
    assert t.state is TransferState.DONE, t.error
    assert [c for s, c, _ in seen if s is TransferState.RUNNING][1:] == list(range(1, 12))
    assert seen[-1] == (TransferState.DONE, 11, 11)
    assert t.started and t.finished and t.finished >= t.started
    info = await store.info("dir/file.bin")
    assert info.description == "hello" and info.size == len(data)

    d = q.download_to(store.bucket, info, tmp_path / "out")
    assert d.local_path == tmp_path / "out" / "dir" / "file.bin"
    await q.wait_idle()
    assert d.state is TransferState.DONE, d.error
    assert d.local_path.read_bytes() == data
    assert d.progress.bytes_done == d.progress.bytes_total == len(data)
    assert not list((tmp_path / "out").rglob(TEMP_GLOB))


async def test_limit_and_folder_expansion(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for i in range(5):
        (folder / f"{i}.jpg").write_bytes(os.urandom(3000))
    (folder / "sub" / "x.jpg").write_bytes(b"x")
    max_running = 0

    def watch(_t: Transfer) -> None:
        nonlocal max_running
        max_running = max(max_running, len(q.running()))

    # No fast lane for small files here: every upload takes a whole slot.
    q = TransferQueue(client, limit=2, on_change=watch, small_size=0)
    ts = q.upload_paths(store.bucket, [folder], prefix="backup/", chunk_size=500)
    assert len(ts) == 6 and all(t.kind is TransferKind.UPLOAD for t in ts)
    await q.wait_idle()
    assert all(t.state is TransferState.DONE for t in ts), [t.error for t in ts]
    assert max_running == 2
    names = sorted(i.name for i in await store.list())
    assert names == sorted(
        [f"backup/photos/{i}.jpg" for i in range(5)] + ["backup/photos/sub/x.jpg"]
    )


async def test_small_uploads_share_a_slot_each_with_its_own_progress(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    data = {f"{i:02d}": os.urandom(2000 + i) for i in range(24)}
    for name, body in data.items():
        (folder / name).write_bytes(body)
    max_running = 0

    def watch(_t: Transfer) -> None:
        nonlocal max_running
        max_running = max(max_running, len(q.running()))

    q = TransferQueue(client, limit=1, on_change=watch)
    ts = q.upload_paths(store.bucket, [folder], chunk_size=1000)
    await asyncio.wait_for(q.wait_idle(), 60)
    assert all(t.state is TransferState.DONE for t in ts), [t.error for t in ts]
    assert 1 < max_running <= SMALL_PER_SLOT  # several at once, still bounded
    for t in ts:  # each row still tells its own story
        n = -(-t.size // 1000)
        assert (t.progress.chunks_done, t.progress.chunks_total) == (n, n)
        assert t.progress.bytes_done == t.size == len(data[t.name.rsplit("/", 1)[1]])
    for name, body in data.items():
        assert await store.get_bytes(f"drop/{name}") == body


async def test_cancel_queued_and_running_leaves_nothing(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(8 * 1024 * 1024))
    q = TransferQueue(client, limit=1)
    running = q.upload(store.bucket, big, "big", chunk_size=8192)
    queued = q.upload(store.bucket, big, "big2", chunk_size=8192)
    while running.progress.chunks_done < 3:
        await asyncio.sleep(0.005)
    q.cancel(queued.id)
    assert queued.state is TransferState.CANCELLED  # never started
    q.cancel(running.id)
    await q.wait_idle()
    assert running.state is TransferState.CANCELLED
    assert running.progress.chunks_done < running.progress.chunks_total
    assert await store.list() == []
    status = await client.buckets.status(store.bucket)
    assert status.messages == 0  # the partial upload's chunks were purged


async def test_retry_failed_and_clear_finished(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    missing = tmp_path / "later.txt"
    removed: list[list[Transfer]] = []
    q = TransferQueue(client)
    q.subscribe(on_removed=removed.append)
    t = q.upload(store.bucket, missing, "later.txt")
    await q.wait_idle()
    assert t.state is TransferState.FAILED
    assert "No such file" in t.error
    missing.write_bytes(b"now it exists")
    assert q.retry(t.id)
    assert not q.retry(t.id)  # only failed/cancelled can be retried
    await q.wait_idle()
    assert t.state is TransferState.DONE and t.error == ""
    assert await store.get_bytes("later.txt") == b"now it exists"

    bad = q.download(store.bucket, "nope", tmp_path / "nope")
    await q.wait_idle()
    assert bad.state is TransferState.FAILED and "not found" in bad.error
    assert not (tmp_path / "nope").exists() and not list(tmp_path.glob(TEMP_GLOB))
    assert q.retry_failed() == 1
    await q.wait_idle()
    gone = q.clear_finished()
    assert {x.id for x in gone} == {t.id, bad.id}
    assert q.transfers() == [] and removed == [gone]


async def test_speed_and_eta(client: Client, store: ObjectStore, tmp_path: Path) -> None:
    src = tmp_path / "s.bin"
    src.write_bytes(os.urandom(2 * 1024 * 1024))
    speeds: list[float] = []
    etas: list[float | None] = []
    q = TransferQueue(client)

    def on_change(t: Transfer) -> None:
        if t.state is TransferState.RUNNING and t.progress.bytes_done:
            speeds.append(t.speed)
            etas.append(t.eta)

    q.subscribe(on_change=on_change)
    t = q.upload(store.bucket, src, "s", chunk_size=16384)
    await q.wait_idle()
    assert t.state is TransferState.DONE
    assert speeds and speeds[-1] > 0
    assert all(e is None or e >= 0 for e in etas)
    assert t.eta is None  # not running any more
    await q.close()


async def test_no_client_fails_clearly(tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    q = TransferQueue(None)
    t = q.upload("b", src, "f")
    await q.wait_idle()
    assert t.state is TransferState.FAILED
    assert t.error == "not connected to a NATS server"


async def test_cancel_right_after_start_before_the_task_runs(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x" * 1000)
    q = TransferQueue(client, limit=1)
    a = q.upload(store.bucket, src, "a")
    b = q.upload(store.bucket, src, "b")
    assert a.state is TransferState.RUNNING  # its task exists but has not run a step yet
    q.cancel(a.id)
    await asyncio.wait_for(q.wait_idle(), 10)
    assert a.state is TransferState.CANCELLED and a.finished is not None
    assert b.state is TransferState.DONE  # the freed slot was used
    assert [i.name for i in await store.list()] == ["b"]
