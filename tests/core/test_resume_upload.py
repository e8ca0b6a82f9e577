"""A put from a file or bytes carries on across a server crash, within the outage bound."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from nats.js.object_store import ObjectStore as NatsPyObjectStore

from natsobj_gui.core import Client, meta_io, orphans
from natsobj_gui.core import errors as E
from natsobj_gui.core.put_resume import chunk_index, clean_prefix, stored_chunks
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.transfers import TransferQueue, TransferState
from natsobj_gui.core.types import Progress

from .raw import chunk_subjects, unstored_chunks

RESUME_LOG = "natsobj_gui.core.put_resume"
OUTAGE = 6.0
CHUNK = 32 * 1024
COUNT = 300  # chunks: the kill lands mid-put


def _kill(server: LocalServer) -> None:
    """SIGKILL: no goodbye, and what the server acknowledged but had not written is lost."""
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()


def _start_after(server: LocalServer, delay: float) -> None:
    time.sleep(delay)
    server.start()


def _crash_at(
    server: LocalServer, chunks: int, down: float
) -> tuple[Callable[[Progress], None], list[asyncio.Future]]:
    """A progress callback that kills the server once `chunks` are acknowledged, and the
    list its restart (`down` seconds later) lands in: empty while it has not fired."""
    tasks: list[asyncio.Future] = []

    def progress(p: Progress) -> None:
        if p.chunks_done >= chunks and not tasks:
            _kill(server)
            tasks.append(asyncio.ensure_future(asyncio.to_thread(_start_after, server, down)))

    return progress, tasks


def _random_file(path: Path) -> bytes:
    """COUNT chunks of random bytes written to `path`: a file for a put to read."""
    data = os.urandom(CHUNK * COUNT)
    path.write_bytes(data)
    return data


def test_chunk_ids_and_the_clean_prefix() -> None:
    assert chunk_index("N1.7", "N1") == 7
    assert chunk_index("N1.7.2", "N1") == 7
    assert chunk_index("N2.7", "N1") is None and chunk_index("", "N1") is None
    # 0, 1 stored; 2 lost in the crash; 3 landed after the reconnect; 2 re-sent later.
    stored = [(10, "N.0"), (11, "N.1"), (14, "N.3"), (15, "N.2"), (16, "N.2.1"), (17, "N.3")]
    assert clean_prefix(stored, "N") == (4, [14, 16])


async def test_put_continues_after_the_server_is_killed_and_restarted(
    fresh_server: LocalServer, outage_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL mid-put, back within a second: the put completes byte-exact, no orphans."""
    caplog.set_level(logging.INFO, logger=RESUME_LOG)
    store = await outage_client.create_bucket("resume_put")
    old = await store.put("obj", b"previous version")
    data = os.urandom(CHUNK * COUNT - 123)
    progress, tasks = _crash_at(fresh_server, 40, 0.5)
    info = await asyncio.wait_for(
        store.put("obj", data, chunk_size=CHUNK, progress=progress), OUTAGE + 30
    )
    await tasks[0]
    assert "resuming" in caplog.text  # it was cut off, not done before the kill
    assert info.nuid != old.nuid and info.size == len(data) and info.chunks == COUNT
    assert await store.get_bytes("obj") == data
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert chunks == {f"$O.{store.bucket}.C.{info.nuid}": COUNT}
    report = await orphans.scan(outage_client.conn, store.bucket, grace=0)
    assert report.orphans == ()
    # Every chunk carries its message id, in order: what the final check relies on.
    stored = await stored_chunks(outage_client.conn, store.bucket, info.nuid)
    assert [chunk_index(i, info.nuid) for _, i in stored] == list(range(COUNT))


async def test_put_from_a_file_continues_and_other_clients_read_it(
    fresh_server: LocalServer, outage_client: Client, tmp_path: Path
) -> None:
    """A file source is read again from the first missing chunk; nats-py reads the result."""
    store = await outage_client.create_bucket("resume_file")
    path = tmp_path / "big.bin"
    data = _random_file(path)
    progress, tasks = _crash_at(fresh_server, 100, 1.0)
    info = await asyncio.wait_for(
        store.put("big", path, chunk_size=CHUNK, progress=progress), OUTAGE + 30
    )
    await tasks[0]
    assert info.size == len(data)
    # nats-py's own object store reads chunks carrying Nats-Msg-Id headers byte-exact.
    theirs = NatsPyObjectStore(store.bucket, f"OBJ_{store.bucket}", outage_client.conn.js)
    result = await theirs.get("big")
    assert result.data == data


