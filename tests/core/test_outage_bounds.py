"""A server dying mid-transfer: the transfer ends within the outage bound, saying what it left."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from natsobj_gui.core import Client, ConnectProfile, meta_io
from natsobj_gui.core import errors as E
from natsobj_gui.core.connection import connect_kwargs
from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.types import Progress

from .raw import chunk_subjects

OUTAGE = 4.0
# Beyond the bound: the put notices the loss within an ack poll, the get within its idle timeout.
SLACK = 3.0
CHUNK = 128 * 1024


def _kill(server: LocalServer) -> None:
    """SIGKILL: no goodbye on the socket, as a crashed host or a pulled cable."""
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()


# Shorter than the outage the resume test makes (the bound, OUTAGE, is longer).
IDLE = 1.0
DOWN = 2.5


def _start_later(server: LocalServer) -> None:
    time.sleep(DOWN)
    server.start()


async def _big_source(count: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield os.urandom(CHUNK)
        await asyncio.sleep(0)


def test_every_connection_bounds_nats_py_flush() -> None:
    """nats-py's forced flush waits forever unless flush_timeout is set."""
    kw = connect_kwargs(ConnectProfile(request_timeout=3.0))
    assert kw["flush_timeout"] == 3.0


def test_profile_repr_hides_its_secrets() -> None:
    profile = ConnectProfile(
        user="alice", password="pw-SECRET", token="tok-SECRET", nkey_seed="SUAseed-SECRET"
    )
    text = repr(profile)
    assert "alice" in text and "SECRET" not in text
    assert "SECRET" not in str(profile)


async def test_put_to_a_server_killed_for_good_fails_within_the_bound(
    fresh_server: LocalServer, outage_client: Client
) -> None:
    """The server dies mid-put and stays down: a sentence within the bound, old version kept."""
    store = await outage_client.create_bucket("outage")
    old = await store.put("obj", b"previous version")

    def kill_midway(p: Progress) -> None:
        if p.chunks_done == 20 and fresh_server.running:
            _kill(fresh_server)
            started.append(time.monotonic())

    started: list[float] = []
    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(
            store.put("obj", _big_source(2000), progress=kill_midway), OUTAGE + 30
        )
    took = time.monotonic() - started[0]
    assert took < OUTAGE + SLACK, took
    text = str(caught.value)
    assert "lost while uploading 'obj'" in text
    assert "previous version is intact; nothing was stored" in text
    assert "natsobj gc" in text  # its chunks could not be purged: say where they can be found
    fresh_server.start()
    assert await outage_client.conn.wait_back(15)
    assert await store.get_bytes("obj") == b"previous version"
    assert (await store.info("obj")).nuid == old.nuid


async def test_put_whose_server_comes_back_rolls_back_its_chunks(
    fresh_server: LocalServer, outage_client: Client
) -> None:
    """The server restarts within the bound: the put fails at once and purges what it sent."""
    store = await outage_client.create_bucket("comeback")
    old = await store.put("obj", b"previous version")
    restart: list[asyncio.Task] = []

    def kill_midway(p: Progress) -> None:
        if p.chunks_done == 20 and fresh_server.running:
            _kill(fresh_server)
            restart.append(asyncio.ensure_future(asyncio.to_thread(fresh_server.start)))

    started = time.monotonic()
    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(
            store.put("obj", _big_source(2000), progress=kill_midway), OUTAGE + 30
        )
    assert time.monotonic() - started < OUTAGE + SLACK + 5
    await restart[0]
    text = str(caught.value)
    assert "previous version is intact; nothing was stored" in text
    assert "gc" not in text
    assert await store.get_bytes("obj") == b"previous version"
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert set(chunks) == {f"$O.{store.bucket}.C.{old.nuid}"}


async def test_get_from_a_server_killed_for_good_fails_within_the_bound(
    fresh_server: LocalServer, outage_client: Client, tmp_path: Path
) -> None:
    """The destination keeps its old content; only a resumable partial is left beside it."""
    store = await outage_client.create_bucket("outage_get")
    await store.put("big", _big_source(200))
    dest = tmp_path / "out" / "big.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"mine")
    started: list[float] = []

    def kill_midway(p: Progress) -> None:
        if p.chunks_done == 10 and fresh_server.running:
            _kill(fresh_server)
            started.append(time.monotonic())

    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(
            store.get_file("big", dest, progress=kill_midway, idle_timeout=OUTAGE), 60
        )
    assert time.monotonic() - started[0] < OUTAGE + SLACK
    assert "lost while downloading 'big'" in str(caught.value)
    assert str(dest) in str(caught.value) and "not changed" in str(caught.value)
    assert dest.read_bytes() == b"mine"
    # Only the partial is kept beside it, for the next get to continue.
    kept = sorted(p.name for p in partial_paths(dest))
    assert sorted(p.name for p in dest.parent.iterdir()) == sorted(["big.bin", *kept])


