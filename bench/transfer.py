"""Upload/download throughput: our core vs nats-py's object store vs raw pipelined publishes.

Run from the repo root: `python -m bench.transfer [--sizes 1,64,256] [--gib] [--repeat 3]`.
Every measured operation runs in a fresh child process so its peak RSS growth is its own
(the operations are in bench/transfer_ops.py; this module runs them and reports).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from natsobj_gui.core.client import Client
from natsobj_gui.core.errors import ObjectNotFoundError
from natsobj_gui.core.server import LocalServer
from natsobj_gui.core.types import BucketConfig

from . import go_refs
from .common import (
    DATA_DIR,
    MB,
    MIB,
    BenchError,
    child_main,
    fmt_mib,
    local_server,
    machine_note,
    median,
    print_table,
    run_child,
    run_in_scratch,
    verdict,
    write_random_file,
)
from .transfer_ops import HANDLERS, RAW_STREAM, RAW_SUBJECT

BUCKET = "bench"
TARGET_SIZE_MIB = 256
GIB_MIB = 1024
RSS_LIMIT = 64 * MIB
OPS = (
    "put_ours",
    "put_natspy",
    "put_ceiling",
    "put_frames",
    "get_ours",
    "get_natspy",
    "get_verify",
    "get_ceiling",
)
LABELS = {
    "put_ours": "put  ours (core put(path))",
    "put_natspy": "put  nats-py (put(name, file))",
    "put_ceiling": "put  ceiling (publish_async x64)",
    "put_frames": "put  ceiling (raw frames x64, acks counted)",
    "get_ours": "get  ours (core get_file)",
    "get_natspy": "get  nats-py (get(writeinto=file))",
    "get_verify": "get  ours, no disk (core verify)",
    "get_ceiling": "get  ceiling (ordered consumer, count only)",
}
CEILING_TARGET = 0.8


async def _setup(url: str) -> None:
    """The object bucket both clients write to, and the plain stream for the ceiling."""
    async with await Client.connect(url) as client:
        await client.create_bucket(BucketConfig(BUCKET))
        await client.conn.api(
            f"STREAM.CREATE.{RAW_STREAM}",
            {"name": RAW_STREAM, "subjects": [RAW_SUBJECT], "storage": "file"},
        )


async def _purge_raw(url: str) -> None:
    async with await Client.connect(url) as client:
        await client.conn.api(f"STREAM.PURGE.{RAW_STREAM}", {})


async def _delete_objects(url: str, names: list[str]) -> None:
    async with await Client.connect(url) as client:
        store = client.store(BUCKET)
        for name in names:
            # After a failed put there may be nothing to delete; keep the first error.
            with contextlib.suppress(ObjectNotFoundError):
                await store.delete(name)


def _run(op: str, spec: dict[str, Any], size: int, work: Path) -> dict[str, Any]:
    # Generous: even 10 MB/s finishes well inside it; a hang still ends.
    result = run_child("bench.transfer", {"op": op, **spec}, timeout=120 + size / (2 * MB))
    if result["bytes"] != size:
        raise BenchError(f"{op} moved {result['bytes']} bytes, expected {size}")
    for leftover in work.glob("out-*"):
        leftover.unlink()
    return result


def disk_speed(work: Path, size: int) -> float:
    """MB/s of writing `size` bytes and fsyncing them here: a bound on any get_file."""
    path, block = work / "disk-probe", b"\0" * (8 * MIB)
    start = time.perf_counter()
    with open(path, "wb") as f:
        for _ in range(max(1, size // len(block))):
            f.write(block)
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return max(1, size // len(block)) * len(block) / seconds / MB


def bench_size(
    server: LocalServer, work: Path, size_mib: int, repeat: int, profile: bool, go: Path | None
) -> dict:
    """Every operation on one size, interleaved per round; returns per-op result lists."""
    size = size_mib * MIB
    path = work / f"data-{size_mib}.bin"
    write_random_file(path, size)
    url = server.url
    assert server.proc is not None
    base = {"url": url, "bucket": BUCKET, "path": str(path), "server_pid": server.proc.pid}
    dest = str(work / f"out-{size_mib}")
    puts, gets = list(OPS[:4]), list(OPS[4:])
    results: dict[str, list[Any]] = {op: [] for op in OPS}
    go_ops = list(go_refs.OPS) if go is not None else []
    for op in go_ops:
        results[op] = []
    results["disk"] = [disk_speed(work, size)]
    names: list[str] = []
    try:
        for rnd in range(repeat):
            # Each round's puts store new names, as the ceilings write into a purged stream:
            # replacing a version would add the purge of its chunks to the timed put.
            ours, theirs = f"ours-{size_mib}-{rnd}", f"natspy-{size_mib}-{rnd}"
            names += [ours, theirs]
            # Both readers fetch the same object (ours, byte-compatible with nats.go).
            specs = {
                "put_ours": {**base, "name": ours},
                "put_natspy": {**base, "name": theirs},
                "put_ceiling": base,
                "put_frames": base,
                "get_ours": {**base, "name": ours, "dest": dest},
                "get_natspy": {**base, "name": ours, "dest": dest},
                "get_verify": {**base, "name": ours},
                "get_ceiling": {**base, "name": ours},
            }
            # Rotate the order each round so no side always follows the same neighbour.
            for op in puts[rnd % 4 :] + puts[: rnd % 4]:
                results[op].append(_run(op, specs[op], size, work))
                if op in ("put_ceiling", "put_frames"):
                    asyncio.run(_purge_raw(url))
            for op in gets if rnd % 2 == 0 else gets[::-1]:
                results[op].append(_run(op, specs[op], size, work))
            for op in go_ops if rnd % 2 == 0 else go_ops[::-1]:
                assert go is not None
                got = go_refs.run_go(go, op, specs["get_verify"], 120 + size / (2 * MB))
                if got["bytes"] != size:
                    raise BenchError(f"{op} moved {got['bytes']} bytes, expected {size}")
                results[op].append(got)
            asyncio.run(_delete_objects(url, [ours, theirs]))  # outside the timing
        if profile:
            prof_dir = DATA_DIR / "profiles"
            names.append(f"ours-{size_mib}-prof")
            for op in ("put_ours", "get_ours"):
                out = prof_dir / f"{op}-{size_mib}MiB.prof"
                spec = {
                    **base,
                    "name": names[-1],
                    "dest": str(work / "out-prof"),
                    "profile": str(out),
                }
                _run(op, spec, size, work)
                print(f"profile: {out} (top functions in {out.with_suffix('.txt')})")
    finally:
        path.unlink(missing_ok=True)
        asyncio.run(_delete_objects(url, names))
    return results


def summarize(size_mib: int, results: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Print one size's table and ratios; return the medians in MB/s and peak RSS growth."""
    size = size_mib * MIB
    speed = {op: size / median([r["seconds"] for r in results[op]]) / MB for op in OPS}
    rss = {op: max(r["rss_growth"] for r in results[op]) for op in OPS}
    print(f"\n== {size_mib} MiB object, {len(results['put_ours'])} round(s), medians ==")
    print(f"(this disk writes + fsyncs {size_mib} MiB at {results['disk'][0]:.0f} MB/s)")
    rows = [
        [
            LABELS[op],
            f"{speed[op]:.1f}",
            f"{median([r['seconds'] for r in results[op]]):.3f}",
            f"{median([r['cpu'] for r in results[op]]):.3f}",
            f"{median([r['server_cpu'] for r in results[op]]):.3f}",
            fmt_mib(rss[op]),
        ]
        for op in OPS
    ]
    for op in go_refs.OPS:
        if results.get(op):
            seconds = median([r["seconds"] for r in results[op]])
            rows.append(
                [go_refs.LABELS[op], f"{size / seconds / MB:.1f}", f"{seconds:.3f}", "", "", ""]
            )
    # CPU seconds over the timed span; on 2 cores, client + server past ~2x the wall time
    # means the operation is bound by the machine, not by waiting.
    headers = ["operation", "MB/s", "seconds", "client CPU s", "server CPU s", "peak RSS growth"]
    print_table(headers, rows)
    if not all(r["peak_reset"] for op in OPS for r in results[op]):
        print("note: the peak RSS could not be reset; growth hidden under import peaks is lost")
    ratios = {
        "put_vs_natspy": speed["put_ours"] / speed["put_natspy"],
        # The stronger of the two raw publish paths is the ceiling.
        "put_vs_ceiling": speed["put_ours"] / max(speed["put_ceiling"], speed["put_frames"]),
        "get_vs_natspy": speed["get_ours"] / speed["get_natspy"],
        "get_vs_ceiling": speed["get_ours"] / speed["get_ceiling"],
        "verify_vs_ceiling": speed["get_verify"] / speed["get_ceiling"],
    }
    print(
        f"ratios: put ours/nats-py {ratios['put_vs_natspy']:.2f}x, "
        f"put ours/ceiling {ratios['put_vs_ceiling']:.2f}x, "
        f"get ours/nats-py {ratios['get_vs_natspy']:.2f}x, "
        f"get ours/ceiling {ratios['get_vs_ceiling']:.2f}x (no disk: "
        f"{ratios['verify_vs_ceiling']:.2f}x)"
    )
    if results.get("count_go"):
        # Not a target: a yardstick that does not move with our read path, as the ceiling does.
        go = {op: size / median([r["seconds"] for r in results[op]]) / MB for op in go_refs.OPS}
        print(
            f"nats.go: verify / nats.go Get {speed['get_verify'] / go['get_go']:.2f}x, "
            f"verify / nats.go count-only {speed['get_verify'] / go['count_go']:.2f}x, "
            f"ceiling / nats.go count-only {speed['get_ceiling'] / go['count_go']:.2f}x"
        )
    seconds = {op: median([r["seconds"] for r in results[op]]) for op in OPS}
    put_ceiling = min(seconds["put_ceiling"], seconds["put_frames"])
    ratios["put_best"] = best_ratio(results["put_ours"], put_ceiling)
    ratios["verify_best"] = best_ratio(results["get_verify"], seconds["get_ceiling"])
    # get_file writes and fsyncs everything: it cannot outrun this disk's own figure.
    ratios["get_vs_disk"] = speed["get_ours"] / results["disk"][0]
    ratios["disk"] = results["disk"][0]
    return {**ratios, "rss_put_ours": rss["put_ours"], "rss_get_ours": rss["get_ours"]}


