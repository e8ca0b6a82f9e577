"""Many small objects: a folder upload and `ls --json`, ours vs nats-py (and nats.go if any).

Run from the repo root: `python -m bench.small [--files 2000] [--objects 100000] [--repeat 1]`.
Every measurement runs in a fresh process; "whole process" figures include the interpreter
start, imports and connect, as a user typing the command sees them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import (
    REPO_ROOT,
    BenchError,
    build_go,
    child_main,
    local_server,
    machine_note,
    measure_natspy,
    measure_ours,
    median,
    natspy_store,
    precompile,
    print_table,
    run_child,
    run_in_scratch,
    verdict,
)

if TYPE_CHECKING:
    from nats.js.object_store import ObjectStore as NatsPyStore

    from natsobj_gui.core.store import ObjectStore

KIB = 1024
UPLOAD_TARGET = 2.0  # ours at least twice as fast as a nats-py put loop
LIST_TARGET = 1.0  # ls --json no slower than nats.go's List + JSON print


# ---------------------------------------------------------------- child side


def _files(folder: str) -> list[tuple[str, Path]]:
    root = Path(folder)
    return [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*")) if p.is_file()]


# Each child imports only its own side's library: nats-py's whole-process figure must not
# carry our imports (~0.1 s), nor ours nats-py's object store.


async def _child_small_ours(spec: dict[str, Any]) -> dict[str, Any]:
    from natsobj_gui.core.put_many import PutItem, put_many
    from natsobj_gui.core.types import ObjectMeta

    async def op(store: ObjectStore) -> dict[str, Any]:
        items = [PutItem(ObjectMeta(name), path) for name, path in _files(spec["folder"])]
        outcomes = await put_many(store, items)
        failed = [o for o in outcomes if o.error is not None]
        if failed:
            raise BenchError(f"{len(failed)} uploads failed: {failed[0].error}")
        return {"count": len(outcomes)}

    return await measure_ours(spec, op)


async def _child_small_natspy(spec: dict[str, Any]) -> dict[str, Any]:
    async def op(obs: NatsPyStore) -> dict[str, Any]:
        files = _files(spec["folder"])
        for name, path in files:
            await obs.put(name, path.read_bytes())
        return {"count": len(files)}

    return await measure_natspy(spec, op)


async def _child_ls_natspy(spec: dict[str, Any]) -> dict[str, Any]:
    """nats-py's list, every info printed as indented JSON: what `ls --json` does."""
    async with natspy_store(spec["url"], spec["bucket"]) as obs:
        infos = await obs.list()
        with open(os.devnull, "w") as sink:
            sink.write(json.dumps([i.as_dict() for i in infos], indent=2))
        return {"count": len(infos)}


HANDLERS = {
    "small_ours": _child_small_ours,
    "small_natspy": _child_small_natspy,
    "ls_natspy": _child_ls_natspy,
}

# nats.go's object store API as Debian packages it (golang-github-nats-io-go-nats-dev,
# built with GOPATH=/usr/share/gocode): the JetStreamContext one, older than jetstream/.
GO_LIST = """package main

import (
\t"encoding/json"
\t"os"

\t"github.com/nats-io/nats.go"
)

func main() {
\tnc, err := nats.Connect(os.Args[1])
\tif err != nil { panic(err) }
\tjs, err := nc.JetStream()
\tif err != nil { panic(err) }
\tobs, err := js.ObjectStore(os.Args[2])
\tif err != nil { panic(err) }
\tinfos, err := obs.List()
\tif err != nil { panic(err) }
\tenc := json.NewEncoder(os.Stdout)
\tenc.SetIndent("", "  ")
\tif err := enc.Encode(infos); err != nil { panic(err) }
}
"""


# ---------------------------------------------------------------- parent side


