"""An interrupted get keeps its part file; the next get to the same place continues it."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ObjectStore, download
from natsobj_gui.core import errors as E
from natsobj_gui.core.jsraw import JsMsg, OrderedConsumer
from natsobj_gui.core.partial import PART_GLOB, TEMP_GLOB, partial_paths
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.sync_plan import scan_local
from natsobj_gui.core.types import Progress
from natsobj_gui.core.uploads import plan_uploads

from .raw import chunk_subj, publish_chunks

CHUNK = 64 * 1024
COUNT = 128  # 8 MiB
DATA = os.urandom(CHUNK * COUNT)


class Delivered:
    """Counts the chunk bytes the server delivers to downloads (the consumer's view)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bytes = 0
        counter = self

        class Counting(OrderedConsumer):
            def __init__(self, nc, jsm, stream, subject, on_msg, **kw) -> None:
                def counted(msg: JsMsg) -> bool | None:
                    counter.bytes += len(msg.data)
                    return on_msg(msg)

                super().__init__(nc, jsm, stream, subject, counted, **kw)

        monkeypatch.setattr(download, "OrderedConsumer", Counting)


async def _interrupt_at(store: ObjectStore, dest: Path, fraction: float) -> int:
    """Cancel a get of "big" once `fraction` of it arrived; the bytes its partial kept."""
    task: asyncio.Task | None = None

    def cancel_midway(p: Progress) -> None:
        if p.bytes_done >= fraction * p.bytes_total and task is not None:
            task.cancel()

    task = asyncio.ensure_future(store.get_file("big", dest, progress=cancel_midway))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    part, sidecar = partial_paths(dest)
    kept = json.loads(sidecar.read_text())["bytes"]
    assert part.stat().st_size == kept
    return kept


@pytest.fixture
async def dest(store: ObjectStore, tmp_path: Path) -> Path:
    """DATA stored as "big"; the file the tests get it to."""
    await store.put("big", DATA, chunk_size=CHUNK)
    return tmp_path / "big.bin"


async def _get_noted(store: ObjectStore, dest: Path, **kw) -> list[str]:
    """Get "big" to `dest`; the notes the get gave."""
    notes: list[str] = []
    await store.get_file("big", dest, note=notes.append, **kw)
    return notes


async def test_a_cancelled_get_resumes_and_fetches_little_again(
    store: ObjectStore, dest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = await _interrupt_at(store, dest, 0.6)
    assert 0.55 * len(DATA) <= kept < len(DATA)
    assert not dest.exists()
    delivered = Delivered(monkeypatch)
    notes = await _get_noted(store, dest)
    assert dest.read_bytes() == DATA
    again = delivered.bytes - (len(DATA) - kept)
    assert 0 <= again < 0.05 * kept, (again, kept)
    assert len(notes) == 1 and notes[0].startswith("resuming 'big': "), notes
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


async def _store_a_new_version(store: ObjectStore, dest: Path) -> bytes:
    new = os.urandom(len(DATA))
    await store.put("big", new, chunk_size=CHUNK)
    return new


async def _change_a_byte_of_the_part(store: ObjectStore, dest: Path) -> bytes:
    part, _ = partial_paths(dest)
    with open(part, "r+b") as f:  # same size, one byte changed
        f.seek(1000)
        f.write(bytes([DATA[1000] ^ 0xFF]))
    return DATA


async def _double_the_chunk_size_kept(store: ObjectStore, dest: Path) -> bytes:
    _, sidecar = partial_paths(dest)
    doc = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**doc, "chunk_size": CHUNK * 2}))
    return DATA


@pytest.mark.parametrize(
    ("change", "note"),
    [
        pytest.param(
            _store_a_new_version,
            "the object changed since the partial download of 'big': starting over",
            id="object_changed",
        ),
        pytest.param(
            _change_a_byte_of_the_part,
            "the partial download of 'big' was modified: starting over",
            id="partial_modified",
        ),
        pytest.param(
            _double_the_chunk_size_kept,
            "the object's chunk size changed since the partial download of 'big': starting over",
            id="chunk_size_changed",
        ),
    ],
)
async def test_a_change_since_the_cut_starts_over_with_a_note(
    store: ObjectStore,
    dest: Path,
    change: Callable[[ObjectStore, Path], Awaitable[bytes]],
    note: str,
) -> None:
    """`change` alters the object or the kept partial; it returns what the get must write."""
    await _interrupt_at(store, dest, 0.6)
    expected = await change(store, dest)
    notes = await _get_noted(store, dest)
    assert dest.read_bytes() == expected
    assert notes == [note]


