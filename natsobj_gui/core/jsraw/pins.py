"""The nats-py internals this package replaces, checked at import against the tested release.

An upgrade that moves any of them fails here, by name, instead of in a transfer.
"""

from __future__ import annotations

import nats.aio.client as _client
import nats.aio.transport as _transport
import nats.js.client as _js
import nats.protocol.parser as _parser

from ..pins import Replaced, check

# Keep in step with pyproject.toml's nats-py requirement.
NATS_PY_PIN = "nats-py>=2.16,<2.17"

REPLACED = (
    # fastpath._Router wraps it; fastpath's parser calls it for messages it does not route.
    Replaced(
        _client.Client,
        "_process_msg",
        ("self", "sid", "subject", "reply", "data", "headers"),
        "6cff75947e97717a",
    ),
    # patches.refuse_plaintext wraps it.
    Replaced(
        _client.Client, "_process_info", ("self", "info", "initial_connection"), "ecca7bb931308fff"
    ),
    # patches.fix_publish_async_errors wraps it; _init_async_reply subscribes it by name.
    Replaced(_js.JetStreamContext, "_handle_async_reply", ("self", "msg"), "5b0fc31dfbd6978a"),
    Replaced(_js.JetStreamContext, "_init_async_reply", ("self",), "57e040f62c786f71"),
    # publish.publish mirrors publish/_send_publish/_send_command (checks, framing, buffer,
    # stats) and calls _flush_pending as they do.
    Replaced(
        _client.Client,
        "publish",
        ("self", "subject", "payload", "reply", "headers"),
        "97d776c391adfd8b",
    ),
    Replaced(
        _client.Client,
        "_send_publish",
        ("self", "subject", "reply", "payload", "payload_size", "headers"),
        "300b534f8eabee74",
    ),
    Replaced(_client.Client, "_send_command", ("self", "cmd", "priority"), "ed57e8e86389cf94"),
    Replaced(_client.Client, "_flush_pending", ("self", "force_flush"), "317c8d7ef54b90b7"),
    # reads.read_loop mirrors _read_loop (its checks and error handling) and reads the
    # socket itself where TcpTransport holds a plain asyncio reader/writer (made in connect);
    # at the end of the stream it falls back on TcpTransport.at_eof and read, as nats-py does.
    Replaced(_client.Client, "_read_loop", ("self",), "b44b9401f436dd0e"),
    Replaced(
        _transport.TcpTransport,
        "connect",
        ("self", "uri", "buffer_size", "connect_timeout"),
        "96c97f9bad0501da",
    ),
    Replaced(_transport.TcpTransport, "read", ("self", "buffer_size"), "88fd9f3e084e97af"),
    Replaced(_transport.TcpTransport, "at_eof", ("self",), "f9bd43ea78bd59d4"),
    # fastpath replaces parse and shares its buffer and state (set by reset).
    Replaced(_parser.Parser, "parse", ("self", "data"), "7d6165f1766cccd1"),
    Replaced(_parser.Parser, "reset", ("self",), "0f304f3f8691385f"),
)


# The files holding REPLACED in nats-py 2.16.0 (pins.file_digest): with these bytes every
# function above is the tested one, so the import hashes four files instead of reading
# fourteen functions' source. Another 2.16.x takes the per-function check, which decides.
FILES = {
    "nats.aio.client": "caaa5ab4a2174c49",
    "nats.aio.transport": "e4f9d370752b444d",
    "nats.js.client": "b1689025f7eb573f",
    "nats.protocol.parser": "aadc36b42fa1581f",
}


def check_nats_py() -> None:
    """ImportError naming the pin when nats-py's internals are not the ones we tested."""
    constants = ((_client, "DEFAULT_BUFFER_SIZE"), (_parser, "AWAITING_CONTROL_LINE"))
    check("nats-py", NATS_PY_PIN, "natsobj_gui/core/jsraw/", REPLACED, constants, FILES)
