"""Bucket commands of `natsobj` against a real server: add, edit, ls, status, info, seal, del."""

from __future__ import annotations

import json

from .conftest import Cli


def test_add_with_every_option_then_status_json(cli: Cli, bucket_name: str) -> None:
    text = cli.ok(
        "add",
        bucket_name,
        "--description",
        "my files",
        "--ttl",
        "1h30m",
        "--max-bucket-size",
        "512MiB",
        "--storage",
        "memory",
        "--replicas",
        "1",
        "--compress",
        "--metadata",
        "team=ops",
        "--metadata",
        "env=test",
    ).text
    try:
        assert "TTL: 1h30m" in text and "Maximum Bucket Size: 512 MiB" in text
        status = json.loads(cli.ok("status", bucket_name, "--json").text)
        assert status["bucket"] == bucket_name and status["stream"] == f"OBJ_{bucket_name}"
        assert status["description"] == "my files"
        assert status["ttl"] == 5400
        assert status["max_bytes"] == 512 * 1024 * 1024
        assert status["storage"] == "memory"
        assert status["compressed"] is True and status["sealed"] is False
        assert status["metadata"] == {"team": "ops", "env": "test"}
        # info without a name is the bucket's status too
        assert json.loads(cli.ok("info", bucket_name, "--json").text) == status
    finally:
        cli("del", bucket_name, "-f")


def test_edit_changes_only_what_is_given(cli: Cli, bucket: str) -> None:
    cli.ok("edit", bucket, "--description", "d", "--metadata", "a=1", "--metadata", "b=2")
    cli.ok("edit", bucket, "--ttl", "90", "--max-bucket-size", "1GB", "--metadata", "a=")
    status = json.loads(cli.ok("status", bucket, "--json").text)
    assert status["description"] == "d"
    assert status["ttl"] == 90 and status["max_bytes"] == 1 << 30
    assert status["metadata"] == {"b": "2"}
    cli.ok("edit", bucket, "--compress")
    assert json.loads(cli.ok("status", bucket, "--json").text)["compressed"] is True
    cli.ok("edit", bucket, "--no-compress")
    assert json.loads(cli.ok("status", bucket, "--json").text)["compressed"] is False
    cli("edit", bucket).assert_one_line_error("nothing to change")
    cli("edit", bucket, "--storage", "memory").assert_one_line_error("storage")


def test_ls_buckets_table_names_and_json(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"12345")
    table = cli.ok("ls").text
    assert "Bucket" in table and bucket in table
    assert bucket in cli.ok("ls", "--names").text.split()
    listed = {b["bucket"]: b for b in json.loads(cli.ok("ls", "--json").text)}
    assert listed[bucket]["size"] > 5


def test_status_text(cli: Cli, bucket: str) -> None:
    text = cli.ok("status", bucket).text
    assert f"Information for Object Store Bucket {bucket}" in text
    assert "TTL: unlimited" in text and "Maximum Bucket Size: unlimited" in text
    assert "Sealed: false" in text


def test_options_after_the_command_work_too(cli: Cli, bucket: str) -> None:
    result = cli("status", bucket, "--json", "-s", cli.url, server=False)
    assert result.code == 0 and json.loads(result.text)["bucket"] == bucket


def test_seal_refuses_without_confirmation_then_seals(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    cli("seal", bucket).assert_one_line_error("not confirmed")
    assert json.loads(cli.ok("status", bucket, "--json").text)["sealed"] is False
    assert "has been sealed" in cli.ok("seal", bucket, "-f").text
    assert json.loads(cli.ok("status", bucket, "--json").text)["sealed"] is True
    cli("put", bucket, "-", "--name", "y", stdin=b"y").assert_one_line_error("sealed")
    cli("del", bucket, "x", "-f").assert_one_line_error("sealed")
    cli("meta", bucket, "x", "--description", "z").assert_one_line_error("sealed")
    assert cli.ok("get", bucket, "x", "-O", "-").out == b"x"  # still readable


def test_del_bucket_needs_confirmation(cli: Cli, bucket_name: str) -> None:
    cli.ok("add", bucket_name)
    cli("del", bucket_name).assert_one_line_error("not confirmed", "-f")
    assert bucket_name in cli.ok("ls", "--names").text.split()
    assert cli("rm", bucket_name, tty_answer="n").code == 1
    assert bucket_name in cli.ok("ls", "--names").text.split()
    assert f"Deleted bucket {bucket_name}" in cli.ok("del", bucket_name, "-f").text
    assert bucket_name not in cli.ok("ls", "--names").text.split()
    cli("del", bucket_name, "-f").assert_one_line_error("not found")
