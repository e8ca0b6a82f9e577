"""The saved transfer queue: unfinished transfers come back paused; a resumed upload restarts."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.queue_file import load_queue, save_queue
from natsobj_gui.core.transfers import TransferQueue, TransferState


async def test_unfinished_transfers_come_back_paused_and_finished_ones_do_not(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(b"first")
    await store.put("done", b"x")
    q = TransferQueue(client, limit=1)
    done = q.download(store.bucket, "done", tmp_path / "done")
    await q.wait_idle()
    assert done.state is TransferState.DONE
    path = tmp_path / "state" / "transfers.json"
    up = q.upload(store.bucket, src, "a.txt")  # running (not yet finished) when saved
    save_queue(path, q.transfers())
    await q.wait_idle()
    assert json.loads(path.read_text())["transfers"][0]["name"] == "a.txt"

    [back] = load_queue(path)
    assert back.state is TransferState.PAUSED and back.is_upload
    assert (back.bucket, back.name, back.local_path) == (up.bucket, "a.txt", src)
    save_queue(path, [done])  # nothing unfinished: no file
    assert not path.exists() and load_queue(path) == []
    path.parent.mkdir(exist_ok=True)
    path.write_text("{broken")
    assert load_queue(path) == []


async def test_a_resumed_upload_restarts_and_says_when_its_file_changed(
    client: Client, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(b"first version")
    same = tmp_path / "b.txt"
    same.write_bytes(b"unchanged")
    q = TransferQueue(None)  # type: ignore[arg-type]
    q.upload(store.bucket, src, "a.txt")
    q.upload(store.bucket, same, "b.txt")
    path = tmp_path / "transfers.json"
    save_queue(path, q.transfers())
    await q.close()

    src.write_bytes(b"second, longer version")
    os.utime(src, ns=(1, 1))
    q2 = TransferQueue(client)
    a, b = (q2.restore(t) for t in load_queue(path))
    assert q2.resume_paused() == 2
    await asyncio.wait_for(q2.wait_idle(), 30)
    assert a.state is TransferState.DONE and b.state is TransferState.DONE, (a.error, b.error)
    assert a.note == f"{src} changed since this upload was interrupted: uploading it anew"
    assert b.note == ""
    assert await store.get_bytes("a.txt") == b"second, longer version"
    assert await store.get_bytes("b.txt") == b"unchanged"
