"""Workarounds on nats-py internals: read size, publish-ack errors, TLS, reconnects, INFO."""

from __future__ import annotations

from typing import Any

import nats.aio.client as _nats_client
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS

# nats-py reads the socket 32 KiB at a time and its StreamReader pauses the socket at 64 KiB
# buffered, so every 128 KiB chunk costs several event-loop turns (expensive on qasync).
READ_BUFFER_SIZE = 1024 * 1024


def tune_nats_client() -> None:
    """Raise nats-py's socket read size (pins.py checked that the knob exists)."""
    _nats_client.DEFAULT_BUFFER_SIZE = max(_nats_client.DEFAULT_BUFFER_SIZE, READ_BUFFER_SIZE)


def fix_publish_async_errors(js: Any) -> None:
    """Make nats-py fail a publish_async future when the server answers with an error.

    nats-py (2.x) raises the APIError out of its reply handler instead of setting it on the
    future, so a full or sealed bucket looked like a 10 s ack timeout.
    Upstream: https://github.com/nats-io/nats.py/issues/985 (fix proposed in PR #994).
    """
    original = js._handle_async_reply  # pins.py checked its signature and source
    if getattr(original, "_natsobj_fixed", False):
        return

    async def handle(msg: Any) -> None:
        try:
            await original(msg)
        except nats.js.errors.APIError as exc:
            futures = js._publish_async_futures
            prefix = js._async_reply_prefix or b""
            fut = futures.get(msg.subject[len(prefix) :])
            if fut is not None and not fut.done():
                fut.set_exception(exc)

    handle._natsobj_fixed = True  # type: ignore[attr-defined]
    # _init_async_reply subscribes with `cb=self._handle_async_reply`, looked up lazily.
    js._handle_async_reply = handle


def refuse_plaintext(nc: NATS, reason: str) -> None:
    """Stop before CONNECT (and its credentials) when the server does not offer TLS.

    nats-py upgrades only when the server's INFO asks for TLS, so a tls:// URL to a plain
    server (or a downgrading middlebox) would otherwise send the password in clear text.
    """
    original = nc._process_info

    async def process_info(info: dict[str, Any], initial_connection: bool = False) -> None:
        # tls_available (allow_non_tls) is not enough: nats-py only upgrades on tls_required.
        first = nc.options.get("tls_handshake_first")
        if initial_connection and not first and not info.get("tls_required"):
            raise nats.errors.Error(f"nats: {reason}: the server does not offer TLS")
        await original(info, initial_connection=initial_connection)

    nc._process_info = process_info  # type: ignore[method-assign]


def reconnect_forever(nc: NATS) -> None:
    """From now on, reconnect without limit (nats-py reads the option at each attempt).

    nats-py retries a failing *initial* connect forever when max_reconnect_attempts is -1,
    so connect() passes a small limit and lifts it here once connected; nats-py has no
    public way to change an option after connect().
    """
    nc.options["max_reconnect_attempts"] = -1


def server_info(nc: NATS) -> dict[str, Any]:
    """The INFO the server sent (version, name, max_payload, ...); nats-py has no accessor."""
    info = getattr(nc, "_server_info", None)
    return dict(info) if isinstance(info, dict) else {}


def widen_socket_reads(nc: NATS) -> bool:
    """Let asyncio's transport take up to READ_BUFFER_SIZE per readiness event.

    Its default 256 KiB means four socket notifications and reader wake-ups per MiB, each
    a Qt event on qasync. Call again after a reconnect (a new transport). False if the
    transport is not a plain asyncio socket transport (TLS, websockets) or nats-py moved it.
    """
    writer = getattr(getattr(nc, "_transport", None), "_io_writer", None)
    transport = getattr(writer, "transport", None)
    if transport is None or not isinstance(getattr(transport, "max_size", None), int):
        return False
    transport.max_size = max(transport.max_size, READ_BUFFER_SIZE)
    return True