async def test_info_stored_just_before_the_loss_is_a_success(
    fresh_server: LocalServer, outage_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The meta landed but its ack was lost: once back, the put finds it and succeeds."""
    store = await outage_client.create_bucket("landed")
    old = await store.put("obj", b"previous version")
    real = meta_io.publish_meta

    async def publish_then_lose(conn, info, **kw) -> int:
        await real(conn, info, **kw)
        _kill(fresh_server)
        await asyncio.to_thread(fresh_server.start)
        raise E.ConnectionLostError()  # as when the ack went to the dead connection

    monkeypatch.setattr(meta_io, "publish_meta", publish_then_lose)
    info = await asyncio.wait_for(store.put("obj", b"new version"), OUTAGE + 30)
    monkeypatch.undo()
    assert await store.get_bytes("obj") == b"new version"
    chunks = await chunk_subjects(outage_client, store.bucket)
    assert set(chunks) == {f"$O.{store.bucket}.C.{info.nuid}"}
    assert info.nuid != old.nuid


async def test_info_whose_fate_is_unknown_is_not_called_intact(
    fresh_server: LocalServer, outage_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server dies during the meta publish and stays down: say the outcome is unknown."""
    store = await outage_client.create_bucket("unknown")
    await store.put("obj", b"previous version")
    real = meta_io.publish_meta

    async def publish_then_die(conn, info, **kw) -> int:
        await real(conn, info, **kw)
        _kill(fresh_server)
        raise E.ConnectionLostError()

    monkeypatch.setattr(meta_io, "publish_meta", publish_then_die)
    started = time.monotonic()
    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(store.put("obj", b"new version"), OUTAGE + 30)
    assert time.monotonic() - started < OUTAGE + SLACK
    text = str(caught.value)
    assert "while storing the info of 'obj'" in text and "is unknown" in text
    assert "intact" not in text
    monkeypatch.undo()
    fresh_server.start()
    assert await outage_client.conn.wait_back(15)
    # It had been stored: its chunks were not purged, so the new version reads whole.
    assert await store.get_bytes("obj") == b"new version"


async def test_get_resumes_when_the_server_comes_back_within_the_bound(
    fresh_server: LocalServer, outage_client: Client, tmp_path: Path
) -> None:
    """An outage longer than the idle timeout but within the bound: the download resumes."""
    store = await outage_client.create_bucket("resume_get")
    data = b"".join([os.urandom(CHUNK) for _ in range(200)])
    await store.put("big", data)
    dest = tmp_path / "dl" / "big.bin"
    dest.parent.mkdir()
    restart: list[asyncio.Task] = []

    def kill_midway(p: Progress) -> None:
        if p.chunks_done == 10 and fresh_server.running:
            _kill(fresh_server)
            restart.append(asyncio.ensure_future(asyncio.to_thread(_start_later, fresh_server)))

    await asyncio.wait_for(store.get_file("big", dest, progress=kill_midway, idle_timeout=IDLE), 60)
    await restart[0]
    assert dest.read_bytes() == data
    assert sorted(p.name for p in dest.parent.iterdir()) == ["big.bin"]


def test_profile_repr_hides_a_password_in_a_server_url() -> None:
    text = repr(ConnectProfile(servers=("nats://alice:pw-SECRET@127.0.0.1:4222",)))
    assert "SECRET" not in text and "nats://***@127.0.0.1:4222" in text


async def test_a_live_connection_bounds_nats_py_flush(outage_client: Client) -> None:
    assert outage_client.conn.nc._flush_timeout == 2.0  # the profile's request timeout


async def test_put_from_an_idle_source_fails_when_the_connection_drops(
    fresh_server: LocalServer, outage_client: Client
) -> None:
    """A pipe that goes quiet must not hide an outage until it writes again."""
    store = await outage_client.create_bucket("idle_source")
    await store.put("obj", b"previous version")
    sent = asyncio.Event()
    acked = asyncio.Event()

    async def quiet_after_a_while() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield os.urandom(CHUNK)
        sent.set()
        await asyncio.Event().wait()  # the writer goes quiet, for good
        yield b""

    def progress(p: Progress) -> None:
        if p.chunks_done >= 20:
            acked.set()

    async def kill_when_quiet() -> None:
        await sent.wait()
        await acked.wait()  # every chunk sent so far is acknowledged
        _kill(fresh_server)

    killer = asyncio.ensure_future(kill_when_quiet())
    started = time.monotonic()
    with pytest.raises(E.ConnectionLostError) as caught:
        await asyncio.wait_for(
            store.put("obj", quiet_after_a_while(), progress=progress), OUTAGE + 20
        )
    await killer
    assert time.monotonic() - started < OUTAGE + SLACK + 1
    assert "previous version is intact; nothing was stored" in str(caught.value)
