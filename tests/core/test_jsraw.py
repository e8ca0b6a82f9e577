"""The one module below nats-py's public API: its knobs must exist and its paths must work."""

from __future__ import annotations

import asyncio
import os

import nats
import nats.aio.client
import nats.js.errors
import nats.protocol.parser
import pytest

from natsobj_gui.core import jsraw, wire
from natsobj_gui.core.errors import DigestMismatchError
from natsobj_gui.core.jsraw import Deliver, OrderedConsumer, parse_ack_reply


def test_parse_ack_reply_both_forms() -> None:
    v1 = "$JS.ACK.OBJ_b.cons.1.42.7.1764000000123456789.3"
    assert parse_ack_reply(v1) == (42, 7, 1764000000123456789, 3)
    assert parse_ack_reply(v1.encode()) == (42, 7, 1764000000123456789, 3)
    v2 = "$JS.ACK.hub.ACCHASH.OBJ_b.cons.1.42.7.1764000000123456789.3.rand"
    assert parse_ack_reply(v2) == (42, 7, 1764000000123456789, 3)
    assert parse_ack_reply("_INBOX.abc") is None
    assert parse_ack_reply("$JS.ACK.a.b.c.x.y.z.w") is None


def test_nats_py_still_has_the_read_buffer_knob() -> None:
    jsraw.tune_nats_client()
    assert nats.aio.client.DEFAULT_BUFFER_SIZE >= jsraw.READ_BUFFER_SIZE


async def test_router_takes_consumer_messages_off_the_public_path(store) -> None:
    await store.put("a", os.urandom(300_000), chunk_size=100_000)
    info = await store.info("a")
    nc = store.conn.nc
    router = jsraw._router(nc)
    seen: list[int] = []
    fallback: list[object] = []

    def on_msg(msg: jsraw.JsMsg) -> bool:
        seen.append(len(msg.data))
        return msg.pending == 0

    consumer = OrderedConsumer(
        nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        wire.chunk_subject(store.bucket, info.nuid),
        on_msg,
    )
    original = consumer._handle

    async def spy(msg):  # the public callback must not see routed messages
        fallback.append(msg)
        await original(msg)

    consumer._handle = spy  # type: ignore[method-assign]
    await asyncio.wait_for(consumer.run(), 10)
    assert seen == [100_000, 100_000, 100_000]
    assert fallback == []
    # Only the put's ack inbox stays (one per connection).
    inbox = nc.__dict__.get("_natsobj_ack_inbox")
    assert set(router.handlers) <= {inbox.sid}, "closed consumers must unregister"


async def test_public_path_works_without_the_router(store, monkeypatch) -> None:
    await store.put("a", b"x" * 250_000, chunk_size=100_000)
    monkeypatch.setattr(jsraw.consumer, "_router", lambda nc: None)
    assert await store.get_bytes("a") == b"x" * 250_000
    names = [i.name for i in await store.list()]
    assert names == ["a"]


@pytest.mark.parametrize("path", ["router", "public"])
async def test_headers_only_gives_each_message_its_size_without_payload(
    store, monkeypatch, path: str
) -> None:
    if path == "public":
        monkeypatch.setattr(jsraw.consumer, "_router", lambda nc: None)
    info = await store.put("a", b"x" * 2500, chunk_size=1000)
    got: list[jsraw.JsMsg] = []

    def on_msg(msg: jsraw.JsMsg) -> bool:
        got.append(msg)
        return msg.pending == 0

    consumer = OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        wire.chunk_subject(store.bucket, info.nuid),
        on_msg,
        headers_only=True,
    )
    assert await consumer.start() == 3
    await asyncio.wait_for(consumer.wait(), 10)
    assert [(m.data, m.size) for m in got] == [(b"", 1000), (b"", 1000), (b"", 500)]
    assert all(m.timestamp_ns > 0 for m in got)


async def test_last_per_subject_reports_initial_pending(store) -> None:
    for i in range(5):
        await store.put(f"o{i}", b"v")
    await store.put("o1", b"again")
    got: list[str] = []

    def on_msg(msg: jsraw.JsMsg) -> bool:
        got.append(wire.decode_info(msg.data).name)
        return msg.pending == 0

    consumer = OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        wire.meta_filter(store.bucket),
        on_msg,
        deliver=Deliver.LAST_PER_SUBJECT,
    )
    assert await consumer.start() == 5
    await asyncio.wait_for(consumer.wait(), 10)
    assert sorted(got) == ["o0", "o1", "o2", "o3", "o4"]


async def test_idle_timeout_when_nothing_arrives(store) -> None:
    consumer = OrderedConsumer(
        store.conn.nc,
        store.conn.jsm,
        wire.stream_name(store.bucket),
        wire.chunk_subject(store.bucket, "nothing-here"),
        lambda m: False,
        idle_timeout=0.5,
    )
    await consumer.start()
    try:
        await asyncio.wait_for(consumer.wait(), 5)
    except OrderedConsumer.IdleTimeout:
        pass
    else:
        raise AssertionError("expected IdleTimeout")


