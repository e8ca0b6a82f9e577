"""A chunk nobody stored: a stream between leaders (retry later) versus a deleted bucket."""

from __future__ import annotations

import os

import pytest

from natsobj_gui.core import Client, transfer
from natsobj_gui.core import errors as E
from natsobj_gui.core.types import ObjectMeta

from .raw import chunk_subjects, unstored_chunks


async def test_unstored_chunk_of_an_existing_bucket_is_unavailable_not_missing(
    client: Client, store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No responders for a chunk while the stream exists: BucketUnavailableError, rolled back."""
    await store.put("obj", b"previous version")
    before = await store.info("obj")
    # What a stream between leaders answers: no responders (a 503) for chunks 4 on.
    unstored_chunks(monkeypatch, lambda n: n > 3)
    # A stream source: bytes or a file would wait for a leader within the outage bound
    # (test_put_across_leader_loss shows them continue once there is one).
    source = (os.urandom(1000) for _ in range(10))
    with pytest.raises(E.BucketUnavailableError) as caught:
        await store.put("obj", source, chunk_size=1000)
    assert "no leader" in str(caught.value)
    monkeypatch.undo()
    assert await store.info("obj") == before
    assert await store.get_bytes("obj") == b"previous version"
    # The three chunks that were stored are rolled back.
    assert set(await chunk_subjects(client, store.bucket)) == {f"$O.{store.bucket}.C.{before.nuid}"}


async def test_unstored_chunk_of_a_deleted_bucket_is_still_not_found(
    client: Client, bucket_name: str
) -> None:
    """The stream check answers "gone": a deleted bucket keeps its BucketNotFoundError."""
    await client.create_bucket(bucket_name)
    await client.buckets.delete(bucket_name)
    # Straight to the chunk publishes (ObjectStore.put would stop at the missing meta).
    with pytest.raises(E.BucketNotFoundError):
        await transfer.put(client.conn, bucket_name, ObjectMeta("obj"), b"x" * 5000, old=None)
