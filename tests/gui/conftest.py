"""GUI test fixtures: a qasync loop per test that fails the test on loop errors.

GUI tests are plain (sync) test functions that run their body on the loop:
`qloop.run_until_complete(body())`. pytest-asyncio's loop is never used here; `client` and
`store` are overridden so the NATS connection lives on the qasync loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core.server import LocalServer
from natsobj_gui.qt_compat import close_loop, new_event_loop

# The main-window fixtures (`settings`, `config_home`, `window`) for every GUI test module.
from .window_support import config_home_fixture, settings_fixture, window_fixture  # noqa: F401


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh qasync loop set as current; any error its exception handler sees fails the test."""
    loop = new_event_loop(qapp)
    errors: list[dict[str, Any]] = []

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(context)
        lp.default_exception_handler(context)

    loop.set_exception_handler(handler)
    yield loop
    close_loop(loop)
    if errors:
        msgs = "; ".join(f"{c.get('message')}: {c.get('exception')!r}" for c in errors)
        pytest.fail(f"errors on the qasync loop: {msgs}")


@pytest.fixture
def client(qloop: asyncio.AbstractEventLoop, nats_server: LocalServer) -> Iterator[Client]:
    """A core Client connected on the qasync loop (overrides the pytest-asyncio one)."""
    c = qloop.run_until_complete(Client.connect(nats_server.url))
    yield c
    qloop.run_until_complete(c.close())


@pytest.fixture
def store(
    qloop: asyncio.AbstractEventLoop, client: Client, bucket_name: str
) -> Iterator[ObjectStore]:
    """A fresh empty bucket on the shared server, created on the qasync loop."""
    s = qloop.run_until_complete(client.create_bucket(bucket_name))
    yield s
    with contextlib.suppress(Exception):
        qloop.run_until_complete(client.buckets.delete(bucket_name))
