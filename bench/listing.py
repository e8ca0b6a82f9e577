"""Listing speed: our core's ObjectStore.list() vs nats-py's on a bucket of many small objects.

Run from the repo root: `python -m bench.listing [--objects 100000] [--rebuild]`.
The bucket lives in `bench/.data/listing-store` and is rebuilt only when missing or stale.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import sys
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from natsobj_gui.core import wire
from natsobj_gui.core.client import Client
from natsobj_gui.core.jsraw import Deliver, JsMsg, OrderedConsumer
from natsobj_gui.core.store import LIST_IDLE_TIMEOUT
from natsobj_gui.core.transfer import new_nuid
from natsobj_gui.core.types import DEFAULT_CHUNK_SIZE, BucketConfig, ObjectInfo

from .common import (
    DATA_DIR,
    BenchError,
    child_main,
    fmt_mib,
    local_server,
    machine_note,
    measure,
    measure_natspy,
    measure_ours,
    median,
    print_table,
    run_child,
    verdict,
)

if TYPE_CHECKING:
    from nats.js.object_store import ObjectStore as NatsPyStore

    from natsobj_gui.core.store import ObjectStore

STORE_DIR = DATA_DIR / "listing-store"
MARKER = STORE_DIR / "bench-listing.json"
MARKER_FORMAT = 1
BUCKET = "listing"
CHECK_BUCKET = "listing-check"
FOLDERS = 1000
BUILD_WINDOW = 1000
REPEAT = 3
TARGET_RATIO = 2.5


def object_name(i: int, n: int) -> str:
    """`dirFFFF/objIIIII`: n objects spread evenly over FOLDERS folders."""
    per_folder = max(1, n // FOLDERS)
    return f"dir{min(i // per_folder, FOLDERS - 1):04d}/obj{i:05d}"


def object_body(i: int) -> bytes:
    """A few hundred random bytes, of varying length."""
    return os.urandom(200 + (i * 37) % 300)


def meta_for(name: str, bucket: str, nuid: str, data: bytes) -> ObjectInfo:
    """The info our core's put writes for a one-chunk object with the default chunk size."""
    return ObjectInfo(
        name=name,
        bucket=bucket,
        nuid=nuid,
        size=len(data),
        chunks=1 if data else 0,
        digest=wire.digest_string(hashlib.sha256(data)),
        max_chunk_size=DEFAULT_CHUNK_SIZE,
    )


# ---------------------------------------------------------------- child side