async def test_chunks_lost_by_the_crash_are_sent_again_in_order(
    fresh_server: LocalServer, outage_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A chunk gone from the stream after the outage: it and everything after it are
    re-sent, the out-of-order ones deleted, so readers meet the chunks in order."""
    caplog.set_level(logging.INFO, logger=RESUME_LOG)
    store = await outage_client.create_bucket("resume_gap")
    data = os.urandom(CHUNK * COUNT)
    stream = f"OBJ_{store.bucket}"
    tasks: list[asyncio.Future] = []

    async def lose_one_then_crash() -> None:
        # As a server that acknowledged chunk 5 but never wrote it.
        msg = await outage_client.conn.jsm.get_msg(stream, 6)  # chunk 0 is the first message
        assert (msg.headers or {}).get("Nats-Msg-Id", "").endswith(".5")
        await outage_client.conn.jsm.delete_msg(stream, 6)
        _kill(fresh_server)
        await asyncio.to_thread(_start_after, fresh_server, 0.5)

    def progress(p: Progress) -> None:
        if p.chunks_done >= 60 and not tasks:
            tasks.append(asyncio.ensure_future(lose_one_then_crash()))

    info = await asyncio.wait_for(
        store.put("obj", data, chunk_size=CHUNK, progress=progress), OUTAGE + 30
    )
    await tasks[0]
    assert "stored out of order" in caplog.text
    assert await store.get_bytes("obj") == data
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert chunks == {f"$O.{store.bucket}.C.{info.nuid}": COUNT}


async def test_put_past_the_bound_fails_and_keeps_the_old_version(
    fresh_server: LocalServer, outage_client: Client
) -> None:
    """The server stays away longer than the bound: the put fails as before, old version kept."""
    store = await outage_client.create_bucket("resume_late")
    old = await store.put("obj", b"previous version")
    data = os.urandom(CHUNK * COUNT)
    progress, tasks = _crash_at(fresh_server, 40, OUTAGE + 4)
    started = time.monotonic()
    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(
            store.put("obj", data, chunk_size=CHUNK, progress=progress), OUTAGE + 30
        )
    assert time.monotonic() - started < OUTAGE + 4, "it waited beyond its bound"
    text = str(caught.value)
    assert "lost while uploading 'obj' and did not come back" in text
    assert "previous version is intact; nothing was stored" in text
    await tasks[0]
    assert await outage_client.conn.wait_back(15)
    assert await store.get_bytes("obj") == b"previous version"
    assert (await store.info("obj")).nuid == old.nuid


async def test_queued_upload_continues_by_itself_after_an_outage(
    fresh_server: LocalServer, outage_client: Client, tmp_path: Path
) -> None:
    """The GUI's queue: an upload cut off by a server restart ends DONE, with no retry."""
    store = await outage_client.create_bucket("resume_queue")
    path = tmp_path / "queued.bin"
    data = _random_file(path)
    crash, tasks = _crash_at(fresh_server, 50, 1.0)
    queue = TransferQueue(outage_client, on_change=lambda t: crash(t.progress))
    t = queue.upload(store.bucket, path, "queued", chunk_size=CHUNK)
    await asyncio.wait_for(queue.wait_idle(), OUTAGE + 30)
    await queue.close()
    assert tasks, "the upload finished before the server could be killed"
    await tasks[0]
    assert t.state is TransferState.DONE, t.error
    assert t.progress.bytes_done == len(data)
    assert await store.get_bytes("queued") == data


async def test_file_changed_during_the_outage_is_not_continued(
    fresh_server: LocalServer, outage_client: Client, tmp_path: Path
) -> None:
    """A file written to while the server was away: its chunks would mix two versions."""
    store = await outage_client.create_bucket("resume_changed")
    old = await store.put("obj", b"previous version")
    path = tmp_path / "changing.bin"
    _random_file(path)
    crash, tasks = _crash_at(fresh_server, 40, 1.0)

    def progress(p: Progress) -> None:
        if not tasks:
            crash(p)
            if tasks:
                with path.open("r+b") as f:  # rewritten in place while the put is cut off
                    f.write(b"changed")

    with pytest.raises(E.ObjectStoreError) as caught:
        await asyncio.wait_for(
            store.put("obj", path, chunk_size=CHUNK, progress=progress), OUTAGE + 30
        )
    await tasks[0]
    assert "the file changed while uploading" in str(caught.value)
    assert await store.get_bytes("obj") == b"previous version"
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert set(chunks) == {f"$O.{store.bucket}.C.{old.nuid}"}


async def test_put_rides_out_a_stream_without_leader(
    outage_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No stream leader takes some chunks (a 503): they are sent again once one does."""
    store = await outage_client.create_bucket("resume_leader")
    # What a stream between leaders answers: no responders (a 503) for chunks 21 to 30.
    counter = unstored_chunks(monkeypatch, lambda n: 20 < n <= 30)
    data = os.urandom(CHUNK * 100)
    info = await asyncio.wait_for(store.put("obj", data, chunk_size=CHUNK), OUTAGE + 30)
    monkeypatch.undo()
    assert counter[0] > 100  # some were sent again
    assert await store.get_bytes("obj") == data
    assert await chunk_subjects(outage_client, store.bucket) == {
        f"$O.{store.bucket}.C.{info.nuid}": 100
    }


async def test_info_not_stored_for_want_of_a_leader_is_published_again(
    outage_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The info publish times out unstored (a leader change): once the stream answers and
    still holds every chunk, the info is published again and the put succeeds."""
    store = await outage_client.create_bucket("resume_info")
    old = await store.put("obj", b"previous version")
    real = meta_io.publish_meta
    refused: list[int] = []

    async def no_leader_once(conn, info, **kw) -> int:
        if not refused:
            refused.append(1)
            raise E.ServerTimeoutError("the info")  # not stored: nobody took it
        return await real(conn, info, **kw)

    monkeypatch.setattr(meta_io, "publish_meta", no_leader_once)
    data = os.urandom(CHUNK * 10)
    info = await asyncio.wait_for(store.put("obj", data, chunk_size=CHUNK), OUTAGE + 30)
    monkeypatch.undo()
    assert refused
    assert await store.get_bytes("obj") == data
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert chunks == {f"$O.{store.bucket}.C.{info.nuid}": 10}
    assert info.nuid != old.nuid
