"""get_file never writes where it should not: planted temp names, long names, devices, FIFOs."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from pathlib import Path

import pytest

from natsobj_gui.core import Client, DigestMismatchError, ObjectStore
from natsobj_gui.core.download import TEMP_GLOB, open_temp

from .raw import chunk_subj, publish_chunks

DATA = os.urandom(300_000)


async def _corrupt(store: ObjectStore, client: Client, name: str) -> None:
    """Replace an object's chunks with other bytes of the same sizes."""
    info = await store.put(name, os.urandom(2000), chunk_size=1000)
    await client.buckets.purge_subject(store.bucket, chunk_subj(store.bucket, info.nuid))
    await publish_chunks(client, store.bucket, info.nuid, [os.urandom(1000), os.urandom(1000)])


async def test_a_planted_partial_symlink_is_never_written_through(
    store: ObjectStore, tmp_path: Path
) -> None:
    await store.put("obj", DATA)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "obj.partial").symlink_to(outside)
    await store.get_file("obj", folder / "obj")
    assert (folder / "obj").read_bytes() == DATA
    assert outside.read_bytes() == b"precious"
    assert (folder / "obj.partial").is_symlink()
    assert os.readlink(folder / "obj.partial") == str(outside)


async def test_a_users_partial_file_survives_success_and_failure(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    await store.put("obj", DATA)
    await _corrupt(store, client, "bad")
    mine = tmp_path / "obj.partial"
    mine.write_bytes(b"my own notes")
    (tmp_path / "bad.partial").write_bytes(b"mine too")
    await store.get_file("obj", tmp_path / "obj")
    with pytest.raises(DigestMismatchError):
        await store.get_file("bad", tmp_path / "bad")
    assert mine.read_bytes() == b"my own notes"
    assert (tmp_path / "bad.partial").read_bytes() == b"mine too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.partial", "obj", "obj.partial"]


async def test_a_name_that_fits_only_without_a_suffix_still_downloads(
    store: ObjectStore, tmp_path: Path
) -> None:
    name = "n" * 252  # fits the 255-byte limit; NAME.partial would not
    await store.put(name, DATA)
    await store.get_file(name, tmp_path / name)
    assert (tmp_path / name).read_bytes() == DATA
    assert not list(tmp_path.glob(TEMP_GLOB))


def test_temp_files_are_exclusive_and_short(tmp_path: Path) -> None:
    first, f1 = open_temp(tmp_path)
    second, f2 = open_temp(tmp_path)
    f1.close()
    f2.close()
    assert first != second and len(first.name) <= 24
    assert first.match(TEMP_GLOB) and second.match(TEMP_GLOB)


def _null_device(path: Path) -> Path:
    """A private null device, so a bug can never replace the machine's /dev/null."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here (not root)")
    return path


async def test_a_device_is_written_into_not_replaced(store: ObjectStore, tmp_path: Path) -> None:
    await store.put("obj", DATA)
    null = _null_device(tmp_path / "null")
    await store.get_file("obj", null)
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def _reader(fifo: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


async def test_a_fifo_is_streamed_into_and_verified(
    store: ObjectStore, client: Client, tmp_path: Path
) -> None:
    await store.put("obj", DATA)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _reader(fifo, got)
    await asyncio.wait_for(store.get_file("obj", fifo), 30)
    await asyncio.to_thread(reader.join, 10)
    assert got == [DATA]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    # A corrupt object is still caught on the way, and the message says the output is bad.
    await _corrupt(store, client, "bad")
    reader = _reader(fifo, got)
    with pytest.raises(DigestMismatchError) as caught:
        await asyncio.wait_for(store.get_file("bad", fifo), 30)
    await asyncio.to_thread(reader.join, 10)
    assert f"what was written to {fifo} cannot be trusted" in str(caught.value)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
