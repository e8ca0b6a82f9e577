"""Byte-level checks of what we write: meta JSON, subjects, digests, chunk messages."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from natsobj_gui.core import Client, ObjectInfo, ObjectMeta, ObjectStore
from natsobj_gui.core.wire import decode_info, digest_hex, encode_info

from .raw import chunk_subj, meta_subj, raw_meta, raw_meta_json, stream

ZERO = "0001-01-01T00:00:00Z"
# Go's ObjectInfo field order (it embeds ObjectMeta first), up to the optional digest /
# deleted: written out as nats.go has it, not taken from the product it is held against.
META_KEYS = ("name", "description", "headers", "metadata", "options")
ALL_KEYS = (*META_KEYS, "bucket", "nuid", "size", "mtime", "chunks")
DIGEST_RE = re.compile(r"^SHA-256=[A-Za-z0-9_-]{43}=$")


def _keys(data: bytes) -> list[str]:
    return list(json.loads(data, object_pairs_hook=lambda pairs: dict(pairs)).keys())


def _compact(data: bytes) -> bytes:
    return json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False).encode()


async def test_meta_full_field_order(store: ObjectStore, client: Client) -> None:
    meta = ObjectMeta("ab", description="d", headers={"K": ["v"]}, metadata={"k": "v"})
    data = b"x" * 10
    info = await store.put(meta, data)
    raw, headers = await raw_meta(client, store.bucket, "ab")
    assert headers.get("Nats-Rollup") == "sub"
    assert raw == _compact(raw)  # compact, as Go's json.Marshal writes it
    assert _keys(raw) == [*ALL_KEYS, "digest"]
    doc = json.loads(raw)
    assert doc == {
        "name": "ab",
        "description": "d",
        "headers": {"K": ["v"]},
        "metadata": {"k": "v"},
        "options": {"max_chunk_size": 131072},
        "bucket": store.bucket,
        "nuid": info.nuid,
        "size": 10,
        "mtime": ZERO,
        "chunks": 1,
        "digest": "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode(),
    }


async def test_meta_omitempty(store: ObjectStore, client: Client) -> None:
    await store.put("plain", b"")
    raw, _ = await raw_meta(client, store.bucket, "plain")
    assert _keys(raw) == ["name", "options", "bucket", "nuid", "size", "mtime", "chunks", "digest"]
    doc = json.loads(raw)
    assert doc["size"] == 0 and doc["chunks"] == 0 and doc["mtime"] == ZERO
    # The digest of empty content is still written, as nats.go does.
    assert doc["digest"] == "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="
    assert b"deleted" not in raw and b"null" not in raw and b'""' not in raw


async def test_custom_chunk_size_in_options(store: ObjectStore, client: Client) -> None:
    await store.put("c", b"y" * 5000, chunk_size=1000)
    doc = await raw_meta_json(client, store.bucket, "c")
    assert doc["options"] == {"max_chunk_size": 1000}
    assert doc["chunks"] == 5


async def test_meta_subject_is_padded_base64(store: ObjectStore, client: Client) -> None:
    await store.put("ab", b"1")  # "ab" -> "YWI=" (one pad char)
    await store.put("a", b"1")  # "a" -> "YQ==" (two)
    await store.put("ü/?", b"1")  # URL-safe alphabet: "w7wvPw=="
    for name, token in (("ab", "YWI="), ("a", "YQ=="), ("ü/?", "w7wvPw==")):
        msg = await client.conn.jsm.get_last_msg(
            stream(store.bucket), f"$O.{store.bucket}.M.{token}"
        )
        assert json.loads(msg.data)["name"] == name
    resp = await client.conn.api(
        f"STREAM.INFO.{stream(store.bucket)}", {"subjects_filter": f"$O.{store.bucket}.M.>"}
    )
    assert set(resp["state"]["subjects"]) == {
        f"$O.{store.bucket}.M.YWI=",
        f"$O.{store.bucket}.M.YQ==",
        f"$O.{store.bucket}.M.w7wvPw==",
    }


async def test_digest_format(store: ObjectStore, client: Client) -> None:
    for i, size in enumerate((0, 1, 2, 3, 1000, 131073)):
        data = bytes(range(256)) * (size // 256 + 1)
        data = data[:size]
        info = await store.put(f"d{i}", data)
        doc = await raw_meta_json(client, store.bucket, f"d{i}")
        assert DIGEST_RE.match(doc["digest"]), doc["digest"]
        assert doc["digest"] == info.digest
        assert digest_hex(doc["digest"]) == hashlib.sha256(data).hexdigest()


async def test_chunk_headers(store: ObjectStore, client: Client) -> None:
    """A stream's chunks have no headers, as nats.go's; resumable ones only a message id."""

    def parts():
        yield b"z" * 300_000

    info = await store.put("c", parts())
    msg = await client.conn.jsm.get_last_msg(
        stream(store.bucket), chunk_subj(store.bucket, info.nuid)
    )
    assert not msg.headers
    assert msg.data == b"z" * (300_000 - 2 * 131072)
    first = await client.conn.jsm.get_msg(stream(store.bucket), seq=1)
    assert first.subject == chunk_subj(store.bucket, info.nuid)
    assert len(first.data) == 131072
    # Bytes can be read again, so a put of them survives an outage: each chunk is
    # published with `Nats-Msg-Id: <nuid>.<index>` for the server's duplicate check.
    info = await store.put("r", b"y" * 300_000)
    subject = chunk_subj(store.bucket, info.nuid)
    last = await client.conn.jsm.get_last_msg(stream(store.bucket), subject)
    assert last.headers == {"Nats-Msg-Id": f"{info.nuid}.2"}
    assert last.data == b"y" * (300_000 - 2 * 131072)


async def test_tombstone_wire(store: ObjectStore, client: Client) -> None:
    meta = ObjectMeta("gone", description="d", headers={"H": ["1"]}, metadata={"m": "1"})
    info = await store.put(meta, b"data")
    await store.delete("gone")
    raw, headers = await raw_meta(client, store.bucket, "gone")
    assert headers.get("Nats-Rollup") == "sub"
    assert _keys(raw) == [*ALL_KEYS, "deleted"]
    doc = json.loads(raw)
    assert doc["deleted"] is True and doc["size"] == 0 and doc["chunks"] == 0
    assert doc["nuid"] == info.nuid and doc["mtime"] == ZERO
    assert "digest" not in doc


async def test_link_wire(store: ObjectStore, client: Client) -> None:
    target = await store.put("target", b"t")
    await store.add_link("olink", target)
    await store.add_bucket_link("blink", "otherbucket")
    olink = await raw_meta_json(client, store.bucket, "olink")
    blink = await raw_meta_json(client, store.bucket, "blink")
    assert olink["options"]["link"] == {"bucket": store.bucket, "name": "target"}
    assert list(olink["options"]["link"]) == ["bucket", "name"]
    assert blink["options"]["link"] == {"bucket": "otherbucket"}
    for doc in (olink, blink):
        assert doc["size"] == 0 and doc["chunks"] == 0 and doc["mtime"] == ZERO
        assert doc["nuid"] and doc["nuid"] != target.nuid
        assert doc.get("deleted") is None


async def test_meta_subject_helper_matches(store: ObjectStore) -> None:
    from natsobj_gui.core import wire

    for name in ("ab", "ü/?", "x y"):
        assert wire.meta_subject(store.bucket, name) == meta_subj(store.bucket, name)


def test_encoding_is_go_s_byte_for_byte() -> None:
    # What Go's json.Marshal writes for this info: sorted map keys, and <, >, &, U+2028 and
    # U+2029 escaped inside strings (other non-ASCII stays raw UTF-8).
    info = ObjectInfo(
        name="a<b>&c é\u2028",
        bucket="B",
        nuid="N",
        size=1,
        chunks=1,
        digest="SHA-256=x",
        headers={"Z-H": ["1"], "A-H": ["2", "<3>"]},
        metadata={"b": "1", "a": "&"},
        max_chunk_size=4,
    )
    expected = (
        '{"name":"a\\u003cb\\u003e\\u0026c é\\u2028",'
        '"headers":{"A-H":["2","\\u003c3\\u003e"],"Z-H":["1"]},'
        '"metadata":{"a":"\\u0026","b":"1"},"options":{"max_chunk_size":4},'
        '"bucket":"B","nuid":"N","size":1,"mtime":"0001-01-01T00:00:00Z","chunks":1,'
        '"digest":"SHA-256=x"}'
    ).encode()
    assert encode_info(info) == expected
    back = decode_info(expected)
    assert (back.name, back.headers, back.metadata) == (info.name, info.headers, info.metadata)