async def test_run_pending_reads_to_the_last_and_ends_at_once_when_none(store) -> None:
    info = await store.put("a", b"x" * 2500, chunk_size=1000)
    got: list[int] = []

    def consumer(nuid: str, idle_timeout: float | None = 30.0) -> OrderedConsumer:
        def on_msg(msg: jsraw.JsMsg) -> bool:
            got.append(msg.stream_seq)
            return msg.pending == 0

        return OrderedConsumer(
            store.conn.nc,
            store.conn.jsm,
            wire.stream_name(store.bucket),
            wire.chunk_subject(store.bucket, nuid),
            on_msg,
            headers_only=True,
            idle_timeout=idle_timeout,
        )

    await asyncio.wait_for(consumer(info.nuid).run_pending(), 10)
    assert len(got) == 3
    # Nothing pending: done without waiting out the idle timeout, nothing left behind.
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(consumer("nothinghere").run_pending(), 10)
    assert loop.time() - started < 5 and len(got) == 3
    inbox = store.conn.nc.__dict__.get("_natsobj_ack_inbox")
    assert set(jsraw._router(store.conn.nc).handlers) <= {inbox.sid}
    with pytest.raises(ValueError):
        await consumer(info.nuid, idle_timeout=None).run_pending()


async def test_fast_parser_handles_any_split_of_the_byte_stream() -> None:
    """MSG/HMSG split anywhere across reads, mixed with PING/+OK, parse like nats-py does."""
    import random

    nc = nats.aio.client.Client()
    routed: list[tuple[bytes, bytes, bytes, bytes | None]] = []
    others: list[tuple[int, bytes, bytes, bytes, bytes | None]] = []

    async def process_msg(sid, subject, reply, data, headers):  # what nats-py would get
        others.append((sid, bytes(subject), bytes(reply), data, headers))

    nc._process_msg = process_msg  # type: ignore[method-assign]
    router = jsraw._router(nc)  # wraps the stand-in, as it wraps nats-py's own
    assert router is not None
    router.handlers[7] = lambda subject, reply, data, hdr: routed.append(
        (bytes(subject), bytes(reply), data, hdr)
    )
    pings: list[int] = []

    async def process_ping() -> None:
        pings.append(1)

    nc._process_ping = process_ping  # type: ignore[method-assign]
    hdr = b"NATS/1.0\r\nNats-Rollup: sub\r\n\r\n"
    stream = (
        b"MSG $O.b.C.x 7 $JS.ACK.s.c.1.1.1.1.0 5\r\nhello\r\n"
        b"PING\r\n"
        + f"HMSG $O.b.M.YQ== 7 r.1 {len(hdr)} {len(hdr) + 3}\r\n".encode()
        + hdr
        + b"abc\r\n"
        + b"+OK\r\n"
        + b"MSG _INBOX.x 9 4\r\ndata\r\n"
        + f"HMSG _INBOX.y 9 {len(hdr)} {len(hdr)}\r\n".encode()
        + hdr
        + b"\r\n"
    )
    rng = random.Random(5)
    for _ in range(30):
        routed.clear()
        others.clear()
        pings.clear()
        nc._ps.reset()
        pos = 0
        while pos < len(stream):
            step = rng.randint(1, 40)
            await nc._ps.parse(stream[pos : pos + step])
            pos += step
        assert routed == [
            (b"$O.b.C.x", b"$JS.ACK.s.c.1.1.1.1.0", b"hello", None),
            (b"$O.b.M.YQ==", b"r.1", b"abc", hdr),
        ]
        assert others == [(9, b"_INBOX.x", b"", b"data", None), (9, b"_INBOX.y", b"", b"", hdr)]
        assert pings == [1]
        assert not nc._ps.buf


