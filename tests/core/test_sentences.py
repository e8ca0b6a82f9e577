"""Errors become sentences: no errno markers, no NATS subjects, lookups name the host."""

from __future__ import annotations

import errno
import socket

import pytest

from natsobj_gui.core import errors as E
from natsobj_gui.core.connection import describe_connect_error
from natsobj_gui.core.sentences import describe_error, scrub
from natsobj_gui.core.types import ConnectProfile


def test_refused_connection_is_a_sentence() -> None:
    exc = ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 46351)")
    text = describe_error(exc)
    assert "Errno" not in text and "46351" not in text
    assert "refused" in text


def test_timeouts_hide_the_api_subject() -> None:
    text = describe_error(E.ServerTimeoutError("$JS.API.STREAM.LIST"))
    assert "$JS" not in text and "did not answer" in text


@pytest.mark.parametrize(
    "raw",
    [
        "object not found: $O.docs.M.cmVwb3J0LnBkZg==",
        "permissions violation for publish to $JS.API.STREAM.INFO.OBJ_docs",
        "the server did not answer in time ($JS.API.STREAM.LIST)",
    ],
)
def test_scrub_drops_subjects(raw: str) -> None:
    text = scrub(raw)
    assert "$" not in text and "==" not in text
    assert text and not text.endswith(("(", " "))


def test_unknown_host_names_the_host() -> None:
    profile = ConnectProfile(servers=("nats://nosuch.invalid:4222",))
    exc = socket.gaierror(-2, "Name or service not known")
    text = describe_connect_error(exc, profile)
    assert text.startswith("no host named nosuch.invalid was found"), text
    assert "Errno" not in text
