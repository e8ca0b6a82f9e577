"""Bad input a new user may give gets one sentence naming what to fix, not a library error."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import nkeys
import pytest
from auth.nats_jwt import creds_text, make_operator, new_key
from auth.pki import TestCA

from natsobj_gui.core.server import LocalServer

from .conftest import Cli
from .test_cli_script import env, script


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "garbage").write_text("this is not what you think it is\n")
    (folder / "adir").mkdir()
    return folder


@pytest.mark.parametrize(
    ("option", "file", "fragment"),
    [
        ("--creds", "garbage", "is not a NATS credentials file"),
        ("--creds", "adir", "the credentials file {p} is a folder"),
        ("--creds", "missing", "the credentials file {p} does not exist"),
        ("--nkey", "garbage", "the NKEY seed file {p} does not hold a valid NKEY seed"),
        ("--nkey", "missing", "the NKEY seed file {p} does not exist"),
        ("--tlsca", "missing", "the CA certificate file {p} does not exist"),
        ("--tlsca", "garbage", "the CA certificate file {p} holds no PEM certificate"),
        ("--tlscert", "missing", "the client certificate file {p} does not exist"),
        ("--tlscert", "garbage", "the client certificate {p} (key included) are not a PEM"),
        ("--tlskey", "garbage", "a client key was given without its client certificate"),
    ],
)
def test_bad_local_files_are_named(
    cli: Cli, files: Path, option: str, file: str, fragment: str
) -> None:
    path = files / file
    result = cli(option, str(path), "ls")
    result.assert_one_line_error(fragment.format(p=path))
    assert str(path) in result.err or option == "--tlskey"


def test_creds_with_garbage_after_a_valid_jwt(cli: Cli, files: Path) -> None:
    creds = files / "noseed.creds"
    creds.write_text(creds_text(make_operator().user_jwt, "SUnot-a-seed"))
    cli("--creds", str(creds), "ls").assert_one_line_error("holds no valid user NKEY seed")


def test_tls_key_that_does_not_match_its_certificate(cli: Cli, files: Path) -> None:
    ca = TestCA(files / "ca")
    mine, other = ca.issue("me", client=True), ca.issue("other", client=True)
    result = cli("--tlscert", str(mine.cert), "--tlskey", str(other.key), "ls")
    result.assert_one_line_error("do not belong together", str(mine.cert))


def test_expired_user_jwt_says_so_and_when(
    server_factory, capsysbinary, monkeypatch: pytest.MonkeyPatch, files: Path
) -> None:
    expired_at = int(time.time()) - 3600
    op = make_operator(user_expires=expired_at)
    server: LocalServer = server_factory(op.server_config())
    creds = files / "expired.creds"
    creds.write_text(op.creds())
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(expired_at))
    result = Cli(server.url, capsysbinary, monkeypatch)("--creds", str(creds), "ls")
    result.assert_one_line_error("authentication failed", f"{creds} expired on {when} UTC")


def test_a_valid_nkey_seed_file_still_passes_the_check(cli: Cli, files: Path) -> None:
    seed = files / "user.nk"
    seed.write_text(new_key(nkeys.PREFIX_BYTE_USER).seed + "\n")
    cli.ok("--nkey", str(seed), "ls")  # the shared server has no auth: the seed is not used


def test_put_with_an_empty_name_is_refused(cli: Cli, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "file.txt"
    src.write_text("x")
    cli("put", bucket, str(src), "--name", "").assert_one_line_error("--name cannot be empty")
    cli("put", bucket, "-", "--name", "", stdin=b"x").assert_one_line_error("cannot be empty")
    assert cli.ok("ls", bucket, "--names").text.split() == []


def test_put_from_a_fifo_streams_like_stdin(cli: Cli, bucket: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = os.urandom(3 * 1024 * 1024 + 17)

    def write() -> None:
        with open(fifo, "wb") as f:
            for i in range(0, len(data), 100_000):
                f.write(data[i : i + 100_000])
                time.sleep(0.01)  # slower than the upload: reads see partial chunks

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    cli.ok("put", bucket, str(fifo), "--name", "x")
    writer.join(10)
    assert cli.ok("get", bucket, "x", "-O", "-").out == data


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for <(command)")
def test_put_from_process_substitution(
    nats_server: LocalServer, bucket: str, cli_env: Path, cli: Cli
) -> None:
    command = f'"{script()}" -s {nats_server.url} put {bucket} <(seq 1 300000) --name x'
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, env=env(cli_env), timeout=60
    )
    assert done.returncode == 0, done.stderr
    expected = "".join(f"{i}\n" for i in range(1, 300001)).encode()
    assert cli.ok("get", bucket, "x", "-O", "-").out == expected


def test_put_of_a_proc_file_reads_it_to_the_end(cli: Cli, bucket: str) -> None:
    """/proc and /sys files say they are empty, whatever they hold."""
    cli.ok("put", bucket, "/proc/self/mounts", "--name", "mounts")
    assert cli.ok("get", bucket, "mounts", "-O", "-").out.strip()


def test_get_into_a_missing_folder_names_the_folder(cli: Cli, bucket: str, tmp_path: Path) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    folder = tmp_path / "nope"
    result = cli("get", bucket, "x", "-O", str(folder / "x"))
    result.assert_one_line_error(f"cannot create a file in {folder}: no such file or directory")
    assert ".natsobj-" not in result.err


def test_a_malformed_server_url_is_named(cli: Cli) -> None:
    result = cli("-s", "nats://127.0.0.1:notaport", "ls", server=False)
    result.assert_one_line_error("nats://127.0.0.1:notaport: not a valid server URL")


def test_meta_rename_to_an_empty_name_is_refused(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "x", stdin=b"x")
    cli("meta", bucket, "x", "--rename", "").assert_one_line_error("--rename cannot be empty")
