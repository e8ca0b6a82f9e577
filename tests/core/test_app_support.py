"""Qt-free helpers of the app: the embedded server's data folder and the upload planner."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import alive

from natsobj_gui.core import Client, dirs, embedded, profiles
from natsobj_gui.core.embedded import EmbeddedServer, app_data_dir, default_store_dir
from natsobj_gui.core.uploads import join_prefix, plan_uploads


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is the Linux convention")
def test_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert app_data_dir() == tmp_path / "natsobj-gui"
    assert default_store_dir() == tmp_path / "natsobj-gui" / "jetstream"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert app_data_dir() == Path.home() / ".local" / "share" / "natsobj-gui"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is the Linux convention")
def test_profiles_stay_where_linux_users_have_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert profiles.default_path() == tmp_path / "natsobj-gui" / "profiles.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert profiles.default_path() == Path.home() / ".config" / "natsobj-gui" / "profiles.json"
    assert dirs.legacy_config_dir() is None


def test_profiles_from_the_old_config_folder_are_copied_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Windows and macOS kept profiles in ~/.config before platformdirs: carried over."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    (old / "profiles.json").write_text('{"profiles": []}')
    monkeypatch.setattr(profiles, "legacy_config_dir", lambda: old)
    monkeypatch.setattr(profiles, "app_config_dir", lambda: new)
    assert profiles.default_path() == new / "profiles.json"
    assert (new / "profiles.json").read_text() == '{"profiles": []}'
    (old / "profiles.json").write_text("newer, from the old release")
    profiles.default_path()
    assert (new / "profiles.json").read_text() == '{"profiles": []}'  # copied only once


async def test_embedded_server_keeps_data_across_restarts(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "js")
    url = server.start()
    assert url.startswith("nats://127.0.0.1:")
    assert server.start() == url  # idempotent
    client = await Client.connect(url)
    try:
        store = await client.create_bucket("keep")
        await store.put("a/b.txt", b"hello")
    finally:
        await client.close()
    server.stop()
    assert not server.running
    server.stop()  # twice is fine
    with server:
        client = await Client.connect(server.url)
        try:
            assert await client.store("keep").get_bytes("a/b.txt") == b"hello"
        finally:
            await client.close()
    assert (tmp_path / "js" / "jetstream").is_dir()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
async def test_a_server_left_by_a_killed_app_is_stopped_not_doubled(tmp_path: Path) -> None:
    # The owner dies without stopping its server (SIGKILL, a crash): its lock goes with it,
    # the server stays. The next start must stop that one before starting its own, or two
    # servers would write the same JetStream store.
    store_dir = tmp_path / "js"
    code = (
        "import os, sys\n"
        "from natsobj_gui.core.embedded import EmbeddedServer\n"
        "s = EmbeddedServer(sys.argv[1]); s.start()\n"
        "print(s.pid, s.url, flush=True)\n"
        "os._exit(0)\n"  # no stop(): as if killed
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(store_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pid_text, old_url = out.stdout.split()
    orphan = int(pid_text)
    client = await Client.connect(old_url)
    try:
        await (await client.create_bucket("kept")).put("x", b"before the crash")
    finally:
        await client.close()
    server = EmbeddedServer(store_dir)
    try:
        url = await asyncio.to_thread(server.start)
        assert not alive(orphan), "the orphaned server still runs"
        assert server.pid != orphan
        client = await Client.connect(url)
        try:
            assert await client.store("kept").get_bytes("x") == b"before the crash"
        finally:
            await client.close()
    finally:
        server.stop()
        with contextlib.suppress(OSError):
            os.kill(orphan, signal.SIGKILL)


def test_a_reused_pid_is_never_taken_for_our_server(tmp_path: Path) -> None:
    store_dir = tmp_path / "js"
    store_dir.mkdir()
    (store_dir / embedded.PID_FILE).write_text(str(os.getpid()))  # a live process, not ours
    assert not embedded._serves(os.getpid(), store_dir)
    with EmbeddedServer(store_dir) as server:
        assert server.running
    assert not (store_dir / embedded.PID_FILE).exists()


def test_plan_keeps_folder_structure(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_bytes(b"1")
    top = tmp_path / "photos"
    (top / "2024" / "summer").mkdir(parents=True)
    (top / "empty").mkdir()
    (top / "a.jpg").write_bytes(b"aa")
    (top / "2024" / "summer" / "b.jpg").write_bytes(b"bbb")
    plan = plan_uploads([tmp_path / "one.txt", top], "docs/")
    assert [(p.name, p.size) for p in plan] == [
        ("docs/one.txt", 1),
        ("docs/photos/a.jpg", 2),
        ("docs/photos/2024/summer/b.jpg", 3),
    ]
    assert plan[2].path == top / "2024" / "summer" / "b.jpg"
    assert [p.name for p in plan_uploads([tmp_path / "one.txt"])] == ["one.txt"]
    assert plan_uploads([tmp_path / "missing"]) == []


def test_plan_follows_file_links_and_skips_what_is_not_a_file(tmp_path: Path) -> None:
    top = tmp_path / "src"
    (top / "a").mkdir(parents=True)
    (top / "a" / "z.txt").write_bytes(b"z")
    (top / "b.txt").write_bytes(b"bb")
    os.mkfifo(top / "fifo")
    (top / "broken").symlink_to(tmp_path / "nowhere")
    (top / "to-file").symlink_to(top / "b.txt")
    (top / "to-folder").symlink_to(top / "a")  # not followed: no loop, no copy
    plan = plan_uploads([top])
    assert [(p.name, p.size) for p in plan] == [
        ("src/b.txt", 2),
        ("src/to-file", 2),
        ("src/a/z.txt", 1),
    ]


def test_join_prefix() -> None:
    assert join_prefix("", "x") == "x"
    assert join_prefix("a", "x") == "a/x"
    assert join_prefix("a/", "x") == "a/x"


async def test_second_instance_joins_the_running_server(tmp_path: Path) -> None:
    first = EmbeddedServer(tmp_path / "js")
    second = EmbeddedServer(tmp_path / "js")
    try:
        url = first.start()
        # Same folder: no second nats-server on the same files, the running one is shared.
        assert second.start(timeout=5) == url
        assert second.shared and not second.running and second.pid == 0
        client = await Client.connect(second.url)
        await client.close()
        second.stop()  # leaves the owner's server alone
        assert first.running
    finally:
        second.stop()
        first.stop()
    # Once the owner is gone, the next start owns the folder again.
    third = EmbeddedServer(tmp_path / "js")
    try:
        assert third.start() and third.running and not third.shared
    finally:
        third.stop()


@pytest.mark.timeout(60)
def test_own_dead_server_is_started_again_not_taken_for_another_instance(
    tmp_path: Path,
) -> None:
    """start() after our server died: same folder and port, not 'another natsobj-gui uses…'."""
    server = EmbeddedServer(tmp_path / "js")
    try:
        url = server.start()
        pid = server.pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not server.died and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.died
        assert server.start(timeout=10) == url
        assert server.running and server.pid != pid and not server.died
        assert (tmp_path / "js" / embedded.PID_FILE).read_text() == str(server.pid)
    finally:
        server.stop()


def test_numbered_name_for_keep_both() -> None:
    from natsobj_gui.core.uploads import numbered_name

    assert numbered_name("docs/report.pdf", set()) == "docs/report (2).pdf"
    taken = {"docs/report (2).pdf", "docs/report (3).pdf"}
    assert numbered_name("docs/report.pdf", taken) == "docs/report (4).pdf"
    assert numbered_name("a.tar.gz", set()) == "a (2).tar.gz"
    assert numbered_name(".env", set()) == ".env (2)"
    assert numbered_name("README", set()) == "README (2)"
    assert numbered_name("x.y/z", set()) == "x.y/z (2)"  # a dot in the folder is not the ext
