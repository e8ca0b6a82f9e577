"""Hostile inputs against the real server: odd names, surrogates, huge metas, max payloads."""

from __future__ import annotations

import asyncio
import os
import string
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsobj_gui.core import Client, ObjectMeta, ObjectStore, transfer, wire
from natsobj_gui.core import errors as E
from natsobj_gui.core.server import LocalServer

from .raw import chunk_subjects, raw_meta_json

NAMES = [
    *string.punctuation,  # every ASCII punctuation character alone, wildcards included
    string.punctuation,
    " leading and trailing ",
    "..",
    "a..b",
    "a.*.>",
    "dir/",
    "/abs/path",
    "back\\slash",
    "tab\there",
    "new\nline\r\n",
    "nul\x00byte",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",  # every C0 control, and DEL
    "c1 \x80\x85\x9f",
    "¿¡«»‹›„“”‘’–—…‰′″§¶·•",  # Unicode Pi/Pf/Pd/Po
    "\u200b\u200d\ufeff\u2028\u2029",  # zero-width, BOM, JS line breaks
    "e\u0301\u0327\u20dd",  # combining marks
    "עברית العربية",  # right-to-left
    "😀👩‍👩‍👧‍👦🏳️‍🌈",  # emoji, ZWJ sequences
    "\U0010fffd\U000e0001",  # plane 16, tag character
    "<script>&amp;",  # what Go's encoder escapes
]


async def test_every_punctuation_class_and_control_roundtrips(
    store: ObjectStore, client: Client
) -> None:
    for i, name in enumerate(NAMES):
        data = f"{i}".encode()
        info = await store.put(name, data)
        assert info.name == name
        assert (await store.info(name)).name == name
        assert await store.get_bytes(name) == data
        assert (await raw_meta_json(client, store.bucket, name))["name"] == name
    assert sorted(i.name for i in await store.list()) == sorted(NAMES)
    async with store.watch() as watcher:
        seen: list[str] = []
        while len(seen) < len(NAMES):
            seen += [e.info.name for e in await watcher.next_batch() if e.info]
    assert sorted(seen) == sorted(NAMES)
    for name in NAMES:
        await store.delete(name)
    assert await store.list() == []


def _longest(bucket: str, unit: str) -> str:
    """The longest name made of `unit` that still fits the control line."""
    n = 1
    while True:
        try:
            wire.meta_subject(bucket, unit * (n + 1))
        except E.InvalidNameError:
            return unit * n
        n += 1


@pytest.mark.parametrize("unit", ["x", "é", "😀"])
async def test_names_at_the_length_limit(store: ObjectStore, unit: str) -> None:
    name = _longest(store.bucket, unit)
    assert len(name.encode()) > 2000
    data = os.urandom(5000)
    await store.put(name, data, chunk_size=1000)
    assert await store.get_bytes(name) == data
    assert [i.name for i in await store.list()] == [name]
    renamed = name[:-1] + "!" if unit == "x" else name[:-1]
    await store.update_meta(name, ObjectMeta(renamed, "renamed"))
    assert (await store.info(renamed)).description == "renamed"
    with pytest.raises(E.InvalidNameError, match="too long"):
        await store.put(name + unit, b"x")
    with pytest.raises(E.InvalidNameError, match="too long"):
        await store.update_meta(renamed, ObjectMeta(name + unit))
    # The connection survived (a too-long control line would have closed it for good).
    assert [i.name for i in await store.list()] == [renamed]


SURROGATE_NAMES = ["\udc80", "a\udcffb", "\ud800", "ok/\udfff.txt"]


@pytest.mark.parametrize("name", SURROGATE_NAMES)
async def test_surrogate_names_are_invalid_names(store: ObjectStore, name: str) -> None:
    await store.put("target", b"t")
    target = await store.info("target")
    calls = [
        lambda: store.put(name, b"data"),
        lambda: store.info(name),
        lambda: store.get_bytes(name),
        lambda: store.delete(name),
        lambda: store.update_meta("target", ObjectMeta(name)),
        lambda: store.add_link(name, target),
        lambda: store.add_bucket_link(name, store.bucket),
    ]
    for call in calls:
        with pytest.raises(E.InvalidNameError):
            await call()
    assert [i.name for i in await store.list()] == ["target"]
    assert await chunk_subjects(store_client(store), store.bucket) == {
        f"$O.{store.bucket}.C.{target.nuid}": 1
    }


def store_client(store: ObjectStore) -> Client:
    return Client(store.conn)


@pytest.mark.parametrize(
    "meta",
    [
        ObjectMeta("obj", description="bad \udc80 text"),
        ObjectMeta("obj", headers={"X-Bad": ["\ud800"]}),
        ObjectMeta("obj", metadata={"k\udcff": "v"}),
    ],
    ids=["description", "headers", "metadata"],
)
async def test_surrogates_in_meta_fields_fail_typed_before_upload(
    store: ObjectStore, client: Client, meta: ObjectMeta
) -> None:
    await store.put("obj", b"previous")
    before = await store.info("obj")
    uploaded: list[object] = []
    with pytest.raises(E.InvalidMetaError, match="not valid Unicode"):
        await store.put(meta, os.urandom(50_000), chunk_size=10_000, progress=uploaded.append)
    assert uploaded == []  # refused before the first chunk
    assert await store.info("obj") == before
    assert set(await chunk_subjects(client, store.bucket)) == {f"$O.{store.bucket}.C.{before.nuid}"}
    with pytest.raises(E.InvalidMetaError):
        await store.update_meta("obj", meta)
    assert await store.get_bytes("obj") == b"previous"


