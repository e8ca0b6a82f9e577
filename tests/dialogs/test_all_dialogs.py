"""Properties every dialog shares: Esc cancels, a button box, a usable minimum size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from natsobj_gui.dialogs._common import KeyValueTable, duplicate_keys, size_text, time_text
from natsobj_gui.dialogs.bucket_dialog import BucketDialog
from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog
from natsobj_gui.dialogs.delete_dialog import DeleteBucketDialog, DeleteObjectsDialog
from natsobj_gui.dialogs.info_dialog import InfoDialog
from natsobj_gui.dialogs.link_dialog import LinkDialog
from natsobj_gui.dialogs.meta_dialog import MetaDialog
from natsobj_gui.dialogs.orphans_dialog import OrphansDialog
from natsobj_gui.dialogs.overwrite_dialog import OverwriteDialog
from natsobj_gui.dialogs.seal_dialog import SealDialog
from natsobj_gui.dialogs.upload_dialog import UploadDialog

from .data import make_bucket, make_info

FACTORIES: dict[str, Callable[[], QDialog]] = {
    "info": lambda: InfoDialog(make_info()),
    "delete_objects": lambda: DeleteObjectsDialog([make_info()]),
    "delete_bucket": lambda: DeleteBucketDialog(make_bucket()),
    "bucket_new": lambda: BucketDialog(),
    "bucket_edit": lambda: BucketDialog(existing=make_bucket()),
    "bucket_status": lambda: BucketStatusDialog(make_bucket()),
    "seal": lambda: SealDialog("documents"),
    "meta": lambda: MetaDialog(make_info()),
    "orphans": lambda: OrphansDialog("documents"),
    "link": lambda: LinkDialog(["documents"], "documents", make_info()),
    "overwrite": lambda: OverwriteDialog("x", make_info(), 10),
    "upload": lambda: UploadDialog("documents"),
}


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_escape_rejects_and_layout_is_sane(qtbot, kind: str) -> None:
    dlg = FACTORIES[kind]()
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.windowTitle()
    assert dlg.findChild(QDialogButtonBox) is not None
    hint = dlg.minimumSizeHint()
    assert dlg.width() >= 250 and hint.width() <= dlg.width()
    assert hint.height() <= dlg.height()
    with qtbot.waitSignal(dlg.finished, timeout=1000) as blocker:
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert blocker.args == [QDialog.DialogCode.Rejected.value]


def test_shared_helpers(qtbot) -> None:
    assert size_text(512) == "512 bytes"
    assert size_text(5 << 30) == "5,368,709,120 bytes (5.0 GiB)"
    t = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert time_text(t).endswith("2026-03-01 10:00:00 UTC")
    assert duplicate_keys([("a", "1"), ("b", "2"), ("a", "3"), ("a", "4")]) == ["a"]
    table = KeyValueTable()
    qtbot.addWidget(table)
    table.set_pairs([(" key ", "v"), ("", ""), ("", "orphan")])
    assert table.pairs() == [("key", "v"), ("", "orphan")]
    assert not table.remove_button.isEnabled()  # nothing selected yet
    table.table.selectRow(0)
    assert table.remove_button.isEnabled()
    table.remove_button.click()
    assert table.pairs() == [("", "orphan")]
