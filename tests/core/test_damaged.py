"""Infos written by broken or hostile clients: listed as damaged, never trusted with data."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natsobj_gui.core import Client, ObjectInfo, ObjectStore, WatchKind, download, meta_io, wire
from natsobj_gui.core import errors as E

from .raw import chunk_subjects, digest_of, meta_subj, publish_chunks, publish_meta, raw_meta_json

VICTIM = b"v" * 300_000  # three chunks of another object that must survive everything


def _doc(name: str, bucket: str, nuid: Any, data: bytes = b"x") -> dict[str, Any]:
    return {
        "name": name,
        "bucket": bucket,
        "nuid": nuid,
        "size": len(data),
        "mtime": "0001-01-01T00:00:00Z",
        "chunks": 1,
        "digest": digest_of(data),
    }


async def _victim(store: ObjectStore, client: Client) -> tuple[str, int]:
    """Another object's chunk subject and count, to check nothing touches them."""
    info = await store.put("victim", VICTIM, chunk_size=128 * 1024)
    subject = wire.chunk_subject(store.bucket, info.nuid)
    counts = await chunk_subjects(client, store.bucket)
    assert counts[subject] == 3
    return subject, 3


async def _intact(store: ObjectStore, client: Client, victim: tuple[str, int]) -> None:
    assert (await chunk_subjects(client, store.bucket)).get(victim[0]) == victim[1]
    assert await store.get_bytes("victim") == VICTIM


HOSTILE_NUIDS = [">", "*", "a.b", "", " ", "two words", "x\n", "a.>", "é"]


@pytest.mark.parametrize("nuid", HOSTILE_NUIDS)
async def test_hostile_nuid_is_damaged_and_purges_nothing(
    store: ObjectStore, client: Client, nuid: str
) -> None:
    victim = await _victim(store, client)
    hostile = {**_doc("evil", store.bucket, nuid), "x_planted": True}
    await publish_meta(client, store.bucket, "evil", hostile)
    (evil,) = [o for o in await store.list() if o.name == "evil"]
    assert evil.damaged and "nuid" in evil.damaged
    assert (await store.info("evil")).damaged == evil.damaged
    with pytest.raises(E.DamagedObjectError, match="damaged"):
        await store.get_bytes("evil")
    # An overwriting put replaces the meta and purges no chunk (above all not `>`).
    new = await store.put("evil", b"replacement")
    assert not new.damaged and await store.get_bytes("evil") == b"replacement"
    assert "x_planted" not in await raw_meta_json(client, store.bucket, "evil")
    await _intact(store, client, victim)
    # A delete of a damaged entry writes a sound tombstone and purges nothing either.
    await publish_meta(client, store.bucket, "evil", _doc("evil", store.bucket, nuid))
    tomb = await store.delete("evil")
    assert tomb.deleted and wire.is_token(tomb.nuid) and not tomb.damaged
    await _intact(store, client, victim)
    with pytest.raises(E.ObjectNotFoundError):
        await store.info("evil")
    assert [o.name for o in await store.list()] == ["victim"]
    # The chunks of the overwriting put were its own: the delete left them (damaged, so
    # unjudged), but the put's own purge of the evil nuid never happened.
    counts = await chunk_subjects(client, store.bucket)
    assert set(counts) == {victim[0], wire.chunk_subject(store.bucket, new.nuid)}


async def test_purge_and_read_refuse_an_unsafe_nuid(store: ObjectStore, client: Client) -> None:
    victim = await _victim(store, client)
    for nuid in (">", "*", "a.b", ""):
        with pytest.raises(E.InvalidMetaError, match="not a plain subject token"):
            await meta_io.purge_chunks(client.conn, store.bucket, nuid)
        info = ObjectInfo("x", store.bucket, nuid, size=5, chunks=1)
        with pytest.raises(E.InvalidMetaError):
            await download.read_chunks(client.conn, info, None)
    await _intact(store, client, victim)


def test_tokens() -> None:
    for good in ("ABC-def_09", "x" * 64):
        assert wire.is_token(good)
    for bad in ("", ">", "*", "a.b", " ", "a b", "x\n", "é", "a*", "-\x00", None, 5):
        assert not wire.is_token(bad)
    with pytest.raises(E.InvalidNameError):
        wire.validate_bucket("b\n")  # `$` alone would have let the newline through


