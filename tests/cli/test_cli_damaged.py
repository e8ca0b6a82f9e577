"""`natsobj` on infos other clients wrote broken or hostile, and JSON output for any text."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from core.raw import ROLLUP, chunk_subjects, digest_of, publish_chunks, publish_meta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsobj_gui.cli import output as out
from natsobj_gui.core import Client, ObjectInfo
from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .test_cli_script import Watch


def _raw(cli: Cli, work: Callable[[Client], Awaitable[Any]]) -> Any:
    """Run raw nats-py work against the CLI's server (the CLI runs its own loop)."""

    async def run() -> Any:
        client = await Client.connect(cli.url)
        try:
            return await work(client)
        finally:
            await client.close()

    return asyncio.run(run())


def _hostile(bucket: str, name: str, nuid: str) -> Callable[[Client], Awaitable[None]]:
    doc = {"name": name, "bucket": bucket, "nuid": nuid, "size": 1, "chunks": 1}
    return lambda client: publish_meta(client, bucket, name, doc)


def test_damaged_entry_is_listed_shown_refused_and_deleted_alone(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "victim", stdin=b"v" * 300_000)
    before = _raw(cli, lambda c: chunk_subjects(c, bucket))
    _raw(cli, _hostile(bucket, "evil", ">"))
    table = cli.ok("ls", bucket).text
    (row,) = [line for line in table.splitlines() if line.startswith("evil")]
    assert "damaged" in row and "is not a plain token" in row
    listed = {o["name"]: o for o in json.loads(cli.ok("ls", bucket, "--json").text)}
    assert "is not a plain token" in listed["evil"]["damaged"]
    assert "damaged" not in listed["victim"]
    shown = cli.ok("info", bucket, "evil")
    assert "Damaged: its nuid '>' is not a plain token" in shown.text
    cli("get", bucket, "evil", "-O", "out.bin").assert_one_line_error("damaged", "evil")
    cli("meta", bucket, "evil", "--description", "x").assert_one_line_error("damaged")
    # An overwrite and a delete replace the meta; neither purges a chunk of another object.
    cli.ok("put", bucket, "-", "--name", "evil", "-f", stdin=b"new")
    assert cli.ok("get", bucket, "evil", "-O", "-").out == b"new"
    _raw(cli, _hostile(bucket, "evil", "*"))
    cli.ok("del", bucket, "evil", "-f")
    after = _raw(cli, lambda c: chunk_subjects(c, bucket))
    assert {k: v for k, v in after.items() if k in before} == before
    assert [o["name"] for o in json.loads(cli.ok("ls", bucket, "--json").text)] == ["victim"]


def test_unparseable_info_is_named_after_its_subject(cli: Cli, bucket: str) -> None:
    _raw(cli, lambda c: publish_meta(c, bucket, "junk", b"{nope"))
    table = cli.ok("ls", bucket).text
    assert "junk" in table and "its info is not valid JSON" in table
    info = json.loads(cli.ok("info", bucket, "junk", "--json").text)
    assert info["name"] == "junk" and info["damaged"] == "its info is not valid JSON"
    cli("get", bucket, "junk", "-O", "-").assert_one_line_error("not valid JSON")
    cli.ok("del", bucket, "junk", "-f")
    assert cli.ok("ls", bucket, "--json").text.strip() == "[]"


def test_object_without_digest_downloads_with_a_warning(cli: Cli, bucket: str) -> None:
    async def write(client: Client) -> None:
        await publish_chunks(client, bucket, "NODIGEST", [b"plain"])
        doc = {"name": "plain", "bucket": bucket, "nuid": "NODIGEST", "size": 5, "chunks": 1}
        await publish_meta(client, bucket, "plain", doc)

    _raw(cli, write)
    got = cli.ok("get", bucket, "plain", "-O", "-")
    assert got.out == b"plain" and "not verified" in got.err
    got = cli.ok("get", bucket, "plain", "-O", "plain.txt")
    assert "not verified" in got.err
    signed = cli.ok("put", bucket, "-", "--name", "signed", stdin=b"x")
    assert "not verified" not in cli.ok("get", bucket, "signed", "-O", "-").err
    assert signed.code == 0 and digest_of(b"x")


