"""Sync speed: `natsobj sync` re-checking unchanged files, and a first sync vs `natsobj put DIR`.

Run from the repo root:
`python -m bench.sync [--resync-files 10000] [--first-files 2000] [--repeat 3]`.
Every row is a whole `natsobj` process (interpreter start and imports included), as a user
runs it, against a server this script starts; the data lives under `bench/.data/sync-*`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import (
    BenchError,
    local_server,
    machine_note,
    precompile,
    print_table,
    run_in_scratch,
    verdict,
)

RESYNC_TARGET = 2.0  # seconds for a re-sync of unchanged files
TIMEOUT = 900.0


def make_tree(root: Path, count: int) -> int:
    """`count` small files (100–600 bytes) in folders of 100; returns the bytes written."""
    total = 0
    for i in range(count):
        path = root / f"d{i // 100:03d}" / f"f{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = os.urandom(100 + (i * 37) % 500)
        path.write_bytes(data)
        total += len(data)
    return total


def natsobj(url: str, cache: Path, *args: str) -> tuple[float, str]:
    """Run one `natsobj` process; (seconds, stdout). A failure is a BenchError."""
    env = {**os.environ, "NATSOBJ_HASH_CACHE": str(cache)}
    env = {k: v for k, v in env.items() if not k.startswith("NATS_")}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "natsobj_gui.cli", "-s", url, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"natsobj {' '.join(args)} failed: {proc.stderr.strip()}")
    return seconds, proc.stdout


def first_sync_rounds(
    url: str, cache: Path, folder: Path, count: int, repeat: int
) -> tuple[float, float]:
    """Median seconds of `put BUCKET DIR` and of a first `sync DIR BUCKET`, each into a new
    bucket, in alternating order (the one that runs second meets a busier server)."""
    put_s: list[float] = []
    sync_s: list[float] = []
    for rnd in range(repeat):
        for side in ("put", "sync") if rnd % 2 == 0 else ("sync", "put"):
            bucket = f"first-{side}-{rnd}"
            natsobj(url, cache, "add", bucket)
            cache.unlink(missing_ok=True)  # a first sync: nothing known about the folder
            if side == "put":
                put_s.append(natsobj(url, cache, "put", bucket, str(folder))[0])
            else:
                seconds, out = natsobj(url, cache, "sync", str(folder), bucket)
                if f"Uploaded {count:,} files" not in out:
                    raise BenchError(f"first sync did not upload every file: {out.strip()}")
                sync_s.append(seconds)
            natsobj(url, cache, "del", bucket, "-f")
    return statistics.median(put_s), statistics.median(sync_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resync-files", type=int, default=10_000)
    parser.add_argument("--first-files", type=int, default=2_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="put DIR / first sync rounds; medians reported"
    )
    args = parser.parse_args(argv)
    print(machine_note())
    precompile()

    def run(work: Path) -> None:
        rows: list[list[str]] = []
        with local_server(work / "server") as server:
            url = server.url
            cache = work / "hashes.sqlite3"

            first = work / "first"
            size = make_tree(first, args.first_files)
            put_s, sync_s = first_sync_rounds(url, cache, first, args.first_files, args.repeat)
            n = f"{args.first_files:,} files, {size / 1e6:.1f} MB"
            rows.append([f"put DIR ({n}), median", f"{put_s:.2f} s", ""])
            ratio = f"{put_s / sync_s:.2f}x put"
            rows.append([f"first sync ({n}), median", f"{sync_s:.2f} s", ratio])
            first_ok = sync_s <= put_s

            many = work / "many"
            make_tree(many, args.resync_files)
            natsobj(url, cache, "add", "resync")
            setup_s, _ = natsobj(url, cache, "sync", str(many), "resync")
            again_s, out = natsobj(url, cache, "sync", str(many), "resync")
            if "Uploaded 0 files" not in out:
                raise BenchError(f"the re-sync transferred something: {out.strip()}")
            cache.unlink()
            cold_s, out = natsobj(url, cache, "sync", str(many), "resync")
            if "Uploaded 0 files" not in out:
                raise BenchError(f"the cold re-sync transferred something: {out.strip()}")
            n = f"{args.resync_files:,} files"
            rows.append([f"first sync ({n})", f"{setup_s:.2f} s", ""])
            rows.append([f"re-sync, unchanged ({n})", f"{again_s:.2f} s", "0 transferred"])
            rows.append([f"re-sync, empty hash cache ({n})", f"{cold_s:.2f} s", "reads all"])
            resync_ok = again_s < RESYNC_TARGET
        print_table(["run (one natsobj process each)", "time", "note"], rows)
        print(f"{verdict(resync_ok)}  re-sync of unchanged files < {RESYNC_TARGET:g} s")
        print(f"{verdict(first_ok)}  first sync at least as fast as `natsobj put BUCKET DIR`")

    return run_in_scratch("sync-", run)


if __name__ == "__main__":
    sys.exit(main())
