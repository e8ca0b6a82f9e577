"""A cancel that lands once a transfer's work is done (a download's rename, a put's info)
is honoured after it, and says what was done: the queue shows done, a sync counts it."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.download import TEMP_GLOB, SavedBeforeCancel
from natsobj_gui.core.sync import Direction, SyncRecord, plan_sync, run_sync
from natsobj_gui.core.transfers import TransferQueue, TransferState

from .test_put_cancel_meta import _hold_meta_publish


def _slow_rename_onto(monkeypatch: pytest.MonkeyPatch, dest: Path) -> threading.Event:
    """Make the rename onto `dest` take 0.5 s (in its thread); the event says it began."""
    real, began = os.replace, threading.Event()

    def replace(src, dst, *args, **kw):
        if Path(dst) == dest:
            began.set()
            time.sleep(0.5)
        return real(src, dst, *args, **kw)

    monkeypatch.setattr(os, "replace", replace)
    return began


async def _wait_for(event: threading.Event) -> None:
    deadline = time.monotonic() + 30
    while not event.is_set():
        assert time.monotonic() < deadline, "the rename never began"
        await asyncio.sleep(0.01)


async def test_a_get_cancelled_during_its_rename_says_the_file_is_saved(
    store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(300_000)
    await store.put("obj", data)
    dest = tmp_path / "obj.bin"
    began = _slow_rename_onto(monkeypatch, dest)
    task = asyncio.ensure_future(store.get_file("obj", dest))
    await _wait_for(began)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as stop:
        await asyncio.wait_for(task, 30)
    assert isinstance(stop.value, SavedBeforeCancel) and stop.value.dest == dest
    assert dest.read_bytes() == data
    assert not list(tmp_path.glob(TEMP_GLOB)) and sorted(tmp_path.iterdir()) == [dest]


async def test_the_queue_shows_done_for_a_download_cancelled_during_its_rename(
    client: Client, store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = await store.put("obj", os.urandom(300_000))
    q = TransferQueue(client)
    t = q.download_to(store.bucket, info, tmp_path)
    began = _slow_rename_onto(monkeypatch, t.local_path)
    await _wait_for(began)
    q.cancel(t.id)
    await asyncio.wait_for(q.wait_idle(), 30)
    assert t.state is TransferState.DONE, t.error
    assert t.progress.bytes_done == t.progress.bytes_total == info.size
    assert t.local_path.stat().st_size == info.size


async def test_the_queue_shows_done_for_an_upload_stored_before_its_cancel(
    client: Client, store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(300_000))
    reached, release = _hold_meta_publish(client, monkeypatch, after=True)
    q = TransferQueue(client)
    t = q.upload(store.bucket, src, "obj")
    await asyncio.wait_for(reached.wait(), 30)
    q.cancel(t.id)
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.wait_for(q.wait_idle(), 30)
    monkeypatch.undo()
    info = await store.info("obj")
    assert t.state is TransferState.DONE, t.error
    assert t.result.nuid == info.nuid
    assert t.progress.chunks_done == t.progress.chunks_total == info.chunks


async def test_a_sync_stopped_during_a_rename_counts_that_file(
    store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        await store.put(name, os.urandom(50_000))
    out = tmp_path / "out"
    plan = await plan_sync(store, out, "", Direction.DOWNLOAD)
    out.mkdir()
    began = _slow_rename_onto(monkeypatch, out / "b")
    record = SyncRecord(plan)
    task = asyncio.ensure_future(run_sync(store, plan, concurrency=1, record=record))
    await _wait_for(began)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    # "a" was done before; "b" was being renamed when the stop came; "c" never started.
    assert [i.rel for i in record.done] == ["a", "b"]
    assert sorted(p.name for p in out.iterdir()) == ["a", "b"]
