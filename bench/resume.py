"""How much of a download is fetched again when it is resumed after an interruption.

Run from the repo root: `python -m bench.resume [--size 1024] [--at 0.6] [--kill]`.
A get of a `--size` MiB object is cancelled (as Ctrl+C does) once `--at` of it arrived,
or with `--kill` a `natsobj get` process is SIGKILLed once its part file holds that much
(what came after its last checkpoint is lost); the next get to the same place continues
its kept partial. The chunk bytes the server
delivers to that second get are counted at the consumer: what exceeds the part the first
get had not received was fetched again (target: < 5 % of what it had received). Both gets are timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from natsobj_gui.core import ObjectStore, download
from natsobj_gui.core.client import Client
from natsobj_gui.core.jsraw import JsMsg, OrderedConsumer
from natsobj_gui.core.partial import partial_paths
from natsobj_gui.core.types import Progress

from .common import (
    MIB,
    fmt_mib,
    local_server,
    machine_note,
    print_table,
    verdict,
    write_random_file,
)

TARGET = 0.05


def count_delivered() -> list[int]:
    """Make every download's consumer count the chunk bytes it is delivered (one cell)."""
    total = [0]

    class Counting(OrderedConsumer):
        def __init__(self, nc, jsm, stream, subject, on_msg, **kw) -> None:  # type: ignore[no-untyped-def]
            def counted(msg: JsMsg) -> bool | None:
                total[0] += len(msg.data)
                return on_msg(msg)

            super().__init__(nc, jsm, stream, subject, counted, **kw)

    download.OrderedConsumer = Counting  # type: ignore[misc]
    return total


async def interrupt_in_process(store: ObjectStore, dest: Path, at: float) -> None:
    """Cancel a get once `at` of it arrived, as Ctrl+C does."""
    task: asyncio.Task | None = None

    def cancel_at(p: Progress) -> None:
        if task is not None and p.bytes_done >= at * p.bytes_total:
            task.cancel()

    task = asyncio.ensure_future(store.get_file("big", dest, progress=cancel_at))
    try:
        await task
    except asyncio.CancelledError:
        return
    raise SystemExit("the first get finished before it could be interrupted")


async def kill_a_process(url: str, bucket: str, dest: Path, at: float, size: int) -> int:
    """SIGKILL a `natsobj get` once its part file holds `at` of the object; what it held."""
    part, _ = partial_paths(dest)
    cmd = [sys.executable, "-m", "natsobj_gui.cli", "-s", url, "get", bucket, "big"]
    proc = await asyncio.create_subprocess_exec(
        *cmd, "-O", str(dest), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not (part.exists() and part.stat().st_size >= at * size):
            if proc.returncode is not None or dest.exists():
                raise SystemExit("the first get finished before it could be killed")
            await asyncio.sleep(0.001)
        proc.send_signal(signal.SIGSTOP)  # frozen, so what it wrote can be measured
        await asyncio.sleep(0.05)
        held = part.stat().st_size
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    return held


async def run(url: str, src: Path, dest: Path, at: float, kill: bool) -> dict[str, float]:
    client = await Client.connect(url)
    try:
        store = await client.create_bucket("bench_resume")
        info = await store.put("big", src)
        delivered = count_delivered()
        started = time.monotonic()
        if kill:
            before = await kill_a_process(url, store.bucket, dest, at, info.size)
        else:
            await interrupt_in_process(store, dest, at)
            before = delivered[0]
        first_s = time.monotonic() - started
        kept = json.loads(partial_paths(dest)[1].read_text())["bytes"]
        delivered[0] = 0
        notes: list[str] = []
        started = time.monotonic()
        await store.get_file("big", dest, note=notes.append)
        second_s = time.monotonic() - started
        if dest.stat().st_size != info.size or not notes[0].startswith("resuming"):
            raise SystemExit(f"the second get did not resume: {notes}")
        return {
            "size": info.size,
            "kept": kept,
            "before": before,
            "first_s": first_s,
            "second": delivered[0],
            "second_s": second_s,
            # Measured against what the first get had received, not what its partial kept:
            # bytes written after its last checkpoint count as fetched again.
            "again": delivered[0] - (info.size - before),
        }
    finally:
        await client.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1024, help="object size in MiB (default 1024)")
    ap.add_argument("--at", type=float, default=0.6, help="interrupt after this fraction")
    ap.add_argument("--kill", action="store_true", help="SIGKILL a natsobj get process instead")
    args = ap.parse_args()
    print(machine_note())
    with tempfile.TemporaryDirectory(prefix="bench-resume-") as tmp:
        root = Path(tmp)
        src = root / "src.bin"
        write_random_file(src, args.size * MIB)
        (root / "out").mkdir()
        with local_server(root / "js") as server:
            dest = root / "out" / "big.bin"
            r = asyncio.run(run(server.url, src, dest, args.at, args.kill))
    share = r["again"] / r["before"] if r["before"] else float("nan")
    print_table(
        ["object", "received", "kept", "delivered on resume", "fetched again", "of received"],
        [
            [
                fmt_mib(r["size"]),
                f"{fmt_mib(r['before'])} ({100 * r['before'] / r['size']:.0f} %)",
                fmt_mib(r["kept"]),
                fmt_mib(r["second"]),
                f"{r['again'] / MIB:.2f} MiB",
                f"{100 * share:.2f} %",
            ]
        ],
    )
    how = "killed" if args.kill else "cancelled"
    print(f"{how} get {r['first_s']:.1f} s, resumed get {r['second_s']:.1f} s")
    print(
        f"{verdict(0 <= share < TARGET)} fetched again < {100 * TARGET:.0f} % of what was received"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
