"""Damaged entries in the object table and the index: shown with their reason, never merged."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.types import ObjectInfo, WatchEvent, WatchKind
from natsobj_gui.icons import icon
from natsobj_gui.models.object_table_model import (
    COL_CHUNKS,
    COL_DESCRIPTION,
    COL_NAME,
    COL_SIZE,
    ObjectRole,
    ObjectTableModel,
)

REASON = "its nuid '>' is not a plain token (a subject wildcard or separator)"


def test_damaged_row_shows_a_warning_and_the_reason(qapp) -> None:
    sound = ObjectInfo("fine.txt", "b", "N1", size=2048, chunks=1, description="ok")
    bad = ObjectInfo("evil", "b", ">", size=10, chunks=1, damaged=REASON)
    model = ObjectTableModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_bucket(BucketIndex("b", [sound, bad]), "")
    rows = {model.index(r, COL_NAME).data(): r for r in range(model.rowCount())}
    r = rows["evil"]
    assert model.index(r, COL_SIZE).data() == "damaged"
    assert model.index(r, COL_CHUNKS).data() == ""
    assert model.index(r, COL_DESCRIPTION).data() == f"damaged: {REASON}"
    assert REASON in model.index(r, COL_NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert REASON in model.index(r, COL_SIZE).data(Qt.ItemDataRole.ToolTipRole)
    decoration = model.index(r, COL_NAME).data(Qt.ItemDataRole.DecorationRole)
    assert decoration.cacheKey() == icon("warning").cacheKey()
    assert model.index(r, COL_NAME).data(ObjectRole) is bad
    # A sound row is untouched.
    s = rows["fine.txt"]
    assert model.index(s, COL_SIZE).data() == "2.0 KiB"
    assert model.index(s, COL_DESCRIPTION).data() == "ok"
    assert "damaged" not in model.index(s, COL_NAME).data(Qt.ItemDataRole.ToolTipRole)


def test_damaged_info_reusing_a_nuid_is_not_a_rename() -> None:
    # An info under "alias" naming "real" with real's nuid (a subject/name mismatch) must
    # not make the index drop "real" as if it had been renamed.
    real = ObjectInfo("real", "b", "NREAL", size=5, chunks=1)
    idx = BucketIndex("b", [real])
    alias = ObjectInfo("alias", "b", "NREAL", size=5, chunks=1, damaged="its info names 'real'")
    change = idx.apply([WatchEvent(WatchKind.PUT, alias)])
    assert change.added == ["alias"] and change.removed == []
    assert idx.get("real") is real and idx.get("alias") is alias
    # Nor does a later sound info with that nuid count the damaged entry as renamed.
    moved = ObjectInfo("moved", "b", "NREAL", size=5, chunks=1)
    change = idx.apply([WatchEvent(WatchKind.PUT, moved)])
    assert change.removed == ["real"] and "alias" in idx
