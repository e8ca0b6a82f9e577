"""Errors as sentences a person can act on: no errno, no NATS subjects, no type names."""

from __future__ import annotations

import asyncio
import errno
import re
import socket

from .errors import ObjectStoreError, ServerTimeoutError

# JetStream API and object-store subjects ("$JS.API.STREAM.LIST", "$O.b.M.<base64>"), with
# the brackets or "on"/"for" that introduce them: internal names, never news to a user.
_SUBJECT = re.compile(r"\s*(?:\(|\b(?:on|for|to|subject)\s+)?\$(?:JS|O|KV|SYS)\.[^\s),;]*\)?")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")

_OS_ERRORS = {
    errno.ECONNREFUSED: "the server refused the connection: is it running?",
    errno.ECONNRESET: "the server closed the connection",
    errno.EHOSTUNREACH: "the server's host cannot be reached from this computer",
    errno.ENETUNREACH: "the network is unreachable: check this computer's connection",
    errno.ETIMEDOUT: "the server did not answer in time",
    errno.EPIPE: "the connection to the server broke",
}


def scrub(text: str) -> str:
    """Drop errno markers and NATS subjects from a message."""
    return _ERRNO.sub("", _SUBJECT.sub("", text)).strip()


def describe_error(exc: BaseException, host: str = "") -> str:
    """What happened, as a sentence; `host` names the server for lookup failures."""
    if isinstance(exc, ServerTimeoutError):
        return "the server did not answer in time: it may be busy or unreachable; try again"
    if isinstance(exc, ObjectStoreError):
        return scrub(str(exc)) or type(exc).__name__
    if isinstance(exc, socket.gaierror):
        return f"no host named {host} was found" if host else "the server's host was not found"
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)) and not exc.args:
        return "the server did not answer in time"
    if isinstance(exc, OSError):
        known = _OS_ERRORS.get(exc.errno or 0)
        text = known or exc.strerror or scrub(str(exc)) or type(exc).__name__
        if exc.filename is not None and exc.errno not in (errno.ECONNREFUSED, errno.ECONNRESET):
            text += f": {exc.filename}"
        return text
    return f"unexpected error: {type(exc).__name__}: {scrub(str(exc))}"
