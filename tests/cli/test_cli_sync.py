"""`natsobj sync` in-process against the session's real server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import nats
import pytest

from natsobj_gui.cli import sync
from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.sync_delete import KEPT
from natsobj_gui.core.types import Progress

from .conftest import Cli


@pytest.fixture(autouse=True)
def hash_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own hash cache, never the user's."""
    path = tmp_path / "cache" / "hashes.sqlite3"
    monkeypatch.setenv("NATSOBJ_HASH_CACHE", str(path))
    return path


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _names(cli: Cli, bucket: str) -> list[str]:
    return sorted(cli.ok("ls", bucket, "-n").text.split())


def test_upload_and_download_map_names_like_folder_uploads(
    cli: Cli, bucket: str, tmp_path: Path, hash_cache: Path
) -> None:
    src = tmp_path / "DIR"
    _tree(src, {"a/x.txt": b"x", "top.bin": os.urandom(200_000)})
    result = cli.ok("sync", str(src), f"{bucket}/backup")
    assert "Uploaded 2 files" in result.text
    assert _names(cli, bucket) == ["backup/a/x.txt", "backup/top.bin"]
    assert hash_cache.is_file()

    # The first sync's uploads filled the hash cache: checking again reads no file.
    check = json.loads(cli.ok("sync", str(src), f"{bucket}/backup", "--dry-run", "--json").text)
    assert (check["plan"]["hashed_files"], check["plan"]["cached_hashes"]) == (0, 2)
    again = cli.ok("sync", str(src), f"{bucket}/backup")
    assert "Uploaded 0 files" in again.text and "2 already the same" in again.text

    out = tmp_path / "OUT"
    cli.ok("sync", f"{bucket}/backup", str(out))
    assert (out / "a" / "x.txt").read_bytes() == b"x"
    assert (out / "top.bin").read_bytes() == (src / "top.bin").read_bytes()
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["top.bin", "x.txt"]


