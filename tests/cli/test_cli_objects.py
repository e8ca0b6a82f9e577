"""Object commands of `natsobj` against a real server: put, get, info, ls, del, link, meta."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from .conftest import Cli


def _digests(data: bytes) -> tuple[str, str]:
    raw = hashlib.sha256(data).digest()
    return "SHA-256=" + base64.urlsafe_b64encode(raw).decode(), raw.hex()


def test_put_file_then_get_to_cwd(cli: Cli, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(300_000)  # three chunks
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    put = cli.ok("put", bucket, str(src), "--name", "dir/photo.bin", "--description", "d")
    b64, hexed = _digests(data)
    assert "Object information for" in put.text and b64 in put.text and hexed in put.text
    assert put.err == ""  # stderr is not a terminal: no progress bar
    got = cli.ok("get", bucket, "dir/photo.bin")
    assert Path("photo.bin").read_bytes() == data  # default: the base name in the cwd
    assert "Wrote" in got.text


def test_put_default_name_is_the_path_as_given(cli: Cli, bucket: str) -> None:
    Path("sub").mkdir()
    Path("sub/a.txt").write_text("hello")
    cli.ok("put", bucket, "./sub/a.txt")
    names = json.loads(cli.ok("ls", bucket, "--json").text)
    assert [o["name"] for o in names] == ["sub/a.txt"]


def test_get_to_stdout_is_byte_exact(cli: Cli, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(262_144 + 17) + b"\r\n\x00\xff"
    src = tmp_path / "blob"
    src.write_bytes(data)
    cli.ok("put", bucket, str(src), "--name", "blob")
    result = cli.ok("get", bucket, "blob", "-O", "-")
    assert result.out == data


def test_get_into_a_folder_and_replace_needs_force(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "a/b/c.txt", stdin=b"v1")
    out = Path("outdir")
    out.mkdir()
    cli.ok("get", bucket, "a/b/c.txt", "-O", "outdir")
    assert (out / "c.txt").read_bytes() == b"v1"
    cli.ok("put", bucket, "-", "--name", "a/b/c.txt", "-f", stdin=b"v2")
    refused = cli("get", bucket, "a/b/c.txt", "-O", "outdir")
    refused.assert_one_line_error("not confirmed")
    assert (out / "c.txt").read_bytes() == b"v1"
    cli.ok("get", bucket, "a/b/c.txt", "-O", "outdir", "-f")
    assert (out / "c.txt").read_bytes() == b"v2"


def test_stdin_put_needs_a_name_and_stores_the_bytes(cli: Cli, bucket: str) -> None:
    cli("put", bucket, "-", stdin=b"x").assert_one_line_error("--name")
    data = os.urandom(140_000)
    put = cli.ok("put", bucket, "-", "--name", "piped", "-H", "Content-Type:app/x", stdin=data)
    assert _digests(data)[1] in put.text
    info = json.loads(cli.ok("info", bucket, "piped", "--json").text)
    assert info["size"] == len(data) and info["chunks"] == 2
    assert info["headers"] == {"Content-Type": ["app/x"]}
    assert cli.ok("get", bucket, "piped", "-O", "-").out == data


def test_put_existing_object_needs_force_or_a_yes(cli: Cli, bucket: str) -> None:
    Path("f.txt").write_text("one")
    cli.ok("put", bucket, "f.txt")
    Path("f.txt").write_text("two")
    cli("put", bucket, "f.txt").assert_one_line_error("not confirmed", "-f")
    assert cli.ok("get", bucket, "f.txt", "-O", "-").out == b"one"
    no = cli("put", bucket, "f.txt", tty_answer="n")
    assert no.code == 1 and "Traceback" not in no.err
    cli.ok("put", bucket, "f.txt", tty_answer="y")
    assert cli.ok("get", bucket, "f.txt", "-O", "-").out == b"two"
    Path("f.txt").write_text("three")
    cli.ok("put", bucket, "f.txt", "-f")
    assert cli.ok("get", bucket, "f.txt", "-O", "-").out == b"three"


def test_folder_tree_round_trip(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "tree"
    files = {
        "top.txt": b"top",
        "empty.dat": b"",
        "docs/readme.md": b"# hi",
        "docs/deep/er/x.bin": os.urandom(200_000),
        "with space/ü.txt": "ü".encode(),
    }
    for rel, data in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    put = cli.ok("put", bucket, str(src))
    assert f"Put {len(files)} files" in put.text
    listed = {o["name"]: o["size"] for o in json.loads(cli.ok("ls", bucket, "--json").text)}
    assert listed == {rel: len(data) for rel, data in files.items()}

    dest = tmp_path / "copy"
    cli.ok("get", bucket, "-r", "-O", str(dest))
    for rel, data in files.items():
        assert (dest / rel).read_bytes() == data
    sub = tmp_path / "docs-only"
    cli.ok("get", bucket, "docs", "-r", "-O", str(sub))
    got = sorted(p.relative_to(sub).as_posix() for p in sub.rglob("*") if p.is_file())
    assert got == ["deep/er/x.bin", "readme.md"]


def test_folder_put_follows_file_links_and_skips_what_is_not_a_file(
    cli: Cli, bucket: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "a" / "z.txt").write_bytes(b"z")
    (src / "b.txt").write_bytes(b"bb")
    os.mkfifo(src / "fifo")
    (src / "broken").symlink_to(tmp_path / "nowhere")
    (src / "to-file").symlink_to(src / "b.txt")
    (src / "to-folder").symlink_to(src / "a")  # not followed: no loop, no copy
    put = cli.ok("put", bucket, str(src))
    assert "Put 3 files (5 B)" in put.text
    assert f"skipping {src / 'fifo'}: not a regular file" in put.err
    assert f"skipping {src / 'broken'}: not a regular file" in put.err
    assert cli.ok("ls", bucket, "--names").text.split() == ["a/z.txt", "b.txt", "to-file"]


def test_folder_put_skips_a_kept_partial_download(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.html").write_bytes(b"<p>")
    (src / ".natsobj-0123456789ab.part").write_bytes(b"half a download")
    (src / ".natsobj-0123456789ab.part.json").write_bytes(b"{}")
    (src / ".natsobj-notours.part").write_bytes(b"a user's file")
    put = cli.ok("put", bucket, str(src))
    assert "Put 2 files" in put.text
    names = cli.ok("ls", bucket, "--names").text.split()
    assert names == [".natsobj-notours.part", "page.html"]


def test_folder_put_with_prefix_and_clash(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.mkdir()
    (src / "a.txt").write_text("a")
    cli.ok("put", bucket, str(src), "--name", "pre/fix/")
    assert cli.ok("ls", bucket, "--names").text.split() == ["pre/fix/a.txt"]
    cli("put", bucket, str(src), "--name", "pre/fix").assert_one_line_error("Replace 1")
    cli.ok("put", bucket, str(src), "--name", "pre/fix", "-f")


def test_info_shows_both_digest_forms_and_json(cli: Cli, bucket: str) -> None:
    data = b"digest me"
    cli.ok("put", bucket, "-", "--name", "d.txt", "--metadata", "k=v", stdin=data)
    b64, hexed = _digests(data)
    text = cli.ok("info", bucket, "d.txt").text
    assert b64 in text and f"SHA-256 {hexed}" in text and "k: v" in text
    info = json.loads(cli.ok("info", bucket, "d.txt", "--json").text)
    assert info["digest"] == b64 and info["bucket"] == bucket and info["metadata"] == {"k": "v"}
    assert info["options"]["max_chunk_size"] == 128 * 1024 and info["mtime"]


def test_ls_and_del_object_with_tombstones(cli: Cli, bucket: str) -> None:
    assert "No entries found" in cli.ok("ls", bucket).err
    cli.ok("put", bucket, "-", "--name", "keep", stdin=b"1")
    cli.ok("put", bucket, "-", "--name", "gone", stdin=b"22")
    table = cli.ok("ls", bucket).text
    assert "keep" in table and "gone" in table and "Modified" in table
    cli("del", bucket, "gone").assert_one_line_error("not confirmed")
    no = cli("del", bucket, "gone", tty_answer="no")
    assert no.code == 1
    cli.ok("rm", bucket, "gone", tty_answer="y")
    assert [o["name"] for o in json.loads(cli.ok("ls", bucket, "--json").text)] == ["keep"]
    listed = json.loads(cli.ok("ls", bucket, "--deleted", "--json").text)
    assert {o["name"]: o.get("deleted", False) for o in listed} == {"keep": False, "gone": True}
    assert "deleted" in cli.ok("ls", bucket, "--deleted").text
    assert json.loads(cli.ok("info", bucket, "gone", "--deleted", "--json").text)["deleted"]
    cli("info", bucket, "gone").assert_one_line_error("not found")


def test_links_to_objects_and_buckets(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "target", stdin=b"payload")
    text = cli.ok("link", bucket, "alias", bucket, "target").text
    assert f"{bucket} > target" in text
    assert cli.ok("get", bucket, "alias", "-O", "-").out == b"payload"
    cli.ok("link", bucket, "whole", bucket)
    info = json.loads(cli.ok("info", bucket, "whole", "--json").text)
    assert info["options"]["link"] == {"bucket": bucket}
    cli("get", bucket, "whole", "-O", "-").assert_one_line_error("bucket")
    cli("link", bucket, "target", bucket, "alias").assert_one_line_error()
    cli("link", bucket, "x", bucket, "missing").assert_one_line_error("not found")


def test_meta_edits_and_renames(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "m", "-H", "A:1", "--metadata", "x=1", stdin=b"m")
    cli("meta", bucket, "m").assert_one_line_error("nothing to change")
    cli.ok(
        "meta",
        bucket,
        "m",
        "--description",
        "new",
        "-H",
        "B:2",
        "-H",
        "A:",
        "--metadata",
        "y=2",
        "--rename",
        "m2",
    )
    info = json.loads(cli.ok("info", bucket, "m2", "--json").text)
    assert info["description"] == "new"
    assert info["headers"] == {"B": ["2"]}
    assert info["metadata"] == {"x": "1", "y": "2"}
    cli("info", bucket, "m").assert_one_line_error("not found")
    assert cli.ok("get", bucket, "m2", "-O", "-").out == b"m"
    cli.ok("meta", bucket, "m2", "--clear-metadata", "--clear-headers")
    info = json.loads(cli.ok("info", bucket, "m2", "--json").text)
    assert "metadata" not in info and "headers" not in info


def test_chunk_size_option(cli: Cli, bucket: str) -> None:
    data = os.urandom(200_000)
    cli.ok("put", bucket, "-", "--name", "c", "--chunk-size", "64KiB", stdin=data)
    info = json.loads(cli.ok("info", bucket, "c", "--json").text)
    assert info["chunks"] == 4 and info["options"]["max_chunk_size"] == 65536
    assert cli.ok("get", bucket, "c", "-O", "-").out == data
    cli("put", bucket, "-", "--name", "c", "--chunk-size", "0", stdin=b"x").assert_one_line_error()


def test_control_characters_in_names_never_reach_the_terminal(cli: Cli, bucket: str) -> None:
    name = "evil\x1b[2J\rname{0}\n.txt"
    cli.ok("put", bucket, "-", "--name", name, "--description", "d\x07", stdin=b"x")
    for args in (("ls", bucket), ("info", bucket, name), ("ls", bucket, "--deleted")):
        text = cli.ok(*args).text
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text
        assert "evil\\x1b[2J\\x0dname{0}\\x0a.txt" in text
    listed = json.loads(cli.ok("ls", bucket, "--json").text)  # JSON keeps the real name
    assert listed[0]["name"] == name
    assert cli.ok("get", bucket, name, "-O", "-").out == b"x"
    removed = cli.ok("del", bucket, name, "-f").text
    assert "\x1b" not in removed and removed.count("\n") == 1
