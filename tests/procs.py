"""Processes seen through /proc (Linux): is one alive, its children, the servers on a store."""

from __future__ import annotations

import os
from pathlib import Path


def _state(pid: int) -> str:
    """The one-letter state of a process from /proc ('' where /proc cannot tell)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def alive(pid: int) -> bool:
    """The process runs (a zombie still answers kill(0): it does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) != "Z"


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of the live child processes of `pid`."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append((int(stat.parent.name), comm))
    return out


def nats_servers_on(store: Path) -> list[int]:
    """Pids of the nats-server processes whose arguments name `store`."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmd = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"nats-server") and str(store).encode() in cmd:
            pids.append(int(cmdline.parent.name))
    return pids
