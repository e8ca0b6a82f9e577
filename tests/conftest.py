"""Real nats-server fixtures: a shared JetStream server, fresh ones, and ones from a config."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

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
