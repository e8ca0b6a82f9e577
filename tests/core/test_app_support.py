"""Qt-free helpers of the app: the embedded server's data folder and the upload planner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from natsobj_gui.core import Client
from natsobj_gui.core.embedded import EmbeddedServer, app_data_dir, default_store_dir
from natsobj_gui.core.uploads import join_prefix, plan_uploads


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is the Linux convention")
def test_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert app_data_dir() == tmp_path / "natsobj-gui"
    assert default_store_dir() == tmp_path / "natsobj-gui" / "jetstream"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert app_data_dir() == Path.home() / ".local" / "share" / "natsobj-gui"


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
