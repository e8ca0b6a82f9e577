"""`natsobj ls --json` prints exactly what it printed before its fast path: byte for byte."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.raw import ROLLUP, digest_of

from natsobj_gui.core import Client

from .conftest import Cli

# Printed by the code before the fast path (commit 7f80222), timestamps and bucket masked.
GOLDEN = Path(__file__).with_name("golden")
DIGEST = digest_of(b"x")
# The mtime the server stamps, as `ls --json` prints it (microseconds omitted when zero).
MTIME = re.compile(r'"mtime": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?\+00:00)"')


def _plain(name: str, /, **changes: object) -> dict[str, object]:
    """An info as our put writes it, with `changes` applied (None removes a field)."""
    doc: dict[str, object] = {
        "name": name,
        "options": {"max_chunk_size": 131072},
        "bucket": "BUCKET",
        "nuid": "N" + base64.b32encode(name.encode()).decode().strip("=")[:20],
        "size": 1,
        "mtime": "0001-01-01T00:00:00Z",
        "chunks": 1,
        "digest": DIGEST,
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


# (meta subject token or None for the name's own, the message body): every shape of info
# a listing meets, sound, odd and hostile.
ENTRIES: list[tuple[str | None, object]] = [
    (None, _plain("plain")),
    (None, _plain("zero", size=0, chunks=0, digest=None)),
    (None, _plain("no-options", options=None)),
    (None, _plain("chunk-size-0", options={"max_chunk_size": 0})),
    (None, _plain("chunk-size-negative", options={"max_chunk_size": -5})),
    (None, _plain("chunk-size-text", options={"max_chunk_size": "7"})),
    (None, _plain("other-bucket", bucket="elsewhere")),
    (None, dict(reversed(list(_plain("reversed").items())))),
    (
        None,
        _plain(
            "go-shape",
            description="a file",
            headers={"B": ["2"], "A": ["1", "0"]},
            metadata={"z": "1", "a": "2"},
        ),
    ),
    (
        None,
        _plain(
            "odd-meta",
            headers={"S": "one", "N": None, "L": [1, None]},
            metadata={"n": 7, "t": True, "o": {"a": 1}, "x": None},
        ),
    ),
    (None, _plain("empty-text", description="", headers={}, metadata={})),
    (None, _plain("extra", color="red", options={"max_chunk_size": 9, "future": 1})),
    (
        None,
        _plain(
            "link",
            nuid="",
            size=0,
            chunks=0,
            digest=None,
            options={"link": {"bucket": "other", "name": "target"}},
        ),
    ),
    (
        None,
        _plain(
            "bucket-link",
            nuid="",
            size=0,
            chunks=0,
            digest=None,
            options={"link": {"bucket": "other"}},
        ),
    ),
    (None, _plain("bad-link", options={"link": {"bucket": "a.b"}})),
    (None, _plain("tomb", size=0, chunks=0, digest=None, deleted=True)),
    (None, _plain("not-deleted", deleted=False)),
    (None, _plain("wildcard", nuid=">")),
    (None, _plain("dotted", nuid="a.b")),
    (None, _plain("no-nuid", nuid="")),
    (None, _plain("nuid-number", nuid=7)),
    (None, _plain("negative", size=-1)),
    (None, _plain("huge", chunks=2**60)),
    (None, _plain("float-size", size=1.5)),
    (None, _plain("bool-size", size=True)),
    (None, _plain("md5", digest="MD5=abc")),
    (None, _plain("bad-digest", digest="SHA-256=!!!")),
    (None, _plain("lower-digest", digest="sha-256=" + DIGEST[8:])),
    (None, _plain("digest-number", digest=5)),
    (None, _plain("nulls", description=None, size=None, chunks=None, digest=None)),
    (None, {**_plain("json-nulls"), "description": None, "size": None, "headers": None}),
    (None, _plain("é<&>\u2028\x85 ünïcode")),
    (None, _plain("a/b/c.txt")),
    (None, _plain("??>")),  # base64 with `-` and `_`
    ("bWlzbWF0Y2g=", _plain("someone-else")),  # stored under "mismatch"
    ("bm8tbmFtZQ==", _plain("", nuid="X")),  # "no-name"
    ("bm8tbmFtZS1maWVsZA==", _plain("x", name=None)),  # "no-name-field"
    ("dW5wYWRkZWQ", _plain("unpadded")),
    (base64.urlsafe_b64encode("café".encode("latin-1")).decode(), _plain("café")),
    ("bm90LWpzb24=", b"{not json"),  # "not-json"
    ("YXJyYXk=", b"[1, 2]"),  # "array"
    ("ZGVlcA==", b"[" * 100_000 + b"]" * 100_000),  # "deep"
    ("YmFkLXV0Zjg=", b'{"name": "bad-utf8\xff", "nuid": "N", "bucket": "b"}'),  # "bad-utf8"
    ("bm90LWJhc2U2NCE", _plain("not-base64!")),
]


async def _publish(url: str, bucket: str) -> None:
    client = await Client.connect(url)
    try:
        for token, body in ENTRIES:
            if token is None:
                name = body["name"]  # type: ignore[index]
                token = base64.urlsafe_b64encode(name.encode()).decode()
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            data = data.replace(b'"BUCKET"', json.dumps(bucket).encode())
            await client.conn.js.publish(f"$O.{bucket}.M.{token}", data, headers=dict(ROLLUP))
    finally:
        await client.close()


def _masked(text: str, bucket: str) -> str:
    """The output with the server's timestamps and the test's bucket name made constant."""
    now = datetime.now(UTC)
    for stamp in MTIME.findall(text):
        assert abs(datetime.fromisoformat(stamp) - now) < timedelta(minutes=5), stamp
    return MTIME.sub('"mtime": "MTIME"', text).replace(bucket, "BUCKET")


def test_ls_json_is_byte_for_byte_the_golden_listing(cli: Cli, bucket: str) -> None:
    asyncio.run(_publish(cli.url, bucket))
    for flags, golden in (((), "ls.json"), (("--deleted",), "ls-deleted.json")):
        text = cli.ok("ls", bucket, "--json", *flags).text
        assert _masked(text, bucket) == (GOLDEN / golden).read_text(encoding="utf-8")