async def test_fast_parser_hands_views_only_to_handlers_that_take_them() -> None:
    """Whole messages in a read reach a `views` handler as memoryviews of it (no copy), split
    ones as bytes; other handlers always get bytes. Every payload is the one sent and stays
    so after later reads."""
    import random

    nc = nats.aio.client.Client()
    router = jsraw._router(nc)
    got: dict[int, list[tuple[type, bytes | memoryview]]] = {7: [], 8: []}
    for sid in got:
        router.handlers[sid] = lambda subject, reply, data, hdr, sid=sid: got[sid].append(
            (type(data), data)
        )
    router.views.add(7)
    payloads = [os.urandom(n) for n in (5000, 1, 70_000, 0, 3000)]
    stream = b"".join(
        b"MSG c.%d %d r %d\r\n%b\r\n" % (i, 7 + i % 2, len(p), p) for i, p in enumerate(payloads)
    )
    rng = random.Random(9)
    for cuts in ([], [100], [len(stream) // 2], sorted(rng.sample(range(len(stream)), 12))):
        for sid in got:
            got[sid].clear()
        nc._ps.reset()
        for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
            await nc._ps.parse(stream[a:b])
        assert [bytes(d) for _, d in got[7]] == payloads[0::2]
        assert [bytes(d) for _, d in got[8]] == payloads[1::2]
        assert {t for t, _ in got[8]} == {bytes}
        assert not nc._ps.buf
        if not cuts:
            assert {t for t, _ in got[7]} == {memoryview}


async def test_a_get_whose_chunks_straddle_socket_reads_is_verified(store) -> None:
    """Chunks of 100,000 bytes end anywhere in 1 MiB reads: some are assembled across two
    reads, the rest handed over as views; the content still verifies, and a damaged chunk
    of the same size still fails the digest check."""
    data = os.urandom(3_000_000)
    info = await store.put("a", data, chunk_size=100_000)
    assert await store.get_bytes("a") == data
    assert (await store.verify("a")).size == len(data)
    assert not jsraw._router(store.conn.nc).views  # each consumer's sid left with it
    stream_name, subject = (
        wire.stream_name(store.bucket),
        wire.chunk_subject(store.bucket, info.nuid),
    )
    first = await store.conn.jsm.get_msg(stream_name, subject=subject, direct=False)
    js = store.conn.nc.jetstream()
    await js.publish(subject, os.urandom(100_000))  # another chunk after the last
    await store.conn.jsm.delete_msg(stream_name, first.seq)  # ...and the first one gone
    with pytest.raises(DigestMismatchError):
        await store.verify("a")


async def test_socket_reads_are_widened_on_connect(client) -> None:
    transport = client.conn.nc._transport._io_writer.transport
    assert jsraw.widen_socket_reads(client.conn.nc), "nats-py's transport moved: knob lost"
    assert transport.max_size >= jsraw.READ_BUFFER_SIZE


async def test_fast_parser_installed_mid_payload_still_takes_messages(nats_server) -> None:
    """Installed while nats-py's parser awaits a payload, the fast path still works after.

    The idle state is nats-py's own constant: one captured at install (here mid-payload)
    would send every later message through nats-py's parser, and read payload bytes that
    start with 'MSG ' as a control line.
    """
    nc = await nats.connect(nats_server.url)
    try:
        ps = nc._ps
        nats_py_saw: list[bytes] = []
        original = ps.parse

        async def counting(data: bytes = b"") -> None:
            nats_py_saw.append(bytes(ps.buf[:4]) + data[:4])
            await original(data)

        ps.parse = counting
        ps.state = nats.protocol.parser.AWAITING_MSG_PAYLOAD
        router = jsraw._router(nc)
        ps.state = nats.protocol.parser.AWAITING_CONTROL_LINE
        got: list[bytes] = []
        done = asyncio.Event()

        def on_raw(subject: bytes, reply: bytes, data: bytes, hdr: bytes | None) -> None:
            got.append(data)
            done.set()

        sub = await nc.subscribe("fastpath.idle")
        router.handlers[sub._id] = on_raw
        await nc.flush()
        nats_py_saw.clear()
        await nc.publish("fastpath.idle", b"payload")
        await asyncio.wait_for(done.wait(), 5)
        assert got == [b"payload"]
        assert not [s for s in nats_py_saw if s.startswith((b"MSG ", b"HMSG"))]
    finally:
        await nc.close()


async def test_connected_clients_reconnect_without_limit(client) -> None:
    """connect() passes a small limit (a failing first connect must end); jsraw lifts it."""
    assert client.conn.nc.options["max_reconnect_attempts"] == -1


def test_publish_acks_are_read_as_nats_py_would_raise_them() -> None:
    from natsobj_gui.core.jsraw.publish import ack_error

    assert ack_error(b'{"stream":"OBJ_b","seq":7}', None) is None
    assert ack_error(b'{"stream":"OBJ_b","seq":7,"duplicate":true}', None) is None
    full = b'{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}'
    err = ack_error(full, None)
    assert isinstance(err, nats.js.errors.ServiceUnavailableError) and err.err_code == 10077
    assert isinstance(ack_error(b"", b"NATS/1.0 503\r\n\r\n"), nats.js.errors.NoStreamResponseError)
    assert isinstance(ack_error(b"not json", None), nats.js.errors.APIError)


async def test_chunk_publishes_queue_the_payload_itself_and_acks_come_by_index(client) -> None:
    """No copy of the payload while framing, queued or sent directly; each ack reaches its
    window with its index."""
    from natsobj_gui.core.jsraw.publish import ack_inbox, msg_id_header, publish

    nc = client.conn.nc
    await client.conn.api(
        "STREAM.CREATE.JSRAW_PUB", {"name": "JSRAW_PUB", "subjects": ["jsraw.pub"]}
    )
    try:
        inbox = await ack_inbox(nc)
        assert await ack_inbox(nc) is inbox  # one per connection
        acks: list[tuple[int, object]] = []
        reply = inbox.register(lambda index, err: acks.append((index, err)))
        payload = os.urandom(100_000)
        # The inbox's SUB is still queued: the frame queues behind it, the payload as is.
        assert nc._pending
        await publish(nc, "jsraw.pub", f"{reply}0", payload)
        assert any(item is payload for item in nc._pending)
        await nc.flush()
        assert not nc._pending
        # Nothing queued: straight to the socket, nothing left in nats-py's buffer.
        await publish(nc, "jsraw.pub", f"{reply}1", payload, msg_id_header("x.1"))
        assert not nc._pending
        await publish(nc, "jsraw.pub", f"{reply}2", payload, msg_id_header("x.1"))  # duplicate
        await publish(nc, "nobody.listens", f"{reply}3", b"x")
        deadline = asyncio.get_running_loop().time() + 5
        while len(acks) < 4 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        by_index = dict(acks)  # the no-responders answer may come before the stream's acks
        assert sorted(by_index) == [0, 1, 2, 3]
        assert [by_index[i] for i in range(3)] == [None, None, None]
        assert isinstance(by_index[3], nats.js.errors.NoStreamResponseError)
        inbox.unregister(reply)
        await publish(nc, "jsraw.pub", f"{reply}4", b"late")
        await nc.flush()
        await asyncio.sleep(0.1)
        assert len(acks) == 4  # a token given up is not called again
        info = await client.conn.api("STREAM.INFO.JSRAW_PUB", {})
        assert info["state"]["messages"] == 3  # the duplicate id was stored once
    finally:
        await client.conn.api("STREAM.DELETE.JSRAW_PUB", {})


def test_chunk_lines_are_the_bytes_publish_and_msg_id_header_build() -> None:
    """A chunk's prebuilt line and header block are byte for byte what publish builds from
    the subject, reply and msg_id_header (the frames other clients' servers see)."""
    from natsobj_gui.core.jsraw.publish import chunk_lines, msg_id_header

    subject, reply = "$O.bkt.C.AbCdEf123", "_INBOX.q8S2.7f."
    for ids in (("AbCdEf123.", ""), ("AbCdEf123.", ".2"), None):
        line = chunk_lines(subject, reply, ids)
        for index, size in ((0, 1), (9, 131072), (10, 5), (99_999, 131072), (10**7, 77)):
            if ids is None:
                want = f"PUB {subject} {reply}{index} {size}\r\n".encode()
            else:
                header = msg_id_header(f"{ids[0]}{index}{ids[1]}")
                hlen = len(header)
                want = f"HPUB {subject} {reply}{index} {hlen} {hlen + size}\r\n".encode() + header
            assert line(index, size) == want


async def test_a_chunk_published_just_after_the_socket_closed_is_dropped_not_an_error(
    fresh_server, caplog
) -> None:
    """The server gone, a send failed and asyncio closed the socket, but nats-py's read loop
    has not run yet (the client still counts itself connected): a chunk sent then is lost
    with the connection, as nats-py's own write would lose it, and the window sees the loss.
    On Python 3.12+ the frame's writelines raised AttributeError from inside asyncio there
    (its transport no longer has a loop), which no caller can read as a lost connection;
    on 3.11 each write printed asyncio's "socket.send() raised exception." to stderr."""
    import logging

    from natsobj_gui.core import Client
    from natsobj_gui.core.jsraw.publish import publish

    caplog.set_level(logging.WARNING, logger="asyncio")
    client = await Client.connect(fresh_server.url)
    nc = client.conn.nc
    transport = nc._transport._io_writer.transport

    async def burst() -> None:
        """Publishes that yield to the loop only where said: nats-py's read loop lags."""
        assert fresh_server.proc is not None
        fresh_server.proc.kill()
        fresh_server.proc.wait()  # blocks the loop: nothing has read the EOF yet
        await publish(nc, "x.y", "", b"a")  # answered by a reset
        await publish(nc, "x.y", "", b"b")  # fails: asyncio closes the transport
        assert transport.is_closing() and nc.is_connected
        await asyncio.sleep(0)  # the transport's connection_lost runs; nats-py's loop next
        assert nc.is_connected
        for _ in range(3):  # asyncio warns from the sixth write on a lost connection
            await publish(nc, "x.y", "", b"c")

    try:
        await asyncio.wait_for(burst(), 10)
        assert "socket.send() raised exception" not in caplog.text
    finally:
        await client.close()