C1_NAME = "c1\x85\x80\x9f del\x7f ls\u2028 ps\u2029 nul\x00 esc\x1b"


def test_json_output_of_control_characters_is_valid(cli: Cli, bucket: str) -> None:
    cli.ok(
        "put", bucket, "-", "--name", C1_NAME, "--description", "d\x85\u2028",
        "--header", "X-C1:v\x9f", "--metadata", "k\x85k=v\x85", stdin=b"1",
    )  # fmt: skip
    (listed,) = json.loads(cli.ok("ls", bucket, "--json").text)
    assert listed["name"] == C1_NAME and listed["description"] == "d\x85\u2028"
    info = json.loads(cli.ok("info", bucket, C1_NAME, "--json").text)
    assert info["headers"] == {"X-C1": ["v\x9f"]} and info["metadata"] == {"k\x85k": "v\x85"}
    raw = cli.ok("info", bucket, C1_NAME, "--json").out
    assert b"\xc2\x85" not in raw and b"\\x85" not in raw and b"\\u0085" in raw


# Any code point, lone surrogates included (a name from a broken JSON escape can hold one).
TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=sys.maxunicode), max_size=30)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=TEXT, description=TEXT, key=TEXT, value=TEXT, damaged=TEXT)
def test_print_json_is_valid_json_for_any_text(
    capsysbinary: pytest.CaptureFixture[bytes],
    name: str,
    description: str,
    key: str,
    value: str,
    damaged: str,
) -> None:
    info = ObjectInfo(
        name=name,
        bucket="b",
        nuid="N",
        description=description,
        headers={key: [value]},
        metadata={key: value},
        damaged=damaged,
    )
    capsysbinary.readouterr()
    out.print_json([out.object_json(info)])
    raw = capsysbinary.readouterr().out
    parsed = json.loads(raw.decode("utf-8"))  # strict UTF-8: no lone surrogate got through
    assert parsed == [json.loads(json.dumps(out.object_json(info)))]
    assert not any(0x7F <= b <= 0x9F for b in raw.decode("utf-8").encode("latin-1", "ignore"))


def test_watch_prints_damaged_entries_with_their_reason(
    cli: Cli, nats_server: LocalServer, bucket: str, cli_env: Path
) -> None:
    _raw(cli, lambda c: publish_meta(c, bucket, "junk", b"[1]"))
    watch = Watch(nats_server.url, bucket, cli_env)
    try:
        assert f"PUT {bucket} > junk: damaged: its info is not a JSON object" in watch.next()
        _raw(cli, _hostile(bucket, "evil", "a.b"))
        assert "> evil: damaged: its nuid 'a.b' is not a plain token" in watch.next()
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0 and b"Traceback" not in err


def test_names_nats_js_wrote_work_from_the_cli(cli: Cli, bucket: str) -> None:
    name = "café"
    latin = f"$O.{bucket}.M.{base64.urlsafe_b64encode(name.encode('latin-1')).decode()}"

    async def write(client: Client) -> None:
        await publish_chunks(client, bucket, "NJS", [b"from nats.js"])
        doc = {"name": name, "bucket": bucket, "nuid": "NJS", "size": 12, "chunks": 1}
        doc["digest"] = digest_of(b"from nats.js")
        await client.conn.js.publish(latin, json.dumps(doc).encode(), headers=ROLLUP)

    _raw(cli, write)
    assert json.loads(cli.ok("info", bucket, name, "--json").text)["nuid"] == "NJS"
    assert cli.ok("get", bucket, name, "-O", "-").out == b"from nats.js"
    cli.ok("meta", bucket, name, "--description", "edited")
    cli.ok("link", bucket, "to-cafe", bucket, name)
    assert cli.ok("get", bucket, "to-cafe", "-O", "-").out == b"from nats.js"
    listed = {o["name"]: o for o in json.loads(cli.ok("ls", bucket, "--json").text)}
    assert listed[name]["description"] == "edited" and len(listed) == 2
    cli.ok("del", bucket, name, "-f")
    assert list(_raw(cli, lambda c: chunk_subjects(c, bucket))) == []
    cli("info", bucket, name).assert_one_line_error("not found")
