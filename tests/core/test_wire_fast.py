"""The listing's fast paths give exactly what the general decoder gives, for any input."""

from __future__ import annotations

import base64
import json
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natsobj_gui.core import ObjectInfo, ObjectMeta, wire
from natsobj_gui.core.wire_decode import _decode_general, own_subject, plain_fields

from .raw import digest_of

BUCKET = "b"
DIGEST = digest_of(b"x")
NANOS = 1_796_099_779_159_733_232


def _plain(name: str = "dir/obj") -> dict[str, Any]:
    return {
        "name": name,
        "options": {"max_chunk_size": 131072},
        "bucket": BUCKET,
        "nuid": "DV3oJv2LzZknElf5J5GaBp",
        "size": 200,
        "mtime": "0001-01-01T00:00:00Z",
        "chunks": 1,
        "digest": DIGEST,
    }


def _subject(name: str) -> str:
    return f"$O.{BUCKET}.M.{base64.urlsafe_b64encode(name.encode()).decode()}"


# Values that break one rule or another of the plain shape, or keep it.
EDGES = [
    None, True, False, -1, 0, 1, 2**53, 2**53 + 1, 1.5, "", ">", "a.b", "é", DIGEST,
    "SHA-256=" + "A" * 44, "MD5=x", "SHA-512=" + DIGEST[8:], [], {}, {"max_chunk_size": 0},
    {"max_chunk_size": -1}, {"max_chunk_size": 1, "x": 1}, {"link": {"bucket": "o"}},
    {"max_chunk_size": "1"},
]  # fmt: skip
ODD = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
)
KEY_NAMES = [
    "name", "options", "bucket", "nuid", "size", "mtime", "chunks", "digest", "deleted",
    "description", "headers", "metadata", "extra",
]  # fmt: skip
KEYS = st.sampled_from(KEY_NAMES)


@st.composite
def infos(draw: st.DrawFn) -> tuple[bytes, str]:
    """A plain info with a few fields changed, dropped or added, and a subject for it."""
    doc = _plain(draw(st.sampled_from(["dir/obj", "é ü", "a+b/c?", "x"])))
    for key in draw(st.lists(KEYS, max_size=3)):
        if draw(st.booleans()):
            doc.pop(key, None)
        else:
            doc[key] = draw(ODD)
    if draw(st.booleans()):
        doc = dict(reversed(list(doc.items())))
    name = doc.get("name")
    own = _subject(name) if isinstance(name, str) and name else _subject("other")
    subject = draw(st.sampled_from([own, _subject("other"), own.rstrip("=")]))
    return json.dumps(doc).encode(), subject


def _all_fields(info: Any) -> dict[str, Any]:
    """Every field, those left out of == too (extra, subject, revision)."""
    return {f.name: getattr(info, f.name) for f in fields(info)}


def _parsed(data: bytes) -> Any:
    """The JSON as decode_info reads it (orjson reads integers past 64 bits as floats)."""
    try:
        return orjson.loads(data)
    except ValueError:
        return json.loads(data)


def _check_fast_paths(data: bytes, subject: str) -> None:
    """decode_info's fast path and listing_row agree with the general decoder."""
    stamp = wire.timestamp_from_nanos(NANOS)
    fast = wire.decode_info(data, stamp, subject, 7)
    general = _decode_general(_parsed(data), stamp, subject, 7)
    assert _all_fields(fast) == _all_fields(general)
    row = wire.listing_row(data, NANOS, subject, "listed-from", show_deleted=True)
    info = wire.decode_entry(data, stamp, subject, "listed-from")
    assert json.dumps(row) == json.dumps(wire.info_json(info))  # key order too
    assert (wire.listing_row(data, NANOS, subject, "listed-from") is None) is info.deleted
    try:
        raw = orjson.loads(data)
    except ValueError:
        raw = None
    plain = plain_fields(raw) if isinstance(raw, dict) else None
    if plain is not None and own_subject(subject, plain[0]):  # what takes the fast path
        assert not info.damaged and not info.deleted


@settings(max_examples=500, deadline=None)
@given(infos())
def test_fast_paths_equal_the_general_decoder(case: tuple[bytes, str]) -> None:
    _check_fast_paths(*case)


def test_fast_paths_equal_the_general_decoder_for_each_edge_value() -> None:
    for key in KEY_NAMES:
        for value in [*EDGES, "drop"]:
            doc = _plain()
            if value == "drop":
                doc.pop(key, None)
            else:
                doc[key] = value
            _check_fast_paths(json.dumps(doc).encode(), _subject("dir/obj"))


def test_the_plain_shape_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    general: list[str] = []
    decode_entry = wire.decode_entry

    def spy(data: bytes, modified: Any, subject: str, *args: Any, **kw: Any) -> ObjectInfo:
        general.append(subject)
        return decode_entry(data, modified, subject, *args, **kw)

    monkeypatch.setattr(wire, "decode_entry", spy)
    doc = _plain()
    row = wire.listing_row(json.dumps(doc).encode(), NANOS, _subject(doc["name"]), "c")
    assert row is not None and row["bucket"] == "c"
    assert general == []
    assert plain_fields(doc) is not None
    # A sound info that is not plain, and hostile ones, take the general path.
    for change in ({"nuid": ">"}, {"description": "d"}, {"size": -1}, {"digest": ""}):
        assert plain_fields({**doc, **change}) is None
    row = wire.listing_row(json.dumps(doc).encode(), NANOS, _subject("other"), "c")
    assert general == [_subject("other")] and row is not None and "damaged" in row


async def test_listing_json_parses_each_info_once(store, monkeypatch: pytest.MonkeyPatch) -> None:
    from natsobj_gui.core import wire_decode

    await store.put(ObjectMeta("plain"), b"p")
    await store.put(ObjectMeta("described", "a description"), b"d")
    await store.delete("plain")
    parsed: list[bytes] = []

    def counting(data: bytes) -> Any:
        parsed.append(data)
        return orjson.loads(data)

    monkeypatch.setattr(wire, "_loads", counting)
    monkeypatch.setattr(wire_decode, "_json_loads", counting)
    rows = await store.list_json()
    assert [r["name"] for r in rows] == ["described"] and len(parsed) == 2
    parsed.clear()
    rows = await store.list_json(show_deleted=True)
    assert sorted(r["name"] for r in rows) == ["described", "plain"] and len(parsed) == 2


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_mtime_text_is_the_datetime_s_isoformat(nanos: int) -> None:
    assert wire.mtime_text(nanos) == wire.timestamp_from_nanos(nanos).isoformat()


def test_mtime_text_at_rounding_edges() -> None:
    second = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp()) * 10**9
    for offset in (0, 1, 499, 500, 501, 999, 1000, 999_999_499, 999_999_500, 999_999_501,
                   999_999_999, 10**9 - 1, 10**9):  # fmt: skip
        for base in (0, second, second + 123_456_000):
            nanos = base + offset
            assert wire.mtime_text(nanos) == wire.timestamp_from_nanos(nanos).isoformat()


def test_a_decoded_info_is_a_true_frozen_object_info() -> None:
    data = json.dumps(_plain()).encode()
    for info in (wire.decode_info(data), wire.decode_info(data + b" ", subject=_subject("x"))):
        assert type(info) is ObjectInfo
        with pytest.raises(FrozenInstanceError):
            info.name = "other"  # type: ignore[misc]
        assert replace(info, size=3) == ObjectInfo(**{**_all_fields(info), "size": 3})
