"""Helpers for the cluster tests: leaders, chunk subjects against metas, bounded waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from natsobj_gui.core import BucketConfig, Client, ObjectStore, jsraw
from natsobj_gui.core import errors as E

T = TypeVar("T")


async def retry(
    what: Callable[[], Awaitable[T]], *, timeout: float = 30.0, pause: float = 0.25
) -> T:
    """Call `what` until it stops raising ObjectStoreError (a leader being elected)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await what()
        except E.ObjectStoreError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(pause)


async def stream_leader(client: Client, bucket: str, *, timeout: float = 30.0) -> str:
    """The server_name leading the bucket's stream, once there is one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = await client.buckets.status(bucket)
        except E.ObjectStoreError:
            status = None
        if status is not None and status.leader:
            return status.leader
        if time.monotonic() > deadline:
            raise TimeoutError(f"no leader for bucket {bucket!r}")
        await asyncio.sleep(0.25)


async def create_r3(client: Client, bucket: str) -> ObjectStore:
    """A replicated bucket whose stream has a leader (its creation answers before that)."""
    store = await client.create_bucket(BucketConfig(bucket, replicas=3))
    await stream_leader(client, bucket)
    return store


async def chunk_nuids(client: Client, bucket: str) -> dict[str, int]:
    """Message count per object nuid among the stream's chunk subjects."""
    resp = await client.conn.api(
        f"STREAM.INFO.OBJ_{bucket}", {"subjects_filter": f"$O.{bucket}.C.>"}, bucket=bucket
    )
    subjects = (resp.get("state") or {}).get("subjects") or {}
    return {s.rsplit(".", 1)[1]: n for s, n in subjects.items()}


async def orphan_nuids(client: Client, bucket: str) -> set[str]:
    """Nuids with chunks in the stream that no live object's meta references."""
    live = {i.nuid for i in await client.store(bucket).list() if not i.link}
    return set(await chunk_nuids(client, bucket)) - live


def count_creates(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the start sequence of every consumer creation (start and resets) as it begins.

    A new consumer delivers before its creation request returns, so a test may be done
    while the last creation is still awaiting its reply.
    """
    seqs: list[int] = []
    original = jsraw.OrderedConsumer._create

    async def create(self: jsraw.OrderedConsumer, start_seq: int) -> None:
        seqs.append(start_seq)
        await original(self, start_seq)

    monkeypatch.setattr(jsraw.OrderedConsumer, "_create", create)
    return seqs