async def test_no_resume_starts_over(
    store: ObjectStore, dest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _interrupt_at(store, dest, 0.6)
    delivered = Delivered(monkeypatch)
    notes = await _get_noted(store, dest, resume=False)
    assert dest.read_bytes() == DATA
    assert delivered.bytes == len(DATA) and notes == []
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


async def test_a_symlink_planted_as_the_part_file_is_never_written_through(
    store: ObjectStore, dest: Path, tmp_path: Path
) -> None:
    await _interrupt_at(store, dest, 0.6)
    part, _ = partial_paths(dest)
    outside = tmp_path / "precious"
    outside.write_bytes(part.read_bytes())  # even with the right content
    part.unlink()
    part.symlink_to(outside)
    before = outside.read_bytes()
    notes = await _get_noted(store, dest)
    assert dest.read_bytes() == DATA and not dest.is_symlink()
    assert outside.read_bytes() == before
    assert "not a plain file: starting over" in notes[0]


async def test_a_users_file_under_the_sidecar_name_is_left_alone(
    store: ObjectStore, dest: Path, tmp_path: Path
) -> None:
    part, sidecar = partial_paths(dest)
    sidecar.write_text('{"mine": true}')
    part.write_bytes(b"also mine")
    await store.get_file("big", dest)
    assert dest.read_bytes() == DATA
    assert sidecar.read_text() == '{"mine": true}' and part.read_bytes() == b"also mine"
    assert not list(tmp_path.glob(TEMP_GLOB))


async def test_a_failed_digest_keeps_no_partial(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    info = await store.put("bad", os.urandom(2000), chunk_size=1000)
    await client.buckets.purge_subject(store.bucket, chunk_subj(store.bucket, info.nuid))
    await publish_chunks(client, store.bucket, info.nuid, [os.urandom(1000), os.urandom(1000)])
    with pytest.raises(E.DigestMismatchError):
        await store.get_file("bad", tmp_path / "bad")
    assert list(tmp_path.iterdir()) == []


OUTAGE = 3.0


async def test_a_get_cut_by_a_lost_server_resumes_once_it_is_back(
    fresh_server: LocalServer,
    outage_client: Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = await outage_client.create_bucket("resume_lost")
    # Killed at 30 %, the server cannot have pushed the remaining 33 MiB into socket
    # buffers already (at 60 % of 32 MiB it once had: the get finished without it).
    data = os.urandom(48 << 20)
    await store.put("big", data, chunk_size=CHUNK)
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "big.bin"

    def kill_midway(p: Progress) -> None:
        if p.bytes_done >= 0.3 * p.bytes_total and fresh_server.running:
            assert fresh_server.proc is not None
            fresh_server.proc.kill()  # SIGKILL: no goodbye, as a crashed host
            fresh_server.proc.wait()

    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(store.get_file("big", dest, progress=kill_midway), 60)
    assert "the next get of it continues where this one stopped" in str(caught.value)
    assert len(list(out.glob(PART_GLOB))) == 1 and not dest.exists()
    kept = json.loads(partial_paths(dest)[1].read_text())["bytes"]
    assert kept >= 0.25 * len(data)
    fresh_server.start()
    assert await outage_client.conn.wait_back(15)
    delivered = Delivered(monkeypatch)
    notes: list[str] = []
    await asyncio.wait_for(store.get_file("big", dest, note=notes.append), 60)
    assert dest.read_bytes() == data
    assert notes and notes[0].startswith("resuming 'big'")
    again = delivered.bytes - (len(data) - kept)
    assert 0 <= again < 0.05 * kept, (again, kept)
    assert [p.name for p in out.iterdir()] == ["big.bin"]


async def test_two_gets_to_the_same_place_at_once_do_not_share_a_partial(
    store: ObjectStore, dest: Path, tmp_path: Path
) -> None:
    notes: list[str] = []
    await asyncio.gather(
        store.get_file("big", dest, note=notes.append),
        store.get_file("big", dest, note=notes.append),
    )
    assert dest.read_bytes() == DATA and notes == []
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


async def test_a_fifo_under_our_names_is_neither_waited_on_nor_touched(
    store: ObjectStore, dest: Path
) -> None:
    part, sidecar = partial_paths(dest)
    os.mkfifo(sidecar)
    await asyncio.wait_for(store.get_file("big", dest), 30)
    assert dest.read_bytes() == DATA and stat.S_ISFIFO(os.lstat(sidecar).st_mode)
    sidecar.unlink()
    await _interrupt_at(store, dest, 0.6)
    part.unlink()
    os.mkfifo(part)
    notes: list[str] = []
    await asyncio.wait_for(store.get_file("big", dest, note=notes.append), 30)
    assert dest.read_bytes() == DATA
    assert "not a plain file: starting over" in notes[0]


async def test_folder_uploads_and_syncs_skip_a_kept_partial(
    store: ObjectStore, tmp_path: Path
) -> None:
    await store.put("big", DATA, chunk_size=CHUNK)
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "page.html").write_bytes(b"<p>")
    (folder / ".natsobj-notours.part").write_bytes(b"a user's file")
    await _interrupt_at(store, folder / "big.bin", 0.6)
    assert len(list(folder.iterdir())) == 4  # page, user's file, our part and sidecar
    planned = [p.name for p in plan_uploads([folder])]
    assert planned == ["site/.natsobj-notours.part", "site/page.html"]
    files, skipped = scan_local(folder, [])
    assert sorted(f.rel for f in files) == [".natsobj-notours.part", "page.html"]
    assert skipped == []
