"""Delete (tombstones), metadata edits and renames, object and bucket links."""

from __future__ import annotations

from dataclasses import replace

import pytest

from natsobj_gui.core import Client, ObjectMeta, ObjectStore
from natsobj_gui.core.errors import LinkError, ObjectExistsError, ObjectNotFoundError

from .raw import chunk_subjects, meta_subj, raw_meta_json


async def _meta_subjects(client: Client, bucket: str) -> set[str]:
    resp = await client.conn.api(
        f"STREAM.INFO.OBJ_{bucket}", {"subjects_filter": f"$O.{bucket}.M.>"}
    )
    return set((resp.get("state") or {}).get("subjects") or {})


async def test_delete_leaves_tombstone(store: ObjectStore, client: Client) -> None:
    meta = ObjectMeta("x", description="d", headers={"H": ["v"]}, metadata={"k": "v"})
    info = await store.put(meta, b"a" * 300_000)
    await store.put("keep", b"k")
    tomb = await store.delete("x")
    assert tomb.deleted and tomb.size == 0 and tomb.chunks == 0 and tomb.digest == ""
    with pytest.raises(ObjectNotFoundError):
        await store.info("x")
    with pytest.raises(ObjectNotFoundError):
        await store.get_bytes("x")
    shown = await store.info("x", show_deleted=True)
    assert shown.deleted and shown.nuid == info.nuid
    assert shown.meta == meta
    assert [o.name for o in await store.list()] == ["keep"]
    listed = {o.name: o for o in await store.list(show_deleted=True)}
    assert set(listed) == {"x", "keep"} and listed["x"].deleted
    # Its chunks are gone, the other object's stay.
    keep = await store.info("keep")
    assert await chunk_subjects(client, store.bucket) == {f"$O.{store.bucket}.C.{keep.nuid}": 1}
    # Deleting again is "not found"; a put brings the name back.
    with pytest.raises(ObjectNotFoundError):
        await store.delete("x")
    await store.put("x", b"back")
    assert await store.get_bytes("x") == b"back"


async def test_put_replaces_old_chunks(store: ObjectStore, client: Client) -> None:
    first = await store.put("x", b"1" * 300_000)
    second = await store.put("x", b"2" * 10)
    assert first.nuid != second.nuid
    assert await chunk_subjects(client, store.bucket) == {f"$O.{store.bucket}.C.{second.nuid}": 1}
    assert await store.get_bytes("x") == b"2" * 10


async def test_missing_object(store: ObjectStore) -> None:
    for call in (store.info, store.get_bytes, store.delete):
        with pytest.raises(ObjectNotFoundError):
            await call("nope")
    with pytest.raises(ObjectNotFoundError):
        await store.update_meta("nope", ObjectMeta("nope2"))


async def test_update_meta(store: ObjectStore, client: Client) -> None:
    info = await store.put(ObjectMeta("x", description="old", metadata={"a": "1"}), b"data")
    new_meta = ObjectMeta("x", description="new", headers={"H": ["1"]}, metadata={"b": "2"})
    updated = await store.update_meta("x", new_meta)
    assert updated.meta == new_meta
    assert (await store.info("x")).meta == new_meta
    # Content untouched: same chunks, same digest.
    assert updated.nuid == info.nuid and updated.digest == info.digest
    assert await store.get_bytes("x") == b"data"
    doc = await raw_meta_json(client, store.bucket, "x")
    assert doc["description"] == "new" and doc["metadata"] == {"b": "2"}


async def test_rename(store: ObjectStore, client: Client) -> None:
    info = await store.put(ObjectMeta("old name", description="d", metadata={"k": "v"}), b"data")
    renamed = await store.update_meta("old name", replace(info.meta, name="new/näme"))
    assert renamed.name == "new/näme" and renamed.nuid == info.nuid
    assert renamed.description == "d" and renamed.metadata == {"k": "v"}
    assert await store.get_bytes("new/näme") == b"data"
    # The old name is gone entirely: no tombstone, its meta subject purged.
    with pytest.raises(ObjectNotFoundError):
        await store.info("old name", show_deleted=True)
    assert await _meta_subjects(client, store.bucket) == {meta_subj(store.bucket, "new/näme")}
    assert [o.name for o in await store.list(show_deleted=True)] == ["new/näme"]


async def test_rename_onto_live_object_fails(store: ObjectStore) -> None:
    await store.put("a", b"A")
    await store.put("b", b"B")
    with pytest.raises(ObjectExistsError):
        await store.update_meta("a", ObjectMeta("b"))
    assert await store.get_bytes("a") == b"A"
    assert await store.get_bytes("b") == b"B"
    # Onto a tombstone is fine.
    await store.delete("b")
    await store.update_meta("a", ObjectMeta("b"))
    assert await store.get_bytes("b") == b"A"
    with pytest.raises(ObjectNotFoundError):
        await store.info("a", show_deleted=True)


async def test_object_link(store: ObjectStore, client: Client) -> None:
    target = await store.put("target", b"t" * 200_000)
    link = await store.add_link("link", target)
    assert link.link is not None and link.link.name == "target"
    assert link.size == 0 and link.nuid != target.nuid
    assert await store.get_bytes("link") == b"t" * 200_000
    resolved = await store.resolve("link")
    assert resolved.name == "target" and resolved.nuid == target.nuid
    # A link into another bucket.
    other = await client.create_bucket(store.bucket + "_o")
    try:
        await other.add_link("cross", target)
        assert await other.get_bytes("cross") == b"t" * 200_000
    finally:
        await client.buckets.delete(other.bucket)
    # A link's target deleted later: reading the link says not found.
    await store.delete("target")
    with pytest.raises(ObjectNotFoundError):
        await store.get_bytes("link")


async def test_bucket_link_cannot_be_read(store: ObjectStore) -> None:
    info = await store.add_bucket_link("blink", "somebucket")
    assert info.link is not None and info.link.is_bucket_link
    assert (await store.info("blink")).link == info.link
    with pytest.raises(LinkError):
        await store.get_bytes("blink")


async def test_link_rules(store: ObjectStore) -> None:
    target = await store.put("target", b"t")
    other = await store.put("other", b"o")
    link = await store.add_link("link", target)
    # No link to a link, none to a deleted object.
    with pytest.raises(LinkError):
        await store.add_link("l2", link)
    await store.put("dead", b"d")
    dead = await store.delete("dead")
    with pytest.raises(LinkError):
        await store.add_link("l3", dead)
    # A link never replaces a live object...
    with pytest.raises(ObjectExistsError):
        await store.add_link("other", target)
    with pytest.raises(ObjectExistsError):
        await store.add_bucket_link("other", "b")
    assert await store.get_bytes("other") == b"o"
    assert (await store.info("other")).nuid == other.nuid
    # ...but may replace a link or a tombstone.
    relinked = await store.add_link("link", other)
    assert relinked.link is not None and relinked.link.name == "other"
    assert await store.get_bytes("link") == b"o"
    await store.add_link("dead", target)
    assert await store.get_bytes("dead") == b"t"
    await store.add_bucket_link("link", "b")
    assert (await store.info("link")).link.is_bucket_link


async def test_delete_link_keeps_target(store: ObjectStore, client: Client) -> None:
    target = await store.put("target", b"t")
    await store.add_link("link", target)
    await store.delete("link")
    assert await store.get_bytes("target") == b"t"
    assert await chunk_subjects(client, store.bucket) == {f"$O.{store.bucket}.C.{target.nuid}": 1}