async def test_name_mismatch_is_damaged_and_delete_spares_the_named_object(
    store: ObjectStore, client: Client
) -> None:
    victim = await _victim(store, client)
    real = await store.info("victim")
    # Under "alias"'s subject, an info naming "victim" with victim's nuid.
    doc = _doc("victim", store.bucket, real.nuid, VICTIM)
    doc["chunks"] = 3
    await publish_meta(client, store.bucket, "alias", doc)
    by_name = {o.name: o for o in await store.list()}
    assert set(by_name) == {"alias", "victim"}
    assert "names 'victim'" in by_name["alias"].damaged
    assert not by_name["victim"].damaged
    alias = await store.info("alias")
    assert alias.name == "alias" and alias.damaged
    with pytest.raises(E.DamagedObjectError):
        await store.get_bytes("alias")
    await store.delete("alias")
    await _intact(store, client, victim)
    tomb = await raw_meta_json(client, store.bucket, "alias")
    assert tomb["name"] == "alias" and tomb["deleted"] is True and tomb["nuid"] != real.nuid
    assert [o.name for o in await store.list()] == ["victim"]


BROKEN: list[tuple[bytes | dict[str, Any], str]] = [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b"null", "not a JSON object"),
    (b"[" * 100_000, "nests too deeply"),
    ({"size": -5}, "size -5 is impossible"),
    ({"size": 2**60}, "impossible"),
    ({"chunks": -1}, "chunk count -1 is impossible"),
    ({"name": None}, "has no name"),
    ({"name": ""}, "has no name"),
    ({"nuid": None}, "has no nuid"),
    ({"digest": "SHA-512=" + "A" * 86}, "unknown algorithm"),
    ({"digest": "MD5=abc"}, "unknown algorithm"),
    ({"digest": "SHA-256=short"}, "not a valid SHA-256"),
    ({"options": {"link": {"bucket": "a.>", "name": "x"}}}, "invalid bucket"),
]


@pytest.mark.parametrize(("body", "reason"), BROKEN, ids=[r for _, r in BROKEN])
async def test_broken_infos_are_listed_damaged_everywhere(
    store: ObjectStore, client: Client, body: bytes | dict[str, Any], reason: str
) -> None:
    victim = await _victim(store, client)
    nuid = meta_io.new_nuid()
    await publish_chunks(client, store.bucket, nuid, [b"x"])
    if isinstance(body, dict):
        doc = _doc("bad", store.bucket, nuid)
        doc.update(body)
        body = json.dumps(doc).encode()
    await publish_meta(client, store.bucket, "bad", body)
    listing = await asyncio.wait_for(store.list(), 10)
    by_name = {o.name: o for o in listing}
    assert set(by_name) == {"bad", "victim"}  # the name comes from the subject if need be
    assert reason in by_name["bad"].damaged
    info = await store.info("bad")
    assert reason in info.damaged
    with pytest.raises(E.DamagedObjectError, match=reason.split()[0]):
        await store.get_bytes("bad")
    with pytest.raises(E.DamagedObjectError):
        await store.update_meta("bad", info.meta)
    async with store.watch() as watcher:
        events = []
        while not events or events[-1].kind is not WatchKind.INITIAL_DONE:
            events += await asyncio.wait_for(watcher.next_batch(), 10)
    (event,) = [e for e in events if e.info and e.info.name == "bad"]
    assert event.kind is WatchKind.PUT and reason in event.info.damaged
    await store.delete("bad")
    await _intact(store, client, victim)
    # The damaged entry's own chunk stays: its info could not vouch for it.
    assert (await chunk_subjects(client, store.bucket))[wire.chunk_subject(store.bucket, nuid)]
    assert [o.name for o in await store.list()] == ["victim"]


async def test_object_without_digest_is_readable_but_unverified(
    store: ObjectStore, client: Client
) -> None:
    await publish_chunks(client, store.bucket, "NODIGEST", [b"abc"])
    doc = _doc("plain", store.bucket, "NODIGEST", b"abc")
    del doc["digest"]
    await publish_meta(client, store.bucket, "plain", doc)
    info = await store.info("plain")
    assert info.unverified and not info.damaged
    assert await store.get_bytes("plain") == b"abc"
    assert not (await store.put("signed", b"abc")).unverified


def _latin1_subject(bucket: str, name: str) -> str:
    """The subject nats.js writes: btoa() of the name's Latin-1 bytes, URL-safe."""
    return f"$O.{bucket}.M.{base64.urlsafe_b64encode(name.encode('latin-1')).decode()}"


async def _nats_js_object(client: Client, bucket: str, name: str, data: bytes) -> str:
    nuid = meta_io.new_nuid()
    await publish_chunks(client, bucket, nuid, [data])
    subject = _latin1_subject(bucket, name)
    doc = _doc(name, bucket, nuid, data)
    await client.conn.js.publish(subject, json.dumps(doc).encode(), headers={"Nats-Rollup": "sub"})
    return nuid


async def _subjects(client: Client, bucket: str) -> dict[str, int]:
    resp = await client.conn.api(f"STREAM.INFO.OBJ_{bucket}", {"subjects_filter": f"$O.{bucket}.>"})
    return dict(resp["state"].get("subjects") or {})


