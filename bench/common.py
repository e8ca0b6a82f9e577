"""Shared benchmark plumbing: a fresh server, measured child processes, tables, verdicts."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from natsobj_gui.core.server import LocalServer

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsPyClient
    from nats.js.object_store import ObjectStore as NatsPyStore

    from natsobj_gui.core.store import ObjectStore

DATA_DIR = Path(__file__).resolve().parent / ".data"
REPO_ROOT = DATA_DIR.parent.parent
MB = 1_000_000
MIB = 1024 * 1024
# ru_maxrss is in KiB on Linux and in bytes on macOS.
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024


def peak_rss() -> int:
    """This process's peak resident set size so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _RSS_UNIT


def reset_peak_rss() -> bool:
    """Lower the peak to the current RSS (Linux), so import-time peaks cannot hide growth."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


@contextlib.contextmanager
def local_server(store_dir: Path) -> Iterator[LocalServer]:
    """A nats-server of our own with JetStream in `store_dir`, stopped on exit."""
    server = LocalServer(store_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def measure(
    op: Callable[[], Awaitable[dict[str, Any]]],
    profile_to: str | None = None,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """Time one operation and its peak RSS growth; called after imports and connect.

    Also its CPU seconds, and the server's (`server_pid`) over the same span: on a machine
    with few cores they say which side bounds a throughput.
    """
    reset = reset_peak_rss()
    rss_before = peak_rss()
    prof = cProfile.Profile() if profile_to else None
    if prof:
        prof.enable()
    server_start = process_cpu(server_pid) if server_pid else 0.0
    start, cpu_start = time.perf_counter(), time.process_time()
    result = await op()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    server_cpu = process_cpu(server_pid) - server_start if server_pid else None
    if prof:
        prof.disable()
        write_profile(prof, Path(profile_to or ""))
    rss_after = peak_rss()
    return {
        **result,
        "seconds": seconds,
        "cpu": cpu,
        "server_cpu": server_cpu,
        "rss_growth": max(0, rss_after - rss_before),
        "peak_reset": reset,
    }


async def measure_ours(
    spec: dict[str, Any],
    op: Callable[[ObjectStore], Awaitable[dict[str, Any]]],
    bucket: str | None = None,
) -> dict[str, Any]:
    """Connect our client and measure `op` on the spec's bucket (profiled if the spec asks)."""
    # Imported here: a nats-py child must not carry our client's imports in its figures.
    from natsobj_gui.core.client import Client

    async with await Client.connect(spec["url"]) as client:
        store = client.store(bucket or spec["bucket"])
        return await measure(lambda: op(store), spec.get("profile"), spec.get("server_pid"))


@contextlib.asynccontextmanager
async def natspy_conn(url: str) -> AsyncIterator[NatsPyClient]:
    """A nats-py connection of its own, closed on exit."""
    import nats

    nc = await nats.connect(url)
    try:
        yield nc
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def natspy_store(url: str, bucket: str) -> AsyncIterator[NatsPyStore]:
    """nats-py's object store for `bucket` on a connection of its own, closed on exit."""
    async with natspy_conn(url) as nc:
        yield await nc.jetstream().object_store(bucket)


async def measure_natspy(
    spec: dict[str, Any],
    op: Callable[[NatsPyStore], Awaitable[dict[str, Any]]],
    bucket: str | None = None,
) -> dict[str, Any]:
    """Connect nats-py and measure `op` on its object store of the spec's bucket."""
    async with natspy_store(spec["url"], bucket or spec["bucket"]) as obs:
        return await measure(lambda: op(obs), spec.get("profile"), spec.get("server_pid"))


def start_profile(spec: dict[str, Any]) -> cProfile.Profile | None:
    """A running profiler when the child's spec asks for one, else None."""
    if not spec.get("profile"):
        return None
    prof = cProfile.Profile()
    prof.enable()
    return prof


def write_profile(prof: cProfile.Profile, path: Path) -> None:
    """Dump the raw stats and a readable top-30 by own time next to them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(str(path))
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(30)
    path.with_suffix(".txt").write_text(text.getvalue())


def child_main(handlers: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]]) -> int:
    """Run the op named in the JSON argument after `--child` and print its result as JSON."""
    spec = json.loads(sys.argv[sys.argv.index("--child") + 1])
    result = asyncio.run(handlers[spec["op"]](spec))
    print(json.dumps(result), flush=True)
    return 0


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far; 0.0 where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); [0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(module: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run `python -m module --child SPEC` in a fresh process; its last stdout line is JSON."""
    cmd = [sys.executable, "-m", module, "--child", json.dumps(spec)]
    try:
        proc = subprocess.run(
            cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{spec['op']} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{spec['op']} failed (exit {proc.returncode}):\n{tail}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{spec['op']} printed no result")
    return json.loads(lines[-1])


def build_go(work: Path, name: str, source: str, what: str) -> Path | None:
    """A Go program (nats.go) built in `work`/`name`, or None (no go, or it cannot build).

    No module proxy here: nats.go's sources as Debian packages them
    (golang-github-nats-io-go-nats-dev, under /usr/share/gocode), in GOPATH mode.
    """
    go = shutil.which("go")
    if go is None:
        print(f"nats.go: skipped (go is not installed): {what}")
        return None
    src = work / name
    src.mkdir(exist_ok=True)
    (src / "main.go").write_text(source)
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": "/usr/share/gocode"}
    env.setdefault("GOCACHE", str(work / "gocache"))
    try:
        subprocess.run(
            [go, "build", "-o", name, "main.go"],
            cwd=src,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"nats.go: skipped (could not build {what}: {type(exc).__name__})")
        return None
    return src / name


class BenchError(Exception):
    """A measured operation failed: the benchmark exits non-zero."""


def run_in_scratch(prefix: str, body: Callable[[Path], None]) -> int:
    """Run `body` in a fresh folder under DATA_DIR, removed after: 1 on a BenchError, else 0."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=DATA_DIR))
    try:
        body(work)
    except BenchError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt_mib(n: float) -> str:
    return f"{n / MIB:.1f} MiB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned text table: first column left, the rest right."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out)

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def write_random_file(path: Path, size: int, block: int = 8 * MIB) -> None:
    """Incompressible test data, written in blocks so the parent never holds it all."""
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(block, left)
            f.write(os.urandom(n))
            left -= n


def machine_note() -> str:
    """One line on the conditions, since figures vary with load on a shared machine."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def precompile() -> None:
    """Byte-compile the package, as installing it does (its .pyc files are gitignored)."""
    # With PYTHONDONTWRITEBYTECODE (set in some sandboxes) every measured process would
    # compile our ~60 modules from source (~60 ms of CPU), while nats-py's come
    # precompiled from site-packages.
    compileall.compile_dir(REPO_ROOT / "natsobj_gui", quiet=1)
