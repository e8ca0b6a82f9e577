"""The queue's Retry, and a new download of the same object to the same place, resume."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.transfers import Transfer, TransferQueue, TransferState

from .test_resume_download import CHUNK, DATA, Delivered


async def _cancel_at(q: TransferQueue, t: Transfer, fraction: float) -> int:
    """Cancel `t` once `fraction` of it arrived; the bytes its partial kept."""
    while t.progress.bytes_done < fraction * len(DATA):
        assert t.state is not TransferState.DONE, "finished before it could be cancelled"
        await asyncio.sleep(0.001)
    q.cancel(t.id)
    await asyncio.wait_for(q.wait_idle(), 30)
    assert t.state is TransferState.CANCELLED
    return json.loads(partial_paths(t.local_path)[1].read_text())["bytes"]


async def test_retry_and_a_new_download_continue_the_partial(
    client: Client, store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.put("big", DATA, chunk_size=CHUNK)
    dest = tmp_path / "out" / "big.bin"
    q = TransferQueue(client)
    t = q.download(store.bucket, "big", dest, size=len(DATA))
    kept = await _cancel_at(q, t, 0.6)
    assert kept > 0.5 * len(DATA) and not dest.exists()

    delivered = Delivered(monkeypatch)
    assert q.retry(t.id)
    await asyncio.wait_for(q.wait_idle(), 30)
    assert t.state is TransferState.DONE, t.error
    assert dest.read_bytes() == DATA
    assert t.note.startswith("resuming 'big': "), t.note
    assert 0 <= delivered.bytes - (len(DATA) - kept) < 0.05 * kept

    dest.unlink()
    again = q.download(store.bucket, "big", dest, size=len(DATA))
    kept = await _cancel_at(q, again, 0.6)
    delivered.bytes = 0
    third = q.download(store.bucket, "big", dest, size=len(DATA))
    await asyncio.wait_for(q.wait_idle(), 30)
    assert third.state is TransferState.DONE, third.error
    assert dest.read_bytes() == DATA and third.note.startswith("resuming")
    assert 0 <= delivered.bytes - (len(DATA) - kept) < 0.05 * kept
    assert [p.name for p in dest.parent.iterdir()] == ["big.bin"]
