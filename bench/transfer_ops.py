"""bench.transfer's measured operations, each run in its own child process.

The parent (bench/transfer.py) starts `python -m bench.transfer --child SPEC`; the op named
in SPEC runs here and returns its bytes moved, seconds and peak RSS growth.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from natsobj_gui.core.client import Client
from natsobj_gui.core.download import DEFAULT_IDLE_TIMEOUT, chunk_consumer
from natsobj_gui.core.jsraw import JsMsg
from natsobj_gui.core.jsraw.publish import ack_inbox, publish

from .common import BenchError, measure, measure_natspy, measure_ours, natspy_conn

if TYPE_CHECKING:
    from nats.js.object_store import ObjectStore as NatsPyStore

    from natsobj_gui.core.store import ObjectStore

# The raw ceiling's plain stream, and its messages and window as our put's.
RAW_STREAM = "BENCH_RAW"
RAW_SUBJECT = "bench.raw"
RAW_CHUNK = 128 * 1024
RAW_WINDOW = 64


async def _child_put_ours(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(store: ObjectStore) -> dict[str, Any]:
        info = await store.put(spec["name"], Path(spec["path"]))
        return {"bytes": info.size}

    return await measure_ours(spec, op)


async def _child_get_ours(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(store: ObjectStore) -> dict[str, Any]:
        dest = await store.get_file(spec["name"], spec["dest"])
        return {"bytes": dest.stat().st_size}

    return await measure_ours(spec, op)


async def _child_get_verify(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(store: ObjectStore) -> dict[str, Any]:
        return {"bytes": (await store.verify(spec["name"])).size}

    return await measure_ours(spec, op)


async def _child_put_natspy(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(obs: NatsPyStore) -> dict[str, Any]:
        with open(spec["path"], "rb") as f:
            info = await obs.put(spec["name"], f)
        return {"bytes": info.size}

    return await measure_natspy(spec, op)


async def _child_get_natspy(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(obs: NatsPyStore) -> dict[str, Any]:
        with open(spec["dest"], "wb") as f:
            await obs.get(spec["name"], writeinto=f)
            # Same durability as our get_file (which fsyncs before its rename).
            f.flush()
            os.fsync(f.fileno())
        return {"bytes": os.path.getsize(spec["dest"])}

    return await measure_natspy(spec, op)


async def _child_put_ceiling(spec: dict[str, Any]) -> dict[str, Any]:
    async with natspy_conn(spec["url"]) as nc:
        js = nc.jetstream()

        async def op() -> dict[str, Any]:
            pending: deque[asyncio.Future] = deque()
            sent = 0
            with open(spec["path"], "rb", buffering=0) as f:
                while data := f.read(RAW_CHUNK):
                    pending.append(await js.publish_async(RAW_SUBJECT, data))
                    sent += len(data)
                    while len(pending) >= RAW_WINDOW:
                        await pending.popleft()
            while pending:
                await pending.popleft()
            return {"bytes": sent}

        return await measure(op, server_pid=spec.get("server_pid"))


async def _child_put_frames(spec: dict[str, Any]) -> dict[str, Any]:
    """Raw publishes through the lean path our put uses (jsraw.publish, acks only counted):
    no hash, no message ids, no progress, no window class."""
    async with natspy_conn(spec["url"]) as nc:
        inbox = await ack_inbox(nc)

        async def op() -> dict[str, Any]:
            loop = asyncio.get_running_loop()
            inflight, errors, room = 0, [], loop.create_future()

            def on_ack(_index: int, err: BaseException | None) -> None:
                nonlocal inflight
                inflight -= 1
                if err is not None:
                    errors.append(err)
                if not room.done():
                    room.set_result(None)

            reply = inbox.register(on_ack)
            sent = index = 0
            with open(spec["path"], "rb", buffering=0) as f:
                while data := f.read(RAW_CHUNK):
                    inflight += 1
                    await publish(nc, RAW_SUBJECT, f"{reply}{index}", data)
                    index += 1
                    sent += len(data)
                    while inflight >= RAW_WINDOW:
                        room = loop.create_future()
                        await asyncio.wait_for(room, 10)
            while inflight:
                room = loop.create_future()
                await asyncio.wait_for(room, 10)
            inbox.unregister(reply)
            if errors:
                raise BenchError(f"a raw publish was refused: {errors[0]!r}")
            return {"bytes": sent}

        return await measure(op, server_pid=spec.get("server_pid"))


async def _child_get_ceiling(spec: dict[str, Any]) -> dict[str, Any]:
    """The object's chunks through an ordered push consumer that only counts bytes."""
    async with await Client.connect(spec["url"]) as client:
        conn = client.conn
        info = await client.store(spec["bucket"]).info(spec["name"])

        async def op() -> dict[str, Any]:
            got = 0

            def on_msg(msg: JsMsg) -> bool:
                nonlocal got
                got += len(msg.data)
                return msg.pending == 0

            # The same idle bound as get_file's: a stalled read fails instead of hanging.
            consumer = chunk_consumer(conn, info, on_msg, idle_timeout=DEFAULT_IDLE_TIMEOUT)
            await consumer.run_pending()
            return {"bytes": got}

        return await measure(op, server_pid=spec.get("server_pid"))


HANDLERS = {
    "get_verify": _child_get_verify,
    "get_ceiling": _child_get_ceiling,
    "put_ours": _child_put_ours,
    "get_ours": _child_get_ours,
    "put_natspy": _child_put_natspy,
    "get_natspy": _child_get_natspy,
    "put_ceiling": _child_put_ceiling,
    "put_frames": _child_put_frames,
}