def test_dry_run_prints_the_plan_and_changes_nothing(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "d"
    _tree(src, {"new.txt": b"n", "same.txt": b"s"})
    cli.ok("put", bucket, str(src / "same.txt"), "--name", "same.txt")
    cli.ok("put", bucket, "-", "--name", "extra.txt", stdin=b"e")

    dry = cli("sync", str(src), bucket, "--dry-run", "--delete", "-v")
    assert dry.code == 1  # something to do: the destination does not match yet
    assert "upload   new.txt (only in the folder)" in dry.text
    assert "delete   extra.txt (only in the bucket)" in dry.text
    assert "Plan: 1 to upload (1 B), 1 to delete (1 B), 1 the same (1 B)" in dry.text
    assert "Dry run" in dry.err
    assert _names(cli, bucket) == ["extra.txt", "same.txt"]

    doc = json.loads(cli("sync", str(src), bucket, "--dry-run", "--json").text)
    assert doc["plan"]["counts"]["upload"] == 1 and doc["plan"]["counts"]["extra"] == 1
    assert doc["plan"]["bytes"]["same"] == 1 and doc["result"] is None


def test_delete_asks_once_unless_forced(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "d"
    _tree(src, {"keep.txt": b"k"})
    for name in ("x1", "x2"):
        cli.ok("put", bucket, "-", "--name", name, stdin=b"x")
    cli("sync", str(src), bucket, "--delete").assert_one_line_error("not confirmed")
    assert _names(cli, bucket) == ["x1", "x2"]
    asked = cli("sync", str(src), bucket, "--delete", tty_answer="n")
    assert asked.code == 1 and "Delete 2 objects in bucket" in asked.err
    cli.ok("sync", str(src), bucket, "--delete", tty_answer="y")
    assert _names(cli, bucket) == ["keep.txt"]
    cli.ok("put", bucket, "-", "--name", "x3", stdin=b"x")
    doc = json.loads(cli.ok("sync", str(src), bucket, "--delete", "-f", "--json").text)
    assert doc["result"]["done"]["delete"] == 1 and doc["result"]["matches"] is True


def test_excludes_and_unsafe_names(cli: Cli, bucket: str, tmp_path: Path) -> None:
    for name in ("ok.txt", "skip.tmp", "../escape", "a\\b"):
        cli.ok("put", bucket, "-", "--name", name, stdin=b"data")
    out = tmp_path / "box" / "out"
    result = cli("sync", bucket, str(out), "--exclude", "*.tmp")
    assert result.code == 1
    assert "skipping ../escape: cannot be a local file name" in result.err
    assert "natsobj: error: 2 names could not be synced" in result.err
    assert [p.name for p in (tmp_path / "box").rglob("*")] == ["out", "ok.txt"]


def test_a_change_on_each_side(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "d"
    _tree(src, {"f.txt": b"1111"})
    cli.ok("sync", str(src), bucket)
    (src / "f.txt").write_bytes(b"2222")
    os.utime(src / "f.txt", ns=(5, 5))
    doc = json.loads(cli.ok("sync", str(src), bucket, "--json").text)
    assert doc["plan"]["items"] == [
        {"name": "f.txt", "action": "upload", "bytes": 4, "reason": "content differs"}
    ]
    assert cli.ok("get", bucket, "f.txt", "-O", "-").out == b"2222"
    cli.ok("put", bucket, "-", "--name", "f.txt", "-f", stdin=b"3333")
    cli.ok("sync", bucket, str(src))
    assert (src / "f.txt").read_bytes() == b"3333"


def test_bad_arguments(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    cli("sync", str(tmp_path / "file"), "b").assert_one_line_error("is a file")
    cli("sync", "not a bucket!", str(tmp_path)).assert_one_line_error("neither a local folder")
    cli("sync", str(tmp_path), "no_such_bucket_x").assert_one_line_error("not found")


def test_put_dir_and_sync_import_only_what_they_need(
    cli: Cli, bucket: str, tmp_path: Path, hash_cache: Path
) -> None:
    """Neither loads the embedded server's modules; only sync loads SQLite (its cache)."""
    src = tmp_path / "d"
    _tree(src, {"a.txt": b"a", "b/c.txt": b"c"})
    code = (
        "import sys\n"
        "from natsobj_gui.cli.main import main\n"
        "assert main(sys.argv[1:]) == 0\n"
        "seen = {'natsobj_gui.core.embedded', 'natsobj_gui.core.server', 'sqlite3'}\n"
        "print('loaded:', *sorted(seen & set(sys.modules)))\n"
    )
    env = {**os.environ, "NATSOBJ_HASH_CACHE": str(hash_cache)}

    def loaded(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", code, "-s", cli.url, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.splitlines()[-1].removeprefix("loaded:").strip()

    assert loaded("put", bucket, str(src), "--name", "put") == ""
    assert loaded("sync", str(src), f"{bucket}/sync") == "sqlite3"


def _rewrite_while_asked(url: str, bucket: str, name: str) -> Callable[[], None]:
    """While `natsobj` waits for its answer, another client (nats-py) writes a new `name`."""

    async def rewrite() -> None:
        other = await nats.connect(url)
        try:
            await (await other.jetstream().object_store(bucket)).put(name, b"theirs")
        finally:
            await other.close()

    def run() -> None:
        # The CLI's own loop is blocked in the prompt: the other client runs in its own thread.
        thread = threading.Thread(target=asyncio.run, args=(rewrite(),))
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()

    return run


def test_an_extra_rewritten_after_the_plan_is_kept_and_said(
    cli: Cli, bucket: str, tmp_path: Path
) -> None:
    src = tmp_path / "d"
    _tree(src, {"keep.txt": b"k"})
    cli.ok("put", bucket, str(src / "keep.txt"), "--name", "keep.txt")
    for name in ("x1", "x2", "x3"):
        cli.ok("put", bucket, "-", "--name", name, stdin=b"mine")
    rewrite = _rewrite_while_asked(cli.url, bucket, "x2")
    run = cli("sync", str(src), bucket, "--delete", tty_answer="y", while_asked=rewrite)
    assert run.code == 1 and "Delete 3 objects in bucket" in run.err
    assert f"not deleted x2: {KEPT}" in run.err
    assert "deleted 2 (kept 1 changed since the compare), 1 already the same" in run.text
    assert "natsobj: error: 1 name could not be synced" in run.err
    assert _names(cli, bucket) == ["keep.txt", "x2"]
    assert cli.ok("get", bucket, "x2", "-O", "-").out == b"theirs"

    # --json: the result says which were kept and why; the counts are what was done.
    for name in ("x4", "x5"):
        cli.ok("put", bucket, "-", "--name", name, stdin=b"mine")
    rewrite = _rewrite_while_asked(cli.url, bucket, "x4")
    run = cli("sync", str(src), bucket, "--delete", "--json", tty_answer="y", while_asked=rewrite)
    doc = json.loads(run.text)["result"]
    assert run.code == 1 and doc["done"]["delete"] == 2 and doc["matches"] is False
    assert doc["kept"] == [{"name": "x4", "reason": KEPT}] and doc["gone"] == []
    assert _names(cli, bucket) == ["keep.txt", "x4"]


def test_delete_removes_many_extras(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "d"
    _tree(src, {"p/keep.txt": b"k"})
    cli.ok("put", bucket, str(src), "--name", "backup")
    folder = tmp_path / "many"
    _tree(folder, {f"old/{i:03}": b"x" * i for i in range(150)})
    cli.ok("put", bucket, str(folder), "--name", "backup")
    doc = json.loads(cli.ok("sync", str(src), f"{bucket}/backup", "--delete", "-f", "--json").text)
    assert doc["result"]["done"]["delete"] == 150 and doc["result"]["matches"] is True
    assert doc["result"]["kept"] == [] and doc["result"]["failed"] == []
    assert doc["plan"]["bytes"]["delete"] == sum(range(150))
    assert _names(cli, bucket) == ["backup/p/keep.txt"]


@pytest.mark.parametrize("stop_at", [12, 40 + 60], ids=["mid-upload", "mid-delete"])
def test_a_signal_mid_sync_says_what_was_done(
    cli: Cli, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: int
) -> None:
    src = tmp_path / "d"
    _tree(src, {f"f/{i:02}": bytes([i]) * 1000 for i in range(40)})
    _tree(tmp_path / "old", {f"{i:03}": b"12345" for i in range(150)})
    cli.ok("put", bucket, str(tmp_path / "old"), "--name", "old")
    real = sync.run_sync
    sent: list[int] = []

    async def signalled(*args, **kwargs):  # SIGTERM once `stop_at` names are done
        def progress(p: Progress) -> None:
            if p.chunks_done >= stop_at and not sent:
                sent.append(p.chunks_done)
                os.kill(os.getpid(), signal.SIGTERM)

        return await real(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr(sync, "run_sync", signalled)
    res = cli("sync", str(src), bucket, "--delete", "-f")

    assert res.code == 128 + signal.SIGTERM and sent
    names = _names(cli, bucket)
    uploaded = sum(n.startswith("f/") for n in names)
    deleted = 150 - sum(n.startswith("old/") for n in names)
    assert stop_at <= uploaded + deleted < 190
    lines = res.err.strip().splitlines()
    assert lines[-2:] == [
        f"Stopped: uploaded {uploaded} of 40 files ({human_size(uploaded * 1000)});"
        f" deleted {deleted} of 150 objects; the remaining {190 - uploaded - deleted} untouched."
        " Run the same sync again to finish.",
        "natsobj: error: terminated by SIGTERM",
    ]
    monkeypatch.setattr(sync, "run_sync", real)
    cli.ok("sync", str(src), bucket, "--delete", "-f")
    assert _names(cli, bucket) == [f"f/{i:02}" for i in range(40)]
