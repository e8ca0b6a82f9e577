"""`natsobj del` of many objects: names, --prefix, -r folders, one question, --json outcomes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import nats
import pytest

from natsobj_gui.cli import common, delete
from natsobj_gui.core import Client
from natsobj_gui.core.bulk import CHANGED, BulkProgress
from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .running import chunk_counts


def _fill(cli: Cli, bucket: str, tmp_path: Path, names: dict[str, bytes]) -> None:
    src = tmp_path / "src"
    for name, data in names.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    cli.ok("put", bucket, str(src), "-f")


def _names(cli: Cli, bucket: str) -> list[str]:
    return cli.ok("ls", bucket, "--names").text.split()


def test_many_names_json_and_not_found(cli: Cli, bucket: str, tmp_path: Path) -> None:
    _fill(cli, bucket, tmp_path, {"a": b"1" * 10, "b": b"2" * 20, "c": b"3"})
    cli.ok("del", bucket, "c", "-f")
    res = cli("del", bucket, "a", "b", "c", "nope", "-f", "--json")
    assert res.code == 1  # not everything named was deleted
    outcomes = {r["name"]: (r["outcome"], r["freed"]) for r in json.loads(res.text)}
    assert outcomes == {
        "a": ("deleted", 10),
        "b": ("deleted", 20),
        "c": ("not found", 0),
        "nope": ("not found", 0),
    }
    assert _names(cli, bucket) == []
    listed = json.loads(cli.ok("ls", bucket, "--deleted", "--json").text)
    assert {o["name"] for o in listed if o.get("deleted")} == {"a", "b", "c"}


def test_prefix_asks_once_with_count_and_bytes(cli: Cli, bucket: str, tmp_path: Path) -> None:
    _fill(cli, bucket, tmp_path, {f"logs/{i}.txt": b"x" * 1000 for i in range(5)} | {"keep": b"k"})
    no = cli("del", bucket, "--prefix", "logs/", tty_answer="n")
    assert no.code == 1 and "Delete 5 objects (4.9 KiB)" in no.err and no.err.count("[y/N]") == 1
    assert len(_names(cli, bucket)) == 6
    cli("del", bucket, "--prefix", "logs/").assert_one_line_error("not confirmed", "-f")
    done = cli.ok("del", bucket, "--prefix", "logs/", tty_answer="y")
    assert done.text.count("Removed") == 5 and "Deleted 5 of 5 objects" in done.err
    assert _names(cli, bucket) == ["keep"]


def test_recursive_folder(cli: Cli, bucket: str, tmp_path: Path) -> None:
    names = {"dir/a": b"1", "dir/sub/b": b"2", "dir2/c": b"3", "dirx": b"4"}
    _fill(cli, bucket, tmp_path, names)
    cli.ok("del", bucket, "-r", "dir", "-f")
    assert sorted(_names(cli, bucket)) == ["dir2/c", "dirx"]
    cli("del", bucket, "-r", "dir/", "-f").assert_one_line_error("nothing to delete")
    cli("del", bucket, "x", "-r", "dir2", "-f").assert_one_line_error("only one of them")
    cli("del", bucket, "gone", "-f").assert_one_line_error("'gone' not found")


def test_one_failure_exits_non_zero(
    cli: Cli, bucket: str, tmp_path: Path, nats_server: LocalServer
) -> None:
    _fill(cli, bucket, tmp_path, {"fine": b"1"})
    # Another client stored a name too long for this client's subject budget.
    long_name = "n" * 2760
    subject = f"$O.{bucket}.M.{base64.urlsafe_b64encode(long_name.encode()).decode()}"

    async def write() -> None:
        async with await Client.connect(nats_server.url) as client:
            body = {"name": long_name, "bucket": bucket, "nuid": "N1", "size": 0, "chunks": 0}
            await client.conn.js.publish(subject, json.dumps(body).encode())

    asyncio.run(write())
    res = cli("del", bucket, "--prefix", "", "-f", "--json")
    assert res.code == 1
    outcomes = {r["name"]: r for r in json.loads(res.text)}
    assert outcomes["fine"]["outcome"] == "deleted"
    assert outcomes[long_name]["outcome"] == "failed"
    assert "too long" in outcomes[long_name]["message"]
    plain = cli("del", bucket, "--prefix", "n", "-f")
    assert plain.code == 1 and "too long" in plain.err and "Traceback" not in plain.err


def test_many_names_are_found_in_one_listing(cli: Cli, bucket: str, tmp_path: Path) -> None:
    names = [f"n{i:03d}" for i in range(70)]  # more than are looked up one by one
    _fill(cli, bucket, tmp_path, {n: b"x" for n in names})
    res = cli("del", bucket, *names[:69], "missing", "-f", "--json")
    assert res.code == 1
    outcomes = {r["name"]: r["outcome"] for r in json.loads(res.text)}
    assert outcomes == {**dict.fromkeys(names[:69], "deleted"), "missing": "not found"}
    assert _names(cli, bucket) == ["n069"]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_object_replaced_while_asking_is_kept(
    cli: Cli, bucket: str, tmp_path: Path, nats_server: LocalServer, monkeypatch, as_json: bool
) -> None:
    _fill(cli, bucket, tmp_path, {"logs/a": b"a" * 10, "logs/b": b"b" * 20})

    monkeypatch.setattr(common, "_ask", _rewrite_then_yes(nats_server.url, bucket, "logs/b"))
    res = cli("del", bucket, "--prefix", "logs/", *(["--json"] if as_json else []), tty_answer="y")
    assert res.code == 1  # what was asked is not wholly done: logs/b is still there
    if as_json:
        outcomes = {r["name"]: (r["outcome"], r.get("message")) for r in json.loads(res.text)}
        assert outcomes == {"logs/a": ("deleted", None), "logs/b": ("kept", CHANGED)}
    else:
        assert res.text.splitlines() == [f"Removed {bucket} > logs/a"]
        assert f"natsobj: kept {bucket} > logs/b: {CHANGED}" in res.err
        assert "error" not in res.err and "failed" not in res.err
        assert "Deleted 1 of 2 objects, 10 B freed; 1 kept (changed by another client" in res.err
    assert cli.ok("get", bucket, "logs/b", "-O", "-").out == b"new"
    assert len(chunk_counts(nats_server.url, bucket)) == 1  # the new version's, whole


def test_a_signal_mid_delete_says_what_was_done(
    cli: Cli, bucket: str, nats_server: LocalServer, monkeypatch
) -> None:
    names = [f"s/{i:03d}" for i in range(300)]

    async def fill() -> None:
        async with await Client.connect(nats_server.url) as client:
            store = client.store(bucket)
            for name in names:
                await store.put(name, b"12345")

    asyncio.run(fill())

    real = delete.delete_infos

    async def signalled(*args, **kwargs):  # SIGTERM once 40 objects are done: mid-way
        def progress(p: BulkProgress) -> None:
            if p.done == 40:
                os.kill(os.getpid(), signal.SIGTERM)

        return await real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(common, "_ask", _rewrite_then_yes(nats_server.url, bucket, "s/000"))
    monkeypatch.setattr(delete, "delete_infos", signalled)
    res = cli("del", bucket, "--prefix", "s/", tty_answer="y")

    assert res.code == 128 + signal.SIGTERM
    live = _names(cli, bucket)
    deleted = 300 - len(live)
    assert 40 <= deleted < 299 and "s/000" in live
    lines = res.err.strip().splitlines()
    assert lines[-2:] == [
        f"Stopped: deleted {deleted} of 300 objects ({human_size(deleted * 5)} freed);"
        " 1 kept (changed by another client after it was listed);"
        f" the remaining {299 - deleted} untouched.",
        "natsobj: error: terminated by SIGTERM",
    ]


def _rewrite_then_yes(url: str, bucket: str, name: str) -> Callable[[str], str]:
    """An answer to the confirmation that first has another client (nats-py) write a new
    `name`, as if it did while the operator read the question."""

    def answer(prompt: str) -> str:
        async def put() -> None:
            other = await nats.connect(url)
            try:
                await (await other.jetstream().object_store(bucket)).put(name, b"new")
            finally:
                await other.close()

        worker = threading.Thread(target=asyncio.run, args=(put(),))
        worker.start()
        worker.join(30)
        return "y"

    return answer