async def _child_list_ours(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(store: ObjectStore) -> dict[str, Any]:
        return {"count": len(await store.list())}

    return await measure_ours(spec, op, BUCKET)


async def _child_list_natspy(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(obs: NatsPyStore) -> dict[str, Any]:
        return {"count": len(await obs.list())}

    return await measure_natspy(spec, op, BUCKET)


async def _child_list_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """Our consumer alone, counting messages without decoding: what list() cannot beat."""
    async with await Client.connect(spec["url"]) as client:
        conn = client.conn

        async def op() -> dict[str, Any]:
            count = 0

            def on_msg(msg: JsMsg) -> bool:
                nonlocal count
                count += 1
                return msg.pending == 0

            consumer = OrderedConsumer(
                conn.nc,
                conn.jsm,
                wire.stream_name(BUCKET),
                wire.meta_filter(BUCKET),
                on_msg,
                deliver=Deliver.LAST_PER_SUBJECT,
                idle_timeout=LIST_IDLE_TIMEOUT,  # list()'s own bound: a stall fails, not hangs
            )
            await consumer.run_pending()
            return {"count": count}

        return await measure(op)


HANDLERS = {
    "list_ours": _child_list_ours,
    "list_natspy": _child_list_natspy,
    "list_floor": _child_list_floor,
}


# ---------------------------------------------------------------- parent side


async def check_wire_identity(client: Client) -> None:
    """Prove the builder's messages equal the core's: put one object, compare raw bytes."""
    if await client.buckets.exists(CHECK_BUCKET):
        await client.buckets.delete(CHECK_BUCKET)
    store = await client.create_bucket(BucketConfig(CHECK_BUCKET))
    try:
        name, data = object_name(0, 1), object_body(0)
        info = await store.put(name, data)
        resp = await client.conn.api(
            f"STREAM.MSG.GET.{wire.stream_name(CHECK_BUCKET)}",
            {"last_by_subj": wire.meta_subject(CHECK_BUCKET, name)},
        )
        stored = base64.b64decode(resp["message"]["data"])
        hdrs = base64.b64decode(resp["message"].get("hdrs") or "")
        built = wire.encode_info(meta_for(name, CHECK_BUCKET, info.nuid, data))
        if stored != built or b"Nats-Rollup: sub" not in hdrs:
            raise BenchError(f"builder differs from the core:\ncore:  {stored!r}\nbuilt: {built!r}")
    finally:
        await client.buckets.delete(CHECK_BUCKET)


async def build(client: Client, n: int) -> float:
    """(Re)create the bucket: one chunk then one meta per object, pipelined; returns seconds."""
    start = time.perf_counter()
    if await client.buckets.exists(BUCKET):
        await client.buckets.delete(BUCKET)
    await client.create_bucket(BucketConfig(BUCKET))
    js = client.conn.js
    pending: deque[asyncio.Future] = deque()
    for i in range(n):
        name, data, nuid = object_name(i, n), object_body(i), new_nuid()
        meta = wire.encode_info(meta_for(name, BUCKET, nuid, data))
        pending.append(await js.publish_async(wire.chunk_subject(BUCKET, nuid), data))
        pending.append(
            await js.publish_async(
                wire.meta_subject(BUCKET, name), meta, headers=dict(wire.ROLLUP_HEADERS)
            )
        )
        while len(pending) >= BUILD_WINDOW:
            await pending.popleft()
    while pending:
        await pending.popleft()
    return time.perf_counter() - start


def marker_ok(n: int) -> bool:
    try:
        marker = json.loads(MARKER.read_text())
    except (OSError, ValueError):
        return False
    return marker == {"format": MARKER_FORMAT, "objects": n}


async def prepare(url: str, n: int, rebuild: bool) -> None:
    """Check the builder against the core, then reuse the bucket or rebuild it."""
    async with await Client.connect(url) as client:
        await check_wire_identity(client)
        reuse = not rebuild and marker_ok(n) and await client.buckets.exists(BUCKET)
        if reuse:
            status = await client.buckets.status(BUCKET)
            reuse = status.messages == 2 * n
        if reuse:
            print(f"reusing the bucket of {n} objects in {STORE_DIR}")
        else:
            await _rebuild(client, n)
        # The core reads a built object back and checks its size and digest.
        await client.store(BUCKET).verify(object_name(n - 1, n))


async def _rebuild(client: Client, n: int) -> None:
    """Build the bucket afresh, check its message count, then write the marker."""
    MARKER.unlink(missing_ok=True)
    print(f"building a bucket of {n} objects in {FOLDERS} folders ...", flush=True)
    seconds = await build(client, n)
    status = await client.buckets.status(BUCKET)
    if status.messages != 2 * n:
        raise BenchError(f"built {status.messages} messages, expected {2 * n}")
    MARKER.write_text(json.dumps({"format": MARKER_FORMAT, "objects": n}))
    print(f"built in {seconds:.1f} s ({2 * n / seconds:,.0f} messages/s)")


def run_rounds(url: str, n: int, profile: bool) -> dict[str, list[dict[str, Any]]]:
    """REPEAT rounds of the listings, rotating which goes first."""
    ops = ["list_ours", "list_natspy", "list_floor"]
    results: dict[str, list[dict[str, Any]]] = {op: [] for op in ops}
    for rnd in range(REPEAT):
        for op in ops[rnd % 3 :] + ops[: rnd % 3]:
            result = run_child("bench.listing", {"op": op, "url": url}, timeout=120 + n / 100)
            if result["count"] != n:
                raise BenchError(f"{op} listed {result['count']} objects, expected {n}")
            results[op].append(result)
    if profile:
        out = DATA_DIR / "profiles" / f"list_ours-{n}.prof"
        run_child("bench.listing", {"op": "list_ours", "url": url, "profile": str(out)}, 600)
        print(f"profile: {out} (top functions in {out.with_suffix('.txt')})")
    return results


def report(n: int, results: dict[str, list[dict[str, Any]]]) -> None:
    """Print the table, the ratio and the target verdict."""
    secs = {op: median([r["seconds"] for r in rs]) for op, rs in results.items()}
    rss = {op: max(r["rss_growth"] for r in rs) for op, rs in results.items()}
    labels = {
        "list_ours": "ours (core list())",
        "list_natspy": "nats-py (list())",
        "list_floor": "floor (core consumer, no decode)",
    }
    print(f"\n== list {n} objects, {REPEAT} rounds, medians ==")
    rows = [
        [labels[op], f"{secs[op]:.2f}", f"{n / secs[op]:,.0f}", fmt_mib(rss[op])] for op in results
    ]
    print_table(["lister", "seconds", "objects/s", "peak RSS growth"], rows)
    ratio = secs["list_natspy"] / secs["list_ours"]
    per_obj = {op: rss[op] / n for op in rss}
    print(
        f"ratio ours/nats-py: {ratio:.2f}x; RSS per object: ours {per_obj['list_ours']:.0f} B, "
        f"nats-py {per_obj['list_natspy']:.0f} B; decoding is "
        f"{1 - secs['list_floor'] / secs['list_ours']:.0%} of our time"
    )
    print("\n== targets ==")
    print(f"{verdict(ratio >= TARGET_RATIO)}  list >= {TARGET_RATIO}x nats-py: {ratio:.2f}x")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.listing", description=__doc__)
    p.add_argument("--objects", type=int, default=100_000, help="objects in the bucket")
    p.add_argument("--rebuild", action="store_true", help="rebuild the bucket even if valid")
    p.add_argument("--profile", action="store_true", help="also cProfile our list()")
    args = p.parse_args(argv)
    if not 1 <= args.objects <= 100_000:
        p.error("--objects must be between 1 and 100000 (names have 5 digits)")
    return args


def main(argv: list[str]) -> int:
    """Parent: own server on the persistent store, build if needed, children per listing."""
    args = parse_args(argv)
    print(f"bench.listing: {args.objects} objects; {machine_note()}")
    try:
        with local_server(STORE_DIR) as server:
            asyncio.run(prepare(server.url, args.objects, args.rebuild))
            results = run_rounds(server.url, args.objects, args.profile)
        report(args.objects, results)
    except BenchError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main(HANDLERS))
    sys.exit(main(sys.argv[1:]))