def best_ratio(runs: list[dict[str, Any]], ceiling_seconds: float) -> float:
    """The best ratio to the ceiling that the operation's CPU work allows on this machine.

    Our side runs on one thread (the loop), so it takes at least its own CPU seconds; with
    the server's, it takes at least their sum spread over every core. Both are medians, and
    the bound assumes perfect scheduling: the real ratio stays below it.
    """
    client = median([r["cpu"] for r in runs])
    server = median([r["server_cpu"] for r in runs])
    least = max(client, (client + server) / (os.cpu_count() or 1))
    return ceiling_seconds / least if least > 0 else float("inf")


def print_targets(summary: dict[int, dict[str, float]]) -> None:
    """PASS/MISS per target; missed targets are reported, not failures."""
    print("\n== targets ==")
    t = summary.get(TARGET_SIZE_MIB)
    if t is None:
        print(f"(throughput targets are judged at {TARGET_SIZE_MIB} MiB, which was not run)")
    else:
        print(f"{verdict(t['put_vs_natspy'] >= 2)}  put >= 2x nats-py: {t['put_vs_natspy']:.2f}x")
        for key, what in (
            ("put_vs_ceiling", "put"),
            ("get_vs_ceiling", "get_file"),
            ("verify_vs_ceiling", "get, no disk (verify)"),
        ):
            ok = t[key] >= CEILING_TARGET
            print(f"{verdict(ok)}  {what} >= {CEILING_TARGET}x its ceiling: {t[key]:.2f}x")
            best = {"put_vs_ceiling": "put_best", "verify_vs_ceiling": "verify_best"}.get(key)
            if best is not None and not ok:
                print(
                    f"      its CPU work (ours + the server's, medians) on {os.cpu_count()} "
                    f"cores allows at most {t[best]:.2f}x, with perfect scheduling"
                )
            if key == "get_vs_ceiling" and not ok:
                print(
                    f"      get_file is disk-bound here: {t['get_vs_disk']:.2f}x of what this "
                    f"disk writes + fsyncs alone ({t['disk']:.0f} MB/s)"
                )
        print(f"{verdict(t['get_vs_natspy'] >= 5)}  get >= 5x nats-py: {t['get_vs_natspy']:.2f}x")
    g = summary.get(GIB_MIB)
    if g is not None:
        for key, what in (("rss_put_ours", "put"), ("rss_get_ours", "get")):
            ok = g[key] < RSS_LIMIT
            print(f"{verdict(ok)}  1 GiB {what} peak RSS growth < 64 MiB: {fmt_mib(g[key])}")


