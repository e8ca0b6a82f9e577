"""Objects written by other clients with their quirks, crafted message by message."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from natsobj_gui.core import Client, ObjectStore, Progress, WatchKind
from natsobj_gui.core.errors import DigestMismatchError, ObjectNotFoundError, ObjectStoreError

from .raw import chunk_subjects, digest_of, meta_subj, publish_chunks, publish_meta, raw_meta_json


async def _write(
    client: Client, bucket: str, name: str, nuid: str, parts: list[bytes], /, **fields: Any
) -> None:
    """Chunks then a meta message; `fields` override or (with None) null the defaults."""
    data = b"".join(parts)
    doc: dict[str, Any] = {
        "name": name,
        "bucket": bucket,
        "nuid": nuid,
        "size": len(data),
        "mtime": "2001-01-01T00:00:00Z",
        "chunks": len(parts),
        "digest": digest_of(data),
    }
    for key, value in fields.items():
        if value is _DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    await publish_chunks(client, bucket, nuid, parts)
    await publish_meta(client, bucket, name, doc)


_DROP = object()


async def test_zero_length_chunks(store: ObjectStore, client: Client) -> None:
    await _write(client, store.bucket, "z", "NUIDZ", [b"abc", b"", b"def", b""])
    assert await store.get_bytes("z") == b"abcdef"


async def test_missing_size_chunks_mtime(store: ObjectStore, client: Client) -> None:
    await _write(client, store.bucket, "e", "NUIDE", [], size=_DROP, chunks=_DROP, mtime=_DROP)
    info = await store.info("e")
    assert (info.size, info.chunks) == (0, 0)
    assert await store.get_bytes("e") == b""
    # Chunk count and mtime missing on an object with content.
    await _write(client, store.bucket, "d", "NUIDD", [b"12345", b"678"], chunks=_DROP, mtime=_DROP)
    assert await store.get_bytes("d") == b"12345678"
    assert sorted(o.name for o in await store.list()) == ["d", "e"]


async def test_null_strings(store: ObjectStore, client: Client) -> None:
    await _write(
        client,
        store.bucket,
        "n",
        "NUIDN",
        [b"abc"],
        description=None,
        headers=None,
        metadata=None,
        options=None,
        mtime=None,
    )
    info = await store.info("n")
    assert info.description == "" and info.headers == {} and info.metadata == {}
    assert info.link is None and info.max_chunk_size == 0
    assert await store.get_bytes("n") == b"abc"
    # A null digest means nothing to check against, not an error.
    await _write(client, store.bucket, "nd", "NUIDND", [b"xyz"], digest=None)
    assert await store.get_bytes("nd") == b"xyz"


async def test_empty_mtime_and_server_time(store: ObjectStore, client: Client) -> None:
    await _write(client, store.bucket, "t", "NUIDT", [b"abc"], mtime="")
    await _write(client, store.bucket, "old", "NUIDO", [b"abc"])  # mtime in 2001
    for name in ("t", "old"):
        info = await store.info(name)
        assert info.modified is not None
        assert abs(datetime.now(UTC) - info.modified) < timedelta(minutes=5)
        assert await store.get_bytes(name) == b"abc"


async def test_lower_case_digest_prefix(store: ObjectStore, client: Client) -> None:
    await _write(
        client, store.bucket, "lc", "NUIDLC", [b"abc"], digest=digest_of(b"abc", "sha-256=")
    )
    assert await store.get_bytes("lc") == b"abc"
    # The prefix is accepted, but the digest after it is still checked.
    await _write(
        client, store.bucket, "bad", "NUIDBAD", [b"abc"], digest=digest_of(b"abd", "sha-256=")
    )
    with pytest.raises(DigestMismatchError):
        await store.get_bytes("bad")


async def test_empty_trailing_chunk(store: ObjectStore, client: Client) -> None:
    # NATS.Net sends an empty last chunk when the size is a multiple of the chunk size.
    await _write(
        client, store.bucket, "t", "NUIDTR", [b"abcd", b"efgh", b""], options={"max_chunk_size": 4}
    )
    assert (await store.info("t")).chunks == 3
    events: list[Progress] = []
    assert await store.get_bytes("t", progress=events.append) == b"abcdefgh"
    # The empty chunk is a chunk: the progress reaches the total instead of stopping short.
    assert [(p.chunks_done, p.chunks_total, p.bytes_done) for p in events] == [
        (1, 3, 4),
        (2, 3, 8),
        (3, 3, 8),
    ]
    assert events[-1] == Progress(3, 3, 8, 8)
    # ... and it may not count it.
    await _write(client, store.bucket, "t2", "NUIDTR2", [b"abcd", b"efgh", b""], chunks=2)
    events.clear()
    assert await store.get_bytes("t2", progress=events.append) == b"abcdefgh"
    assert events[-1] == Progress(3, 3, 8, 8)
    assert all(p.chunks_done <= p.chunks_total for p in events)


async def test_bucket_link_with_name(client: Client, store: ObjectStore) -> None:
    # NATS.Net's bucket link carries the link's own name; it then reads like an object
    # link to the object of that name in the target bucket.
    other = await client.create_bucket(store.bucket + "_other")
    try:
        await other.put("k1", b"*")
        link = {"bucket": other.bucket, "name": "k1"}
        doc = {"name": "k1", "bucket": store.bucket, "nuid": "NUIDL", "size": 0, "chunks": 0}
        await publish_meta(client, store.bucket, "k1", {**doc, "options": {"link": link}})
        info = await store.info("k1")
        assert info.link is not None and info.link.bucket == other.bucket
        assert await store.get_bytes("k1") == b"*"
        assert [o.name for o in await store.list()] == ["k1"]
        # A named link to nothing fails cleanly instead of hanging.
        link2 = {"bucket": other.bucket, "name": "absent"}
        doc2 = {**doc, "name": "absent", "options": {"link": link2}}
        await publish_meta(client, store.bucket, "absent", doc2)
        with pytest.raises(ObjectStoreError):
            await asyncio.wait_for(store.get_bytes("absent"), 10)
    finally:
        await client.buckets.delete(other.bucket)


BAD_ENTRIES = [b"{not json", b"[1, 2]", b"[" * 100_000, b"null", b"", b'"text"', b"\xff\xfe"]


async def test_unparseable_meta_does_not_block_list_or_watch(
    store: ObjectStore, client: Client
) -> None:
    await store.put("good1", b"1")
    for i, body in enumerate(BAD_ENTRIES[:3]):
        await publish_meta(client, store.bucket, f"bad{i}", body)
    await store.put("good2", b"2")
    # Bad entries last in the stream: the end of the initial set still comes.
    for i, body in enumerate(BAD_ENTRIES[3:]):
        await publish_meta(client, store.bucket, f"bad{i + 3}", body)
    bad = [f"bad{i}" for i in range(len(BAD_ENTRIES))]
    # Listed as damaged entries, named after their subject, with the reason.
    listing = await asyncio.wait_for(store.list(), 10)
    assert sorted(o.name for o in listing) == sorted([*bad, "good1", "good2"])
    assert {o.name for o in listing if o.damaged} == set(bad)
    assert all("JSON" in o.damaged or "nests" in o.damaged for o in listing if o.damaged)
    async with store.watch() as watcher:
        events = []
        while not events or events[-1].kind is not WatchKind.INITIAL_DONE:
            events += await asyncio.wait_for(watcher.next_batch(), 10)
    assert sorted(e.info.name for e in events if e.info) == sorted([*bad, "good1", "good2"])
    assert {e.info.name for e in events if e.info and e.info.damaged} == set(bad)


async def test_only_unparseable_entries(store: ObjectStore, client: Client) -> None:
    await publish_meta(client, store.bucket, "bad", b"{")
    listing = await asyncio.wait_for(store.list(show_deleted=True), 10)
    assert [(o.name, o.damaged) for o in listing] == [("bad", "its info is not valid JSON")]
    async with store.watch() as watcher:
        events = []
        while not events or events[-1].kind is not WatchKind.INITIAL_DONE:
            events += await asyncio.wait_for(watcher.next_batch(), 10)
    assert [e.kind for e in events] == [WatchKind.PUT, WatchKind.INITIAL_DONE]
    assert events[0].info is not None and events[0].info.damaged


def _foreign() -> dict[str, Any]:
    return {
        "description": "theirs",
        "metadata": {"owner": "someone", "n": "1"},
        "options": {"max_chunk_size": 4, "future_option": {"x": 1}},
        "x_future_field": [1, "two", {"three": 3}],
    }


async def test_unknown_fields_survive_delete(store: ObjectStore, client: Client) -> None:
    await _write(client, store.bucket, "u", "NUIDU", [b"abcd", b"ef"], **_foreign())
    await store.delete("u")
    doc = await raw_meta_json(client, store.bucket, "u")
    assert doc["deleted"] is True
    assert doc["x_future_field"] == [1, "two", {"three": 3}]
    assert doc["options"]["future_option"] == {"x": 1}
    assert doc["metadata"] == {"owner": "someone", "n": "1"}
    assert doc["description"] == "theirs"
    assert await chunk_subjects(client, store.bucket) == {}


async def test_unknown_fields_survive_update_and_rename(store: ObjectStore, client: Client) -> None:
    await _write(client, store.bucket, "u", "NUIDU", [b"abcd", b"ef"], **_foreign())
    info = await store.info("u")
    await store.update_meta("u", replace(info.meta, description="edited"))
    doc = await raw_meta_json(client, store.bucket, "u")
    assert doc["description"] == "edited"
    assert doc["x_future_field"] == [1, "two", {"three": 3}]
    assert doc["options"] == {"max_chunk_size": 4, "future_option": {"x": 1}}
    assert doc["metadata"] == {"owner": "someone", "n": "1"}
    await store.update_meta("u", replace(info.meta, name="renamed"))
    doc = await raw_meta_json(client, store.bucket, "renamed")
    assert doc["name"] == "renamed" and doc["nuid"] == "NUIDU"
    assert doc["x_future_field"] == [1, "two", {"three": 3}]
    assert doc["options"]["future_option"] == {"x": 1}
    assert doc["metadata"] == {"owner": "someone", "n": "1"}
    assert await store.get_bytes("renamed") == b"abcdef"
    resp = await client.conn.api(
        f"STREAM.INFO.OBJ_{store.bucket}", {"subjects_filter": meta_subj(store.bucket, "u")}
    )
    assert not resp["state"].get("subjects")
    assert json.loads(json.dumps(doc))  # still plain JSON


async def test_non_string_metadata_values(store: ObjectStore, client: Client) -> None:
    # nats.go's metadata is map[string]string: it cannot read these values at all. We show
    # them as JSON text, and a rewrite stores that text, which nats.go can read again.
    odd = {"n": 7, "ok": True, "obj": {"a": 1}, "none": None, "s": "text"}
    await _write(client, store.bucket, "odd", "NUIDO", [b"data"], metadata=odd)
    shown = {"n": "7", "ok": "true", "obj": '{"a": 1}', "none": "null", "s": "text"}
    info = await store.info("odd")
    assert info.metadata == shown
    assert [o.metadata for o in await store.list()] == [shown]
    await store.update_meta("odd", replace(info.meta, description="edited"))
    doc = await raw_meta_json(client, store.bucket, "odd")
    assert doc["metadata"] == shown
    assert all(isinstance(v, str) for v in doc["metadata"].values())
    await store.delete("odd")
    assert (await raw_meta_json(client, store.bucket, "odd"))["metadata"] == shown


async def test_bucket_without_direct_get(client: Client, bucket_name: str) -> None:
    # Buckets made by older clients have no direct get: reads fall back to the API.
    from nats.js.api import DiscardPolicy, StreamConfig

    await client.conn.jsm.add_stream(
        StreamConfig(
            name=f"OBJ_{bucket_name}",
            subjects=[f"$O.{bucket_name}.C.>", f"$O.{bucket_name}.M.>"],
            discard=DiscardPolicy.NEW,
            allow_rollup_hdrs=True,
            allow_direct=False,
        )
    )
    try:
        store = client.store(bucket_name)
        assert bucket_name in [b.name for b in await client.buckets.list()]
        await store.put("a", b"A" * 200_000)
        await store.put("a", b"A2")
        info = await asyncio.wait_for(store.info("a"), 10)
        assert info.size == 2 and info.modified is not None
        assert await store.get_bytes("a") == b"A2"
        assert [o.name for o in await store.list()] == ["a"]
        await store.delete("a")
        assert (await store.info("a", show_deleted=True)).deleted
        with pytest.raises(ObjectNotFoundError):
            await store.info("never")
    finally:
        await client.buckets.delete(bucket_name)


async def test_meta_naming_another_bucket(store: ObjectStore, client: Client) -> None:
    # A copied or mirrored meta may still name its origin bucket: like nats.go, the bucket
    # it was read from is where its chunks are and where rewrites go.
    await _write(client, store.bucket, "m", "NUIDM", [b"mirrored"], bucket="origin")
    info = await store.info("m")
    assert info.bucket == store.bucket
    assert await store.get_bytes("m") == b"mirrored"
    assert [o.bucket for o in await store.list()] == [store.bucket]
    await store.update_meta("m", replace(info.meta, description="edited"))
    assert (await store.info("m")).description == "edited"
    await store.delete("m")
    assert (await store.info("m", show_deleted=True)).deleted
    assert await chunk_subjects(client, store.bucket) == {}
