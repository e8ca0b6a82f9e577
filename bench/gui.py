"""The GUI's own paths on the qasync loop vs the core on plain asyncio: stalls, throughput, listing.

Run from the repo root: `python -m bench.gui [--size 512] [--objects 100000] [--repeat 1]`.
Every measurement runs in a fresh child process; GUI children use a real QApplication
(offscreen) and a qasync loop (see bench/gui_qt.py), core children are bench.transfer's
and bench.listing's own on `asyncio.run`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from natsobj_gui.core.client import Client
from natsobj_gui.core.errors import ObjectNotFoundError
from natsobj_gui.core.types import BucketConfig

from . import listing
from .common import (
    DATA_DIR,
    MB,
    MIB,
    BenchError,
    local_server,
    machine_note,
    median,
    print_table,
    run_child,
    run_in_scratch,
    verdict,
    write_random_file,
)

BUCKET = "bench"
SRC = "src"  # the object both readers fetch (written by the core's put)
STALL_LIMIT = 0.050
SPEED_RATIO = 0.8
LIST_RATIO = 3.0
PROFILES = DATA_DIR / "profiles"


def _gui(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    return run_child("bench.gui", spec, timeout)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _print_stall_detail(label: str, r: dict[str, Any]) -> None:
    """Where the longest gaps fell, the GC's share, and (with --trace) the slowest callbacks."""
    top = ", ".join(f"{_ms(s)} ms at {at:.2f} s" for s, at in r["stall_top"])
    print(
        f"{label}: longest gaps {top}; {r['ticks']} ticks; CPU {r['cpu_share']:.0%} of wall, "
        f"preempted {r['preempted']} times"
    )
    print(
        f"{label}: GC {_ms(r['gc_total'])} ms in all, {r['gc_full']} full collection(s), "
        f"longest {_ms(r['gc_full_max'])} ms"
    )
    if "slow" in r:
        print(f"{label}: loop callbacks >= 5 ms took {_ms(r['slow_total'])} ms; slowest:")
        for took, at, what in r["slow"]:
            print(f"    {_ms(took):>6} ms at {at:5.2f} s  {what}")


# ---------------------------------------------------------------- transfers


async def _reset_objects(url: str, names: list[str], create: bool = False) -> None:
    async with await Client.connect(url) as client:
        if create:
            await client.create_bucket(BucketConfig(BUCKET))
        store = client.store(BUCKET)
        for name in names:
            with contextlib.suppress(ObjectNotFoundError):
                await store.delete(name)


def _checked(result: dict[str, Any], what: str, size: int) -> dict[str, Any]:
    if result["bytes"] != size:
        raise BenchError(f"{what} moved {result['bytes']} bytes, expected {size}")
    return result


def bench_transfers(
    work: Path, size_mib: int, repeat: int, profile: bool, trace: bool
) -> dict[str, list]:
    """Upload then download, core and GUI interleaved per round; returns per-row results."""
    size = size_mib * MIB
    path = work / "data.bin"
    write_random_file(path, size)
    timeout = 120 + size / (2 * MB)
    rows: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("core_up", "gui_up", "core_dn", "gui_dn")
    }
    with local_server(work / "store") as server:
        url = server.url
        asyncio.run(_reset_objects(url, [], create=True))
        base = {"url": url, "bucket": BUCKET, "path": str(path), "trace": trace}
        dest = str(work / "out.bin")
        ops = {
            "core_up": ("bench.transfer", {**base, "op": "put_ours", "name": "up-core"}),
            "gui_up": (
                "bench.gui",
                {**base, "op": "gui_transfer", "direction": "up", "name": "up-gui"},
            ),
            "core_dn": ("bench.transfer", {**base, "op": "get_ours", "name": SRC, "dest": dest}),
            "gui_dn": (
                "bench.gui",
                {**base, "op": "gui_transfer", "direction": "down", "name": SRC, "dest": dest,
                 "size": size},
            ),
        }  # fmt: skip
        # The object both downloads read, written once by the core.
        run_child("bench.transfer", {**base, "op": "put_ours", "name": SRC}, timeout)

        outs: list[Path] = []

        def measure(key: str) -> dict[str, Any]:
            module, spec = ops[key]
            if "dest" in spec:
                # A new file each time, all deleted at the end: freeing 512 MiB mid-run
                # (the disk is mounted with `discard`) slowed the next download or two.
                outs.append(work / f"out-{len(outs)}.bin")
                spec = {**spec, "dest": str(outs[-1])}
            os.sync()  # write back the previous run's dirty pages now, not during this one
            return _checked(run_child(module, spec, timeout), key, size)

        try:
            # All uploads, then all downloads: a download right after an upload's purge ran
            # ~30% slower than the next one (the server still freeing blocks), which made
            # whichever side went first lose.
            for rnd in range(repeat):
                # Alternate which side goes first so neither always follows the other.
                for key in ("core_up", "gui_up") if rnd % 2 == 0 else ("gui_up", "core_up"):
                    rows[key].append(measure(key))
                    asyncio.run(_reset_objects(url, ["up-core", "up-gui"]))
            measure("core_dn")  # warm-up after the purges, not counted
            for rnd in range(repeat):
                for key in ("core_dn", "gui_dn") if rnd % 2 == 0 else ("gui_dn", "core_dn"):
                    rows[key].append(measure(key))
            if profile:
                for key in ("gui_up", "gui_dn"):
                    out = PROFILES / f"gui-{key}-{size_mib}MiB.prof"
                    run_child("bench.gui", {**ops[key][1], "profile": str(out)}, timeout * 2)
                    Path(dest).unlink(missing_ok=True)
                    asyncio.run(_reset_objects(url, ["up-gui"]))
                    print(f"profile: {out} (top functions in {out.with_suffix('.txt')})")
        finally:
            path.unlink(missing_ok=True)
            for out in outs:
                out.unlink(missing_ok=True)
    return rows