@contextlib.contextmanager
def server_store(work: Path, where: str) -> Iterator[Path]:
    """The server's store folder: in the scratch folder, or in RAM (removed after)."""
    if where == "disk":
        yield work / "store"
        return
    ram = Path(tempfile.mkdtemp(prefix="natsobj-bench-", dir="/dev/shm"))
    try:
        yield ram
    finally:
        shutil.rmtree(ram, ignore_errors=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.transfer", description=__doc__)
    p.add_argument("--sizes", default="1,64,256", help="object sizes in MiB (comma-separated)")
    p.add_argument("--gib", action="store_true", help="add a 1 GiB object (RSS target)")
    p.add_argument("--repeat", type=int, default=3, help="rounds per size; medians reported")
    p.add_argument("--profile", action="store_true", help="also cProfile our put and get")
    p.add_argument(
        "--store",
        default="disk",
        choices=("disk", "ram"),
        help="where the server keeps its streams: on disk (as a user's server does) or in "
        "RAM (/dev/shm), which keeps the disk's own noise out of the ratios",
    )
    args = p.parse_args(argv)
    args.size_list = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.gib and GIB_MIB not in args.size_list:
        args.size_list.append(GIB_MIB)
    if args.repeat < 1 or not args.size_list or min(args.size_list) < 1:
        p.error("--repeat and every size must be at least 1")
    return args


def main(argv: list[str]) -> int:
    """Parent: own server, data files, children per measurement, table, targets."""
    args = parse_args(argv)
    print(
        f"bench.transfer: sizes {args.size_list} MiB, {args.repeat} round(s), server store on "
        f"{args.store}; {machine_note()}"
    )

    def body(work: Path) -> None:
        go = go_refs.go_reader(work)
        with server_store(work, args.store) as store, local_server(store) as server:
            asyncio.run(_setup(server.url))
            summary = {}
            for size_mib in args.size_list:
                results = bench_size(server, work, size_mib, args.repeat, args.profile, go)
                summary[size_mib] = summarize(size_mib, results)
        print_targets(summary)

    return run_in_scratch("transfer-", body)


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main(HANDLERS))
    sys.exit(main(sys.argv[1:]))