async def test_huge_headers_and_metadata_maps_roundtrip(store: ObjectStore) -> None:
    headers = {f"X-H-{i}": [f"v{i}" * 10, "second"] for i in range(3000)}
    # Go-escaped, "\u2028<&>" is 24 bytes: about 0.9 MB of info in all, under 1 MiB.
    metadata = {f"key-{i}-\u00e9": "\u2028<&>" * 5 for i in range(3000)}
    meta = ObjectMeta("huge", "d" * 50_000, headers=headers, metadata=metadata)
    data = os.urandom(10_000)
    await store.put(meta, data)
    info = await store.info("huge")
    assert (info.headers, info.metadata) == (headers, metadata)
    assert info.description == "d" * 50_000
    assert await store.get_bytes("huge") == data
    [listed] = await store.list()
    assert listed.metadata == metadata


async def test_meta_larger_than_max_payload_fails_typed_and_keeps_previous(
    store: ObjectStore, client: Client
) -> None:
    await store.put("obj", b"previous")
    before = await store.info("obj")
    too_big = {f"k{i}": "v" * 1000 for i in range(client.conn.max_payload // 1000 + 10)}
    uploaded: list[object] = []
    with pytest.raises(E.InvalidMetaError, match="more than the server accepts"):
        await store.put(
            ObjectMeta("obj", metadata=too_big),
            os.urandom(30_000),
            chunk_size=10_000,
            progress=uploaded.append,
        )
    assert uploaded == []  # refused before the first chunk
    assert await store.info("obj") == before
    assert await store.get_bytes("obj") == b"previous"
    assert set(await chunk_subjects(client, store.bucket)) == {f"$O.{store.bucket}.C.{before.nuid}"}
    with pytest.raises(E.InvalidMetaError):
        await store.update_meta("obj", ObjectMeta("obj", metadata=too_big))
    assert await store.info("obj") == before


def _stream(data: bytes, step: int = 65536) -> Iterator[bytes]:
    yield from (data[i : i + step] for i in range(0, len(data), step))


async def test_chunks_of_exactly_max_payload(store: ObjectStore, client: Client) -> None:
    limit = client.conn.max_payload
    data = os.urandom(2 * limit + 1)
    # A stream's chunks carry no header: they may fill max_payload exactly.
    info = await store.put("max", _stream(data), chunk_size=limit)
    assert info.max_chunk_size == limit and info.chunks == 3
    assert await store.get_bytes("max") == data
    # A request above the limit is clamped to it.
    info = await store.put("over", _stream(data[:limit]), chunk_size=limit + 1)
    assert info.max_chunk_size == limit and info.chunks == 1
    assert await store.get_bytes("over") == data[:limit]
    # Bytes (resumable) carry a message id header, which counts against max_payload.
    info = await store.put("ids", data, chunk_size=limit)
    assert info.max_chunk_size == limit - transfer.MSG_ID_ROOM and info.chunks == 3
    assert await store.get_bytes("ids") == data


# Property: any str either maps to a subject that round-trips, or fails as InvalidNameError.
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_any_text_name_is_a_subject_or_an_invalid_name(name: str) -> None:
    try:
        subject = wire.meta_subject("b", name)
    except E.InvalidNameError:
        assert name == "" or not _encodable(name)
        return
    assert _encodable(name)
    token = subject.rsplit(".", 1)[1]
    assert all(c not in token for c in " .*>\t\r\n")
    assert wire.decode_meta_subject(subject) == name


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.fixture(scope="module")
def hypo_store(nats_server: LocalServer) -> Iterator[str]:
    """A bucket for the server-side property test (sync: hypothesis drives its own loops)."""
    bucket = "hostile_hypothesis"

    async def create() -> None:
        async with await Client.connect(nats_server.url) as c:
            await c.create_bucket(bucket)

    async def delete() -> None:
        async with await Client.connect(nats_server.url) as c:
            await c.buckets.delete(bucket)

    asyncio.run(create())
    yield bucket
    asyncio.run(delete())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.text(st.characters(codec="utf-8"), min_size=1, max_size=60),
    data=st.binary(max_size=3000),
)
def test_any_valid_name_roundtrips_on_the_server(
    nats_server: LocalServer, hypo_store: str, name: str, data: bytes
) -> None:
    async def body() -> None:
        async with await Client.connect(nats_server.url) as c:
            store = c.store(hypo_store)
            await store.put(name, data, chunk_size=700)
            assert await store.get_bytes(name) == data
            assert name in {i.name for i in await store.list()}
            await store.delete(name)

    asyncio.run(body())
