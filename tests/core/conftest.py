"""Fixtures of the core tests that several modules share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from natsobj_gui.core import Client, ConnectProfile
from natsobj_gui.core.server import LocalServer


@pytest.fixture
async def outage_client(
    request: pytest.FixtureRequest, fresh_server: LocalServer
) -> AsyncIterator[Client]:
    """A client of `fresh_server` whose transfers wait out an outage for the module's OUTAGE."""
    profile = ConnectProfile(
        servers=(fresh_server.url,), request_timeout=2.0, outage_timeout=request.module.OUTAGE
    )
    c = await Client.connect(profile)
    yield c
    await c.close()
