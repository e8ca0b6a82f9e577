"""`natsobj backup` / `natsobj restore` in-process against the session's real server."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from natsobj_gui.core.server import LocalServer

from .conftest import Cli


def _objects(cli: Cli, bucket: str) -> str:
    return cli.ok("ls", bucket, "--deleted", "--json").text


def test_backup_delete_restore(cli: Cli, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    cli.ok("put", bucket, str(src), "--name", "blob", "--metadata", "k=v", "-H", "X-A:1")
    cli.ok("link", bucket, "alias", bucket, "blob")
    cli.ok("put", bucket, "-", "--name", "gone", stdin=b"bye")
    cli.ok("del", bucket, "gone", "-f")
    before = _objects(cli, bucket)
    dest = tmp_path / "b.backup"

    result = cli.ok("backup", bucket, str(dest))
    assert f"Backed up bucket {bucket}" in result.text and "SHA-256" in result.text
    assert dest.is_file()
    checked = cli.ok("restore", str(dest), "--check")
    assert f"complete backup of bucket {bucket}" in checked.text

    cli.ok("del", bucket, "-f")
    cli("info", bucket).assert_one_line_error("not found")
    assert f"Restored bucket {bucket}" in cli.ok("restore", str(dest)).text
    assert _objects(cli, bucket) == before
    out = tmp_path / "back.bin"
    cli.ok("get", bucket, "alias", "-O", str(out))
    assert out.read_bytes() == data


def test_restore_refuses_an_existing_bucket(cli: Cli, bucket: str, tmp_path: Path) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"1")
    dest = tmp_path / "b.backup"
    cli.ok("backup", bucket, str(dest))
    cli("restore", str(dest)).assert_one_line_error("already exists")


def test_backup_asks_before_replacing_a_file(cli: Cli, bucket: str, tmp_path: Path) -> None:
    dest = tmp_path / "b.backup"
    dest.write_bytes(b"keep me")
    cli("backup", bucket, str(dest)).assert_one_line_error("not confirmed")
    assert dest.read_bytes() == b"keep me"
    cli.ok("backup", bucket, str(dest), "-f")
    assert dest.read_bytes() != b"keep me"


def test_corrupt_and_truncated_files(cli: Cli, bucket: str, tmp_path: Path) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=os.urandom(50_000))
    dest = tmp_path / "b.backup"
    cli.ok("backup", bucket, str(dest))
    cli.ok("del", bucket, "-f")
    good = dest.read_bytes()

    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x40
    dest.write_bytes(bytes(flipped))
    cli("restore", str(dest)).assert_one_line_error("is corrupt")
    cli("info", bucket).assert_one_line_error("not found")

    dest.write_bytes(good[: len(good) // 2])
    cli("restore", str(dest)).assert_one_line_error("truncated")
    cli("restore", str(dest), "--check").assert_one_line_error("truncated")
    cli("info", bucket).assert_one_line_error("not found")

    dest.write_bytes(good)
    cli.ok("restore", str(dest))


def test_restore_on_another_server(
    cli: Cli, bucket: str, tmp_path: Path, server_factory: Callable[..., LocalServer]
) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"payload")
    dest = tmp_path / "b.backup"
    cli.ok("backup", bucket, str(dest))
    other = server_factory()
    cli.ok("-s", other.url, "restore", str(dest), server=False)
    assert cli.ok("-s", other.url, "get", bucket, "x", "-O", "-", server=False).out == b"payload"


def test_missing_bucket_and_file(cli: Cli, tmp_path: Path) -> None:
    cli("backup", "no_such_bucket", str(tmp_path / "x")).assert_one_line_error("not found")
    assert not (tmp_path / "x").exists()
    cli("restore", str(tmp_path / "nope")).assert_one_line_error("does not exist")
