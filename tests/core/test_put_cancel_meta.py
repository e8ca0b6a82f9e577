"""A cancel that lands while a put publishes its info never leaves an info without chunks."""

from __future__ import annotations

import asyncio
import os

import pytest

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.transfer import StoredBeforeCancel

from .raw import chunk_subj, chunk_subjects

META_MARK = ".M."


def _hold_meta_publish(client: Client, monkeypatch: pytest.MonkeyPatch, *, after: bool):
    """Make the next meta publish wait for `release`, before or after the server stores it."""
    js = client.conn.js
    real = js.publish
    reached, release = asyncio.Event(), asyncio.Event()

    async def publish(subject: str, payload: bytes = b"", **kw):
        if META_MARK not in subject:
            return await real(subject, payload, **kw)
        if not after:
            reached.set()
            await release.wait()
        ack = await real(subject, payload, **kw)
        if after:
            reached.set()
            await release.wait()  # stored on the server; the ack has not reached the put yet
        return ack

    monkeypatch.setattr(js, "publish", publish)
    return reached, release


async def _cancel_at_meta(
    store: ObjectStore, reached, release, data: bytes
) -> asyncio.CancelledError:
    task = asyncio.ensure_future(store.put("obj", data))
    await asyncio.wait_for(reached.wait(), 30)
    task.cancel()
    await asyncio.sleep(0.2)  # the buggy put purged its chunks here
    release.set()
    with pytest.raises(asyncio.CancelledError) as stop:
        await asyncio.wait_for(task, 30)
    return stop.value


@pytest.mark.parametrize("after", [True, False], ids=["stored", "in-flight"])
async def test_cancel_during_info_publish_keeps_chunks_of_a_stored_info(
    store: ObjectStore, client: Client, monkeypatch: pytest.MonkeyPatch, after: bool
) -> None:
    old = await store.put("obj", os.urandom(10_000))
    reached, release = _hold_meta_publish(client, monkeypatch, after=after)
    data = os.urandom(300_000)
    stop = await _cancel_at_meta(store, reached, release, data)
    monkeypatch.undo()
    # The info went out before the cancel was honoured: the new version is whole and the
    # replaced version's chunks are gone, exactly as after a put that was not cancelled.
    info = await store.info("obj")
    assert info.nuid != old.nuid
    # And the cancel says so (a caller counting what was done counts it).
    assert isinstance(stop, StoredBeforeCancel) and stop.info.nuid == info.nuid
    assert await chunk_subjects(client, store.bucket) == {
        chunk_subj(store.bucket, info.nuid): info.chunks
    }
    assert await store.get_bytes("obj") == data


async def test_unknown_outcome_is_read_back(
    store: ObjectStore, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The info is stored but its ack is lost: the put reads it back and counts as done.
    old = await store.put("obj", os.urandom(10_000))
    js = client.conn.js
    real = js.publish

    async def publish(subject: str, payload: bytes = b"", **kw):
        ack = await real(subject, payload, **kw)
        if META_MARK in subject:
            raise TimeoutError  # as nats-py reports an ack that never came
        return ack

    monkeypatch.setattr(js, "publish", publish)
    data = os.urandom(300_000)
    put = await asyncio.wait_for(store.put("obj", data), 30)
    monkeypatch.undo()
    info = await store.info("obj")
    assert put.nuid == info.nuid != old.nuid
    # The version it replaced is purged as usual: nothing orphaned, nothing missing.
    assert await chunk_subjects(client, store.bucket) == {
        chunk_subj(store.bucket, info.nuid): info.chunks
    }
    assert await store.get_bytes("obj") == data
