"""`natsobj gc`: listing, --json, --grace and --yes against the session's real server."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from natsobj_gui.cli.gc import report_table
from natsobj_gui.core import Client
from natsobj_gui.core.orphans import OrphanReport, OrphanSet, chunk_counts

from .conftest import Cli


def _raw(url: str, bucket: str, sets: dict[str, list[bytes]]) -> None:
    """Write chunks with no info, as a killed or buggy writer leaves them."""

    async def write() -> None:
        async with await Client.connect(url) as client:
            for nuid, parts in sets.items():
                for part in parts:
                    await client.conn.js.publish(f"$O.{bucket}.C.{nuid}", part)

    asyncio.run(write())


def _counts(url: str, bucket: str) -> dict[str, int]:
    async def read() -> dict[str, int]:
        async with await Client.connect(url) as client:
            return await chunk_counts(client.conn, bucket)

    return asyncio.run(read())


def test_gc_on_a_clean_bucket_says_so(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "a", stdin=b"hello")
    result = cli.ok("gc", bucket)
    assert result.text == ""
    assert "No orphaned chunks" in result.err


def test_gc_lists_orphans_with_total_and_purges_with_yes(cli: Cli, bucket: str) -> None:
    cli.ok("put", bucket, "-", "--name", "a", stdin=b"keep me")
    _raw(cli.url, bucket, {"ORPHANA": [b"x" * 1000, b"x" * 1000], "ORPHANB": [b"y" * 48]})

    listed = cli.ok("gc", bucket, "--grace", "0s")
    lines = listed.text.splitlines()
    assert lines[0].split()[:4] == ["NUID", "Chunks", "Size", "Newest"]
    rows = {line.split()[0]: line for line in lines[2:] if line.startswith("ORPHAN")}
    assert set(rows) == {"ORPHANA", "ORPHANB"}
    assert "  2  " in rows["ORPHANA"] and "2.0 KiB" in rows["ORPHANA"]
    assert "48 B" in rows["ORPHANB"]
    assert "Total: 2 chunk sets, 3 chunks, 2.0 KiB (2,048 bytes)" in listed.text
    assert f"natsobj gc {bucket} --yes" in listed.err
    assert len(_counts(cli.url, bucket)) == 3  # listing alone purges nothing

    purged = cli.ok("gc", bucket, "--grace", "0s", "--yes")
    assert "Purged 2 chunk sets (3 chunks, 2.0 KiB)" in purged.text
    assert len(_counts(cli.url, bucket)) == 1
    assert cli.ok("get", bucket, "a", "-O", "-").out == b"keep me"
    assert "No orphaned chunks" in cli.ok("gc", bucket, "--grace", "0s").err


def test_gc_default_grace_keeps_recent_sets(cli: Cli, bucket: str) -> None:
    _raw(cli.url, bucket, {"INPROGRESS": [b"z" * 10]})
    listed = cli.ok("gc", bucket)
    assert "may be an upload in progress" in listed.text
    assert "Nothing can be purged now" in listed.err
    result = cli.ok("gc", bucket, "--yes")
    assert "Purged 0 chunk sets" in result.text
    assert "Kept INPROGRESS: may be an upload in progress" in result.err
    assert len(_counts(cli.url, bucket)) == 1
    cli.ok("gc", bucket, "--grace", "30m", "--yes")
    assert len(_counts(cli.url, bucket)) == 1


def test_gc_json_is_valid_and_complete(cli: Cli, bucket: str) -> None:
    _raw(cli.url, bucket, {"OLDSET": [b"o" * 7], "bad.token": [b"b" * 3]})
    doc = json.loads(cli.ok("gc", bucket, "--json", "--grace", "0").text)
    assert doc["bucket"] == bucket and doc["grace_seconds"] == 0
    by_nuid = {o["nuid"]: o for o in doc["orphans"]}
    assert by_nuid["OLDSET"]["bytes"] == 7 and by_nuid["OLDSET"]["status"] == "orphan"
    assert by_nuid["OLDSET"]["chunks"] == 1 and by_nuid["OLDSET"]["newest_chunk"]
    assert by_nuid["bad.token"]["bytes"] is None and by_nuid["bad.token"]["status"] == "unsafe"
    assert doc["total"] == {"sets": 2, "chunks": 2, "bytes": 7}
    assert "purged" not in doc

    doc = json.loads(cli.ok("gc", bucket, "--json", "--grace", "0", "--yes").text)
    assert doc["purged"] == {"sets": ["OLDSET"], "chunks": 1, "bytes": 7}
    assert [k["nuid"] for k in doc["kept"]] == ["bad.token"]
    assert list(_counts(cli.url, bucket)) == ["bad.token"]

    doc = json.loads(cli.ok("gc", bucket, "--json", "--yes").text)
    assert doc["purged"]["sets"] == [] and [k["nuid"] for k in doc["kept"]] == ["bad.token"]


def test_gc_errors_are_one_line(cli: Cli, bucket: str) -> None:
    cli("gc", "no_such_bucket_gc").assert_one_line_error("no_such_bucket_gc")
    result = cli("gc", bucket, "--grace", "soon")
    assert result.code == 2 and "invalid duration" in result.err


def test_gc_table_shows_ages_of_old_recent_and_unknown_sets() -> None:
    """An hour-old set reads 1h30m (this crashed: output no longer had human_duration)."""
    now = datetime.now(UTC)
    sets = (
        OrphanSet("OLD", 1, 10, now - timedelta(seconds=5400)),
        OrphanSet("NEW", 1, 10, now - timedelta(seconds=0.25)),
        OrphanSet("UNKNOWN", 1, None),
    )
    lines = report_table(OrphanReport("b", now, 3600.0, sets)).splitlines()
    assert "1h30m" in next(line for line in lines if "OLD" in line)
    assert " 0s " in next(line for line in lines if "NEW" in line) + " "
    assert "—" in next(line for line in lines if "UNKNOWN" in line)