def report_transfers(size_mib: int, rows: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Print the transfer table; return the figures the targets are judged on."""
    size = size_mib * MIB
    secs = {k: median([r["seconds"] for r in v]) for k, v in rows.items()}
    speed = {k: size / s / MB for k, s in secs.items()}
    keys = ("core_up", "gui_up", "core_dn", "gui_dn")
    labels = {
        "core_up": "upload   core put(path), asyncio",
        "gui_up": "upload   TransferQueue, qasync",
        "core_dn": "download core get_file, asyncio",
        "gui_dn": "download TransferQueue, qasync",
    }
    table = []
    for k, label in labels.items():
        gui = k.startswith("gui")
        worst = max((r["stall_max"] for r in rows[k]), default=0.0) if gui else 0.0
        p99 = max((r["stall_p99"] for r in rows[k]), default=0.0) if gui else 0.0
        table.append(
            [
                label,
                f"{speed[k]:.1f}",
                f"{secs[k]:.2f}",
                _ms(worst) if gui else "-",
                _ms(p99) if gui else "-",
            ]
        )
    print(f"\n== {size_mib} MiB upload and download, {len(rows['core_up'])} round(s), medians ==")
    print_table(["path", "MB/s", "seconds", "max stall ms", "p99 stall ms"], table)
    if len(rows["gui_up"]) > 1:
        for k in keys:
            per = ", ".join(f"{size / r['seconds'] / MB:.0f}" for r in rows[k])
            stall = ", ".join(_ms(r["stall_max"]) for r in rows[k]) if k.startswith("gui") else ""
            print(f"{k} per round: MB/s {per}" + (f"; max stall ms {stall}" if stall else ""))
    for k in ("gui_up", "gui_dn"):
        _print_stall_detail(f"{k} (worst round)", max(rows[k], key=lambda r: r["stall_max"]))
    last = rows["gui_up"][-1], rows["gui_dn"][-1]
    print(f"progress path: {last[0]['sink']}")
    print(f"progress deliveries (last round): upload {last[0]['deliveries']}, "
          f"download {last[1]['deliveries']}")  # fmt: skip
    up, dn = speed["gui_up"] / speed["core_up"], speed["gui_dn"] / speed["core_dn"]
    print(f"ratios GUI/core: upload {up:.2f}x, download {dn:.2f}x")
    return {
        "up_ratio": up,
        "dn_ratio": dn,
        "up_stall": max(r["stall_max"] for r in rows["gui_up"]),
        "dn_stall": max(r["stall_max"] for r in rows["gui_dn"]),
    }


# ---------------------------------------------------------------- listing


def bench_listing(n: int, repeat: int, profile: bool, trace: bool) -> dict[str, list]:
    """The persistent bucket of bench.listing: core list() vs the GUI's listing path."""
    rows: dict[str, list[dict[str, Any]]] = {"core": [], "gui": []}
    timeout = 120 + n / 100
    with local_server(listing.STORE_DIR) as server:
        url = server.url
        asyncio.run(listing.prepare(url, n, rebuild=False))
        core = ("bench.listing", {"op": "list_ours", "url": url})
        gui = ("bench.gui", {"op": "gui_list", "url": url, "bucket": listing.BUCKET,
                             "timeout": timeout, "trace": trace})  # fmt: skip
        for rnd in range(repeat):
            for key, (module, spec) in [("core", core), ("gui", gui)][:: 1 if rnd % 2 == 0 else -1]:
                result = run_child(module, spec, timeout)
                if result["count"] != n:
                    raise BenchError(f"{key} listing saw {result['count']} objects, expected {n}")
                rows[key].append(result)
        if profile:
            out = PROFILES / f"gui-list-{n}.prof"
            run_child("bench.gui", {**gui[1], "profile": str(out)}, timeout * 2)
            print(f"profile: {out} (top functions in {out.with_suffix('.txt')})")
    return rows


def report_listing(n: int, rows: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Print the listing table; return the ratio and the stall."""
    core = median([r["seconds"] for r in rows["core"]])
    gui = median([r["seconds"] for r in rows["gui"]])
    g = max(rows["gui"], key=lambda r: r["stall_max"])
    stall = max(r["stall_max"] for r in rows["gui"])
    p99 = max(r["stall_p99"] for r in rows["gui"])
    print(f"\n== list {n} objects, {len(rows['core'])} round(s), medians ==")
    print_table(
        ["path", "seconds", "objects/s", "max stall ms", "p99 stall ms"],
        [
            ["core list(), asyncio", f"{core:.2f}", f"{n / core:,.0f}", "-", "-"],
            ["GUI listing, qasync", f"{gui:.2f}", f"{n / gui:,.0f}", _ms(stall), _ms(p99)],
        ],
    )
    print(f"GUI path: {g['path']}; index {g['count']:,} objects, table {g['rows']:,} rows")
    if len(rows["gui"]) > 1:
        per = ", ".join(f"{r['seconds']:.2f} s / {_ms(r['stall_max'])} ms" for r in rows["gui"])
        core_per = ", ".join(f"{r['seconds']:.2f} s" for r in rows["core"])
        print(f"per round: GUI (time / max stall) {per}; core {core_per}")
    _print_stall_detail("GUI listing (worst round)", g)
    print(f"ratio GUI/core time: {gui / core:.2f}x")
    return {"list_ratio": gui / core, "list_stall": stall}


# ---------------------------------------------------------------- main


def print_targets(t: dict[str, float]) -> None:
    """PASS/MISS per target; a miss is reported, not an error."""
    print("\n== targets ==")
    for key, what in (("up_stall", "upload"), ("dn_stall", "download"), ("list_stall", "listing")):
        if key in t:
            ms = t[key] * 1000
            print(f"{verdict(t[key] < STALL_LIMIT)}  longest stall during {what} < 50 ms: {ms:.2f}")
    for key, what in (("up_ratio", "upload"), ("dn_ratio", "download")):
        if key in t:
            print(f"{verdict(t[key] >= SPEED_RATIO)}  GUI {what} >= 0.8x core: {t[key]:.2f}x")
    if "list_ratio" in t:
        r = t["list_ratio"]
        print(f"{verdict(r <= LIST_RATIO)}  GUI listing within 3x the core's time: {r:.2f}x")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.gui", description=__doc__)
    p.add_argument("--size", type=int, default=512, help="upload/download size in MiB")
    p.add_argument("--objects", type=int, default=100_000, help="objects in the listed bucket")
    p.add_argument("--repeat", type=int, default=1, help="rounds; medians reported")
    p.add_argument("--only", choices=("transfer", "listing"), help="run one half only")
    p.add_argument("--profile", action="store_true", help="also cProfile the GUI children")
    p.add_argument(
        "--trace", action="store_true", help="name the slowest loop callbacks (adds overhead)"
    )
    args = p.parse_args(argv)
    if args.size < 1 or args.repeat < 1 or not 1 <= args.objects <= 100_000:
        p.error("--size and --repeat must be >= 1, --objects between 1 and 100000")
    return args


def main(argv: list[str]) -> int:
    """Parent: servers, data, one child per measurement, tables, targets."""
    args = parse_args(argv)
    print(
        f"bench.gui: {args.size} MiB transfers, {args.objects} objects, "
        f"{args.repeat} round(s); {machine_note()}"
    )

    def run(work: Path) -> None:
        figures: dict[str, float] = {}
        if args.only != "listing":
            rows = bench_transfers(work, args.size, args.repeat, args.profile, args.trace)
            figures.update(report_transfers(args.size, rows))
        if args.only != "transfer":
            lrows = bench_listing(args.objects, args.repeat, args.profile, args.trace)
            figures.update(report_listing(args.objects, lrows))
        print_targets(figures)
        print(f"\nat the end: {machine_note()}")

    return run_in_scratch("gui-", run)


if __name__ == "__main__":
    if "--child" in sys.argv:
        from .gui_qt import qt_child_main

        sys.exit(qt_child_main())
    sys.exit(main(sys.argv[1:]))
