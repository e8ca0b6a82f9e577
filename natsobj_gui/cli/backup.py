"""`natsobj backup` and `natsobj restore`: a whole bucket to one checked file and back."""

from __future__ import annotations

import argparse
from pathlib import Path

from natsobj_gui.core import Client
from natsobj_gui.core import backup as B
from natsobj_gui.formatting import count_text

from . import output as out
from .common import CliError, confirm
from .progress import ProgressBar


async def cmd_backup(client: Client, args: argparse.Namespace) -> int:
    """Snapshot the bucket's stream (every version, link and tombstone) into FILE."""
    dest = Path(args.file)
    if dest.is_dir():
        raise CliError(f"{dest} is a folder: give a file name for the backup")
    await client.buckets.status(args.bucket)  # a missing bucket fails before any question
    if dest.exists():
        confirm(f"Replace existing file {dest}?", force=args.force)
    with ProgressBar(f"backup {args.bucket}", known_total=False) as bar:
        result = await B.backup(client.conn, args.bucket, dest, overwrite=True, progress=bar)
    out.emit(
        f"Backed up bucket {args.bucket} ({count_text(result.messages, 'message')}) to "
        f"{out.clean(str(dest))}: {out.human_size(result.size)}, SHA-256 {result.sha256}"
    )
    return 0


async def cmd_restore(client: Client, args: argparse.Namespace) -> int:
    """Check FILE completely, then recreate its bucket (never over an existing one)."""
    header = await B.verify(args.file)
    if args.check:
        out.emit(
            f"{out.clean(args.file)} is a complete backup of bucket {header.bucket} "
            f"({count_text(header.messages, 'message')}, {out.human_size(header.bytes)})"
        )
        return 0
    with ProgressBar(f"restore {header.bucket}") as bar:
        info = await B.restore(client.conn, args.file, progress=bar)
    out.emit(
        f"Restored bucket {info.name}: {count_text(info.messages, 'message')}, "
        f"{out.human_size(info.size)}"
    )
    return 0
