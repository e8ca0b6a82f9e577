"""Sources that make the uploader wait: pipes read off the loop, acks counted as they land."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from natsobj_gui.core import ObjectStore, Progress
from natsobj_gui.core.sources import is_fast_reader

CHUNK = 1000
WAIT = 10.0  # how long a writer waits for the upload to react before giving up


async def test_pipe_is_read_off_the_loop(store: ObjectStore) -> None:
    # The writer sends one chunk, then waits until the upload reports it acked. A pipe read
    # on the loop would block the loop in the second read, so no ack could ever be counted.
    first_acked = threading.Event()
    waited: list[bool] = []
    read_fd, write_fd = os.pipe()

    def writer() -> None:
        with os.fdopen(write_fd, "wb") as w:
            w.write(b"a" * CHUNK)
            w.flush()
            waited.append(first_acked.wait(WAIT))
            w.write(b"b" * 500)

    def progress(p: Progress) -> None:
        if p.chunks_done >= 1:
            first_acked.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with os.fdopen(read_fd, "rb") as reader:
        assert not is_fast_reader(reader)
        info = await asyncio.wait_for(
            store.put("piped", reader, chunk_size=CHUNK, progress=progress), 3 * WAIT
        )
    thread.join(WAIT)
    assert info.size == CHUNK + 500 and info.chunks == 2
    assert await store.get_bytes("piped") == b"a" * CHUNK + b"b" * 500
    assert waited == [True], "the loop was blocked in a pipe read"


async def test_acks_are_counted_while_the_source_waits(store: ObjectStore) -> None:
    # An async source that holds its second chunk back until the first is reported acked:
    # progress must not wait for the source's next chunk.
    first_acked = asyncio.Event()
    waited: list[bool] = []

    async def parts() -> AsyncIterator[bytes]:
        yield b"x" * CHUNK
        try:
            await asyncio.wait_for(first_acked.wait(), WAIT)
            waited.append(True)
        except TimeoutError:
            waited.append(False)
        yield b"y" * CHUNK

    events: list[Progress] = []

    def progress(p: Progress) -> None:
        events.append(p)
        first_acked.set()

    await store.put("slow", parts(), chunk_size=CHUNK, progress=progress)
    assert waited == [True], "the first ack was only counted after the next chunk"
    assert [p.chunks_done for p in events] == [1, 2]
    assert events[-1] == Progress(2, 2, 2 * CHUNK, 2 * CHUNK)


async def test_failed_source_reports_no_progress_after_the_error(store: ObjectStore) -> None:
    # Acks landing during the rollback of a failed put are not reported as progress.
    events: list[Progress] = []

    async def parts() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"z" * CHUNK
        raise OSError("disk went away")

    try:
        await store.put("broken", parts(), chunk_size=CHUNK, progress=events.append)
    except OSError:
        pass
    else:
        raise AssertionError("the put should fail")
    failed_at = len(events)
    await asyncio.sleep(0.2)  # any late ack callbacks have run by now
    assert len(events) == failed_at <= 5
    assert [o.name for o in await store.list()] == []


def test_fast_readers(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"data")
    with open(path, "rb") as f:
        assert is_fast_reader(f)
    assert is_fast_reader(io.BytesIO(b"x"))

    class Custom:
        def read(self, n: int = -1) -> bytes:
            return b""

    assert not is_fast_reader(Custom())


async def test_a_failing_progress_callback_fails_the_put(store: ObjectStore) -> None:
    def progress(p: Progress) -> None:
        if p.chunks_done == 2:
            raise RuntimeError("progress broke")

    try:
        await store.put("cb", b"q" * (4 * CHUNK), chunk_size=CHUNK, progress=progress)
    except RuntimeError as exc:
        assert str(exc) == "progress broke"
    else:
        raise AssertionError("the put should fail")
    assert [o.name for o in await store.list()] == []