def _timed(cmd: list[str], timeout: float, stdout: Any = subprocess.DEVNULL) -> float:
    """Wall seconds of a whole process; its failure is a BenchError."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{cmd[:4]} failed (exit {proc.returncode}): {' | '.join(tail)}")
    return seconds


def _child_timed(op: str, spec: dict[str, Any], timeout: float) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    result = run_child("bench.small", {"op": op, **spec}, timeout=timeout)
    return result, time.perf_counter() - start


def make_folder(folder: Path, n: int) -> int:
    """n files of 1-64 KiB in 20 subfolders; returns their total size."""
    rng = random.Random(10)
    total = 0
    for i in range(n):
        path = folder / f"d{i % 20:02d}" / f"f{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        size = rng.randint(1 * KIB, 64 * KIB)
        path.write_bytes(os.urandom(size))
        total += size
    return total


async def _fresh_bucket(url: str, bucket: str) -> None:
    from natsobj_gui.core.client import Client
    from natsobj_gui.core.types import BucketConfig

    async with await Client.connect(url) as client:
        if await client.buckets.exists(bucket):
            await client.buckets.delete(bucket)
        await client.create_bucket(BucketConfig(bucket))


async def _count(url: str, bucket: str) -> int:
    from natsobj_gui.core.client import Client

    async with await Client.connect(url) as client:
        return len(await client.store(bucket).list())


def bench_uploads(url: str, folder: Path, n: int, repeat: int) -> dict[str, list[float]]:
    """Each side uploads the folder into a new bucket; per side: op and whole-process s."""
    cli = [sys.executable, "-m", "natsobj_gui.cli", "-s", url, "put"]
    times: dict[str, list[float]] = {k: [] for k in ("ours", "natspy", "ours_proc", "cli_proc")}
    times["natspy_proc"] = []
    timeout = 120 + n * 0.2
    for rnd in range(repeat):
        for side in ("natspy", "ours", "cli") if rnd % 2 == 0 else ("cli", "ours", "natspy"):
            bucket = f"small-{side}"
            asyncio.run(_fresh_bucket(url, bucket))
            if side == "cli":
                times["cli_proc"].append(_timed([*cli, bucket, str(folder), "-f"], timeout))
            else:
                spec = {"url": url, "bucket": bucket, "folder": str(folder)}
                result, wall = _child_timed(f"small_{side}", spec, timeout)
                times[side].append(result["seconds"])
                times[f"{side}_proc"].append(wall)
            if asyncio.run(_count(url, bucket)) != n:
                raise BenchError(f"{side} did not store all {n} files")
    return times


def bench_listing(url: str, n: int, repeat: int, work: Path) -> dict[str, list[float]]:
    """Whole-process `natsobj ls --json` vs nats-py (and nats.go when go is installed)."""
    from natsobj_gui.core.client import Client

    from .listing import BUCKET as LIST_BUCKET
    from .listing import build

    async def populate() -> None:
        async with await Client.connect(url) as client:
            await build(client, n)

    print(f"building a bucket of {n:,} objects ...", flush=True)
    asyncio.run(populate())
    go = _go_lister(work)
    cli = [sys.executable, "-m", "natsobj_gui.cli", "-s", url, "ls", LIST_BUCKET, "--json"]
    times: dict[str, list[float]] = {"ours": [], "natspy": [], "go": []}
    timeout = 120 + n / 200
    for _ in range(repeat):
        out = work / "ls.json"
        with open(out, "wb") as f:
            times["ours"].append(_timed(cli, timeout, stdout=f))
        if len(json.loads(out.read_bytes())) != n:
            raise BenchError("natsobj ls --json did not print every object")
        spec = {"url": url, "bucket": LIST_BUCKET}
        result, wall = _child_timed("ls_natspy", spec, timeout)
        if result["count"] != n:
            raise BenchError("nats-py did not list every object")
        times["natspy"].append(wall)
        if go is not None:
            times["go"].append(_timed([str(go), url, LIST_BUCKET], timeout))
    return times


def _go_lister(work: Path) -> Path | None:
    """A nats.go List + JSON program built in `work`, or None (no go, or it cannot build)."""
    return build_go(work, "golist", GO_LIST, "the lister")


def report_uploads(n: int, total: int, t: dict[str, list[float]]) -> float:
    m = {k: median(v) for k, v in t.items()}
    print(f"\n== upload {n:,} files of 1-64 KiB ({total / 1e6:.1f} MB), medians ==")
    rows = [
        ["ours (core put_many), op only", f"{m['ours']:.2f}", f"{n / m['ours']:.0f}"],
        ["nats-py put loop, op only", f"{m['natspy']:.2f}", f"{n / m['natspy']:.0f}"],
        ["ours (core), whole process", f"{m['ours_proc']:.2f}", f"{n / m['ours_proc']:.0f}"],
        ["natsobj put BUCKET DIR, whole process", f"{m['cli_proc']:.2f}", ""],
        ["nats-py put loop, whole process", f"{m['natspy_proc']:.2f}", ""],
    ]
    print_table(["operation", "seconds", "files/s"], rows)
    core = m["natspy"] / m["ours"]
    cli = m["natspy_proc"] / m["cli_proc"]
    print(f"ratios: core {core:.2f}x nats-py (op only), CLI {cli:.2f}x nats-py (whole process)")
    return min(core, cli)


def report_listing(n: int, t: dict[str, list[float]]) -> tuple[float, float | None]:
    m = {k: median(v) for k, v in t.items() if v}
    print(f"\n== ls --json of {n:,} objects, whole process, medians ==")
    rows = [
        ["natsobj ls --json", f"{m['ours']:.2f}"],
        ["nats-py list + json", f"{m['natspy']:.2f}"],
    ]
    if "go" in m:
        rows.append(["nats.go List + JSON", f"{m['go']:.2f}"])
    print_table(["operation", "seconds"], rows)
    vs_py = m["natspy"] / m["ours"]
    vs_go = m["go"] / m["ours"] if "go" in m else None
    go_text = f", {vs_go:.2f}x nats.go" if vs_go is not None else ""
    print(f"ratios (their time / ours): {vs_py:.2f}x nats-py{go_text}")
    return vs_py, vs_go


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.small", description=__doc__)
    p.add_argument("--files", type=int, default=2000, help="files in the uploaded folder")
    p.add_argument("--objects", type=int, default=100_000, help="objects listed by ls --json")
    p.add_argument("--repeat", type=int, default=1, help="rounds; medians reported")
    p.add_argument("--skip-listing", action="store_true", help="only the upload comparison")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    print(f"bench.small: {args.files} files, {args.objects} listed; {machine_note()}")
    precompile()

    def run(work: Path) -> None:
        with local_server(work / "store") as server:
            folder = work / "folder"
            total = make_folder(folder, args.files)
            up = report_uploads(
                args.files, total, bench_uploads(server.url, folder, args.files, args.repeat)
            )
            listing = None
            if not args.skip_listing:
                times = bench_listing(server.url, args.objects, args.repeat, work)
                listing = report_listing(args.objects, times)
        print("\n== targets ==")
        print(f"{verdict(up >= UPLOAD_TARGET)}  upload >= 2x a nats-py put loop: {up:.2f}x")
        if listing is not None:
            vs_py, vs_go = listing
            print(f"info  ls --json vs nats-py (their time / ours): {vs_py:.2f}x")
            if vs_go is None:
                print("skip  ls --json <= 1.0x nats.go: go is not installed")
            else:
                ok = vs_go >= LIST_TARGET
                print(f"{verdict(ok)}  ls --json <= 1.0x nats.go's time: {1 / vs_go:.2f}x")

    return run_in_scratch("small-", run)


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main(HANDLERS))
    sys.exit(main(sys.argv[1:]))
