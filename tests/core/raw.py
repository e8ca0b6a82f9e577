"""Raw JetStream helpers for the core tests: read and write the wire format by hand."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from natsobj_gui.core import Client

ROLLUP = {"Nats-Rollup": "sub"}


def stream(bucket: str) -> str:
    return f"OBJ_{bucket}"


def meta_subj(bucket: str, name: str) -> str:
    """The meta subject as every other client spells it (padded URL-safe base64)."""
    return f"$O.{bucket}.M.{base64.urlsafe_b64encode(name.encode()).decode()}"


def chunk_subj(bucket: str, nuid: str) -> str:
    return f"$O.{bucket}.C.{nuid}"


def digest_of(data: bytes, prefix: str = "SHA-256=") -> str:
    return prefix + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


async def raw_meta(client: Client, bucket: str, name: str) -> tuple[bytes, dict[str, str]]:
    """The stored meta message's exact bytes and headers."""
    msg = await client.conn.jsm.get_last_msg(stream(bucket), meta_subj(bucket, name))
    assert msg.subject == meta_subj(bucket, name)
    return msg.data or b"", dict(msg.headers or {})


async def raw_meta_json(client: Client, bucket: str, name: str) -> dict[str, Any]:
    data, _ = await raw_meta(client, bucket, name)
    return json.loads(data)


async def chunk_subjects(client: Client, bucket: str) -> dict[str, int]:
    """Message count per chunk subject in the bucket's stream."""
    resp = await client.conn.api(
        f"STREAM.INFO.{stream(bucket)}", {"subjects_filter": f"$O.{bucket}.C.>"}
    )
    return dict((resp.get("state") or {}).get("subjects") or {})


async def publish_meta(
    client: Client, bucket: str, name: str, body: dict[str, Any] | bytes, *, rollup: bool = True
) -> None:
    """Write a meta message the way some other client might have."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    await client.conn.js.publish(
        meta_subj(bucket, name), data, headers=dict(ROLLUP) if rollup else None
    )


async def publish_chunks(client: Client, bucket: str, nuid: str, parts: list[bytes]) -> None:
    for part in parts:
        await client.conn.js.publish(chunk_subj(bucket, nuid), part)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll an async condition until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def unstored_chunks(monkeypatch: Any, refuse: Callable[[int], bool]) -> list[int]:
    """Make the n-th chunk publish (from 1) go where no stream listens when `refuse(n)`:
    the server answers it with a real 503 no-responders status. Returns [publishes]."""
    from natsobj_gui.core import ack_window

    real = ack_window.publish
    sent = [0]

    async def publish(
        nc: Any, subject: str, reply: str, payload: bytes, header: bytes = b"", *, line=b""
    ):
        sent[0] += 1
        if refuse(sent[0]):
            # A chunk's prebuilt line (chunk_lines) names its subject once, first.
            line = line.replace(subject.encode(), b"natsobj.test.nobody", 1)
            subject = "natsobj.test.nobody"
        await real(nc, subject, reply, payload, header, line=line)

    monkeypatch.setattr(ack_window, "publish", publish)
    return sent
