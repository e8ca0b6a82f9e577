"""Everything below nats-py's public API lives here, so an upgrade touches this package only.

- `patches`: nats-py knobs and fixes (socket read size, publish-ack errors, TLS refusal,
  reconnect limit after connect, the server's INFO).
- `fastpath`: our MSG/HMSG parsing and routing of consumer messages by subscription id,
  skipping nats-py's per-message header parsing, Msg objects and queues.
- `publish`: chunk publishes framed into nats-py's outgoing buffer without copying, their
  acks routed by token from our parser to the window that sent them.
- `reads`: socket reads with recv_into into a few reused buffers (plain TCP), which the
  parser cuts messages out of: no allocation or copy per read.
- `consumer`: an ordered push consumer with immediate flow-control replies (nats-py's own
  wait for a 0.25 s timer, which stalls downloads), gap and heartbeat recovery.
- `pins`: what these replace, checked at import (names, signatures, source digests): a
  nats-py outside the tested pin fails loudly here instead of misbehaving in a transfer.

`tests/core/test_jsraw*.py` fail first when a nats-py upgrade moves what these rely on.
"""

from .consumer import Deliver, OrderedConsumer
from .fastpath import JsMsg, _router, parse_ack_reply
from .patches import (
    READ_BUFFER_SIZE,
    fix_publish_async_errors,
    reconnect_forever,
    refuse_plaintext,
    server_info,
    tune_nats_client,
    widen_socket_reads,
)
from .pins import check_nats_py
from .reads import read_into_buffers

check_nats_py()

__all__ = [
    "READ_BUFFER_SIZE",
    "Deliver",
    "JsMsg",
    "OrderedConsumer",
    "_router",
    "fix_publish_async_errors",
    "parse_ack_reply",
    "read_into_buffers",
    "reconnect_forever",
    "refuse_plaintext",
    "server_info",
    "tune_nats_client",
    "widen_socket_reads",
]
