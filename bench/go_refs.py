"""nats.go readers of one object, a yardstick that does not move with our own read path.

The get ceiling reads through our parser and socket reads, so it speeds up with them; these
do not. `get`: nats.go's own ObjectStore Get read to the end (it checks the SHA-256 there);
`count`: an ordered consumer on the chunk subject that only counts bytes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from .common import BenchError, build_go

OPS = {"get_go": "get", "count_go": "count"}
LABELS = {
    "get_go": "get  nats.go (Get to io.Discard, digest)",
    "count_go": "get  nats.go (ordered consumer, count only)",
}

# The JetStreamContext API of Debian's nats.go (older than jetstream/); time after connect.
GO_GET = """package main

import (
\t"fmt"
\t"io"
\t"os"
\t"time"

\t"github.com/nats-io/nats.go"
)

func main() {
\turl, bucket, name, mode := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
\tnc, err := nats.Connect(url)
\tif err != nil { panic(err) }
\tdefer nc.Close()
\tjs, err := nc.JetStream()
\tif err != nil { panic(err) }
\tobs, err := js.ObjectStore(bucket)
\tif err != nil { panic(err) }
\tinfo, err := obs.GetInfo(name)
\tif err != nil { panic(err) }
\tstart := time.Now()
\tvar n int64
\tif mode == "get" {
\t\tr, err := obs.Get(name)
\t\tif err != nil { panic(err) }
\t\tif n, err = io.Copy(io.Discard, r); err != nil { panic(err) }
\t\tr.Close()
\t} else {
\t\tdone := make(chan struct{})
\t\tsubj := fmt.Sprintf("$O.%s.C.%s", bucket, info.NUID)
\t\tsub, err := js.Subscribe(subj, func(m *nats.Msg) {
\t\t\tn += int64(len(m.Data))
\t\t\tif meta, _ := m.Metadata(); meta != nil && meta.NumPending == 0 { close(done) }
\t\t}, nats.OrderedConsumer())
\t\tif err != nil { panic(err) }
\t\t<-done
\t\tsub.Unsubscribe()
\t}
\tfmt.Printf("{\\"bytes\\": %d, \\"seconds\\": %f}\\n", n, time.Since(start).Seconds())
}
"""


def go_reader(work: Path) -> Path | None:
    """The nats.go reader built in `work`, or None (no go, or it cannot build)."""
    return build_go(work, "goget", GO_GET, "the get reader")


def run_go(binary: Path, op: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One nats.go read of the spec's object: its bytes and seconds (after connect)."""
    cmd = [str(binary), spec["url"], spec["bucket"], spec["name"], OPS[op]]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{op} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise BenchError(f"{op} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "rss_growth": 0}
