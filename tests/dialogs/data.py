"""Realistic object and bucket infos for dialog tests, and a tab-order check."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QWidget

from natsobj_gui.core.types import BucketInfo, ObjectInfo, ObjectLink, Placement, Storage

# SHA-256 of b"hello world", as nats.go writes it.
HELLO_DIGEST = "SHA-256=uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek="
MODIFIED = datetime(2026, 11, 25, 13, 49, 16, 123456, tzinfo=UTC)


def make_info(**kw: object) -> ObjectInfo:
    """A realistic object with headers, metadata and a digest; override any field."""
    fields: dict[str, object] = {
        "name": "reports/2026/q3 summary.pdf",
        "bucket": "documents",
        "nuid": "Xq3SVMmzYB2LpjJ9HDiWn0",
        "size": 3_456_789,
        "chunks": 27,
        "digest": HELLO_DIGEST,
        "description": "Quarterly summary for the board",
        "headers": {"Content-Type": ["application/pdf"], "X-Tag": ["a", "b"]},
        "metadata": {"owner": "alice", "reviewed": "yes"},
        "max_chunk_size": 131072,
        "modified": MODIFIED,
    }
    fields.update(kw)
    return ObjectInfo(**fields)  # type: ignore[arg-type]


def make_bucket(**kw: object) -> BucketInfo:
    """A realistic bucket status, with server `_nats.*` metadata keys among the user's."""
    fields: dict[str, object] = {
        "name": "documents",
        "description": "Team documents",
        "ttl": 7 * 86400.0,
        "storage": Storage.FILE,
        "replicas": 3,
        "sealed": False,
        "compression": True,
        "size": 52_428_800,
        "max_bytes": 1 << 30,
        "messages": 412,
        "metadata": {"team": "ops", "_nats.req.level": "1", "_nats.ver": "2.11.0"},
        "placement": Placement("east", ("ssd", "fast")),
        "created": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "cluster": "east",
        "leader": "n2",
    }
    fields.update(kw)
    return BucketInfo(**fields)  # type: ignore[arg-type]


LINK = ObjectLink("archive", "old/report.pdf")
BUCKET_LINK = ObjectLink("archive")


def assert_tab_order(*widgets: QWidget) -> None:
    """The focus chain from widgets[0] visits the others in this order."""
    chain: list[QWidget] = []
    w = widgets[0].nextInFocusChain()
    while w is not widgets[0] and len(chain) < 500:
        chain.append(w)
        w = w.nextInFocusChain()
    positions = [chain.index(x) for x in widgets[1:]]
    assert positions == sorted(positions), positions
