"""Real nats-server fixtures: a shared JetStream server, fresh ones, and ones from a config."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import nats
import pytest

from natsobj_gui.core import Client
from natsobj_gui.core.queue_file import QUEUE_ENV
from natsobj_gui.core.server import LocalServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_transfer_queue(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window saves its transfer queue in the test's own folder, never the user's."""
    monkeypatch.setenv(QUEUE_ENV, str(tmp_path_factory.mktemp("queue") / "transfers.json"))


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """One JetStream server for the session; tests isolate themselves by bucket name."""
    server = LocalServer(tmp_path_factory.mktemp("js-shared"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _shared_server_left_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test on the shared server removes its streams: a leftover bucket shows up in
    later tests' bucket trees and fails them far from the cause."""
    if "nats_server" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("nats_server").url
    before = _streams(url)
    yield
    left = _streams(url) - before
    if left:
        _streams(url, delete=left)
        pytest.fail(f"the test left streams on the shared server: {sorted(left)}")


def _streams(url: str, delete: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """The shared server's stream names (after deleting `delete`), read on a thread of its
    own: the test's event loop (qasync or asyncio) must stay as it is."""
    found: set[str] = set()

    async def read() -> None:
        nc = await nats.connect(url, allow_reconnect=False, connect_timeout=5)
        try:
            js = nc.jsm()
            for name in delete:
                await js.delete_stream(name)
            found.update(s.config.name for s in await js.streams_info())
        finally:
            await nc.close()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(read(), 20))
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if errors:
        raise errors[0]
    return found


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., LocalServer]]:
    """Start servers of a test's own (fresh store, optional config text); all stopped after."""
    started: list[LocalServer] = []

    def start(config: str | None = None, *, jetstream: bool = True, **kw) -> LocalServer:
        store = tmp_path / f"srv{len(started)}"
        store.mkdir()
        conf = None
        if config is not None:
            conf = store / "server.conf"
            conf.write_text(config)
        server = LocalServer(store, jetstream=jetstream, config_file=conf, **kw)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fresh_server(server_factory: Callable[..., LocalServer]) -> LocalServer:
    """A JetStream server of the test's own, free to restart or stop."""
    return server_factory()


@pytest.fixture
def bucket_name(request: pytest.FixtureRequest) -> str:
    """A bucket name unique in the session."""
    base = "".join(c if c.isalnum() else "_" for c in request.node.name)[:40]
    return f"t{next(_names)}_{base}"


@pytest.fixture
async def client(nats_server: LocalServer) -> AsyncIterator[Client]:
    c = await Client.connect(nats_server.url)
    yield c
    await c.close()


@pytest.fixture
async def store(client: Client, bucket_name: str):
    """A fresh empty bucket on the shared server."""
    s = await client.create_bucket(bucket_name)
    yield s
    with contextlib.suppress(Exception):
        await client.buckets.delete(bucket_name)