async def test_names_written_by_nats_js_work_through_their_subject(
    store: ObjectStore, client: Client
) -> None:
    bucket, name = store.bucket, "café ñ"
    latin = _latin1_subject(bucket, name)
    assert latin != meta_subj(bucket, name)
    nuid = await _nats_js_object(client, bucket, name, b"from nats.js")
    (listed,) = await store.list()
    assert listed.name == name and not listed.damaged
    info = await store.info(name)
    assert info.subject == latin
    assert await store.get_bytes(name) == b"from nats.js"
    # A link to it resolves through that subject too.
    await store.add_link("to-cafe", info)
    assert await store.get_bytes("to-cafe") == b"from nats.js"
    # A metadata edit stays under nats.js's subject: no second entry appears.
    await store.update_meta(name, info.meta.__class__(name, "edited"))
    assert (await store.info(name)).description == "edited"
    assert meta_subj(bucket, name) not in await _subjects(client, bucket)
    assert sorted(o.name for o in await store.list()) == sorted([name, "to-cafe"])
    # An overwrite goes there as well and purges the old chunks.
    new = await store.put(name, b"from us")
    assert new.subject == latin and await store.get_bytes(name) == b"from us"
    subjects = await _subjects(client, bucket)
    assert wire.chunk_subject(bucket, nuid) not in subjects
    assert meta_subj(bucket, name) not in subjects
    # A rename moves it to our encoding of the new name and drops nats.js's subject.
    await store.update_meta(name, info.meta.__class__("renamé"))
    assert latin not in await _subjects(client, bucket)
    assert await store.get_bytes("renamé") == b"from us"
    # A delete writes its tombstone where the object is and purges its chunks.
    nuid2 = await _nats_js_object(client, bucket, name, b"again")
    await store.delete(name)
    subjects = await _subjects(client, bucket)
    assert wire.chunk_subject(bucket, nuid2) not in subjects
    assert latin in subjects and meta_subj(bucket, name) not in subjects
    with pytest.raises(E.ObjectNotFoundError):
        await store.info(name)


def test_subject_names_decode_as_nats_js_wrote_them() -> None:
    latin = _latin1_subject("b", "café")
    assert wire.decode_meta_subject(latin) == "café"
    assert wire.subject_holds_name(latin, "café")
    assert wire.latin1_meta_subject("b", "café") == latin
    assert wire.latin1_meta_subject("b", "cafe") is None  # ASCII: the same subject
    assert wire.latin1_meta_subject("b", "😀") is None  # nats.js cannot write it at all
    assert wire.decode_meta_subject("$O.b.M.!!not-base64") == "!!not-base64"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
FIELD = st.sampled_from(
    ["name", "nuid", "size", "chunks", "digest", "deleted", "options", "bucket", "metadata"]
)
NUIDS = st.sampled_from(["N1", ">", "*", "a.b", "", " ", "x\n"]) | st.text(max_size=6)


@settings(max_examples=400, deadline=None)
@given(
    doc=st.dictionaries(FIELD, JSON, max_size=9),
    nuid=NUIDS,
    name=st.just("a") | st.text(max_size=6),
    junk=st.binary(max_size=20),
)
def test_any_meta_message_decodes_and_only_sound_infos_are_trusted(
    doc: dict[str, Any], nuid: str, name: str, junk: bytes
) -> None:
    subject = "$O.b.M.YQ=="  # the subject of "a"
    docs = ({**doc, "name": name, "nuid": nuid}, {**doc, "nuid": nuid}, doc)
    for data in (*(json.dumps(d).encode() for d in docs), junk):
        info = wire.decode_entry(data, None, subject, "b")
        assert info.bucket == "b" and info.name
        if info.damaged:
            continue
        assert info.name == "a"  # a sound info is the one its subject names
        assert info.size >= 0 and info.chunks >= 0
        if not info.deleted and info.link is None:
            wire.chunk_subject("b", info.nuid)  # a sound info's chunks have a safe subject


async def test_a_subject_two_encodings_share_belongs_to_the_name_it_holds(
    store: ObjectStore, client: Client
) -> None:
    # nats.js writes "Ã©" as the Latin-1 bytes C3 A9, which are our UTF-8 bytes of "é".
    bucket = store.bucket
    assert _latin1_subject(bucket, "Ã©") == meta_subj(bucket, "é")
    await _nats_js_object(client, bucket, "Ã©", b"mojibake")
    assert [o.name for o in await store.list()] == ["Ã©"]
    assert await store.get_bytes("Ã©") == b"mojibake"
    with pytest.raises(E.ObjectNotFoundError):
        await store.info("é")
    with pytest.raises(E.ObjectNotFoundError):
        await store.delete("é")
    with pytest.raises(E.ObjectExistsError, match="same subject"):
        await store.put("é", b"ours")
    assert await store.get_bytes("Ã©") == b"mojibake"
    assert len(await chunk_subjects(client, bucket)) == 1  # ours were rolled back
