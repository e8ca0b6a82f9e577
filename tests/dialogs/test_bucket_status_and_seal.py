"""BucketStatusDialog fields and SealDialog's safe default."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from natsobj_gui.core.types import Storage
from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog, ttl_text
from natsobj_gui.dialogs.seal_dialog import SealDialog

from .data import make_bucket


def test_status_shows_every_field(qtbot, shot) -> None:
    dlg = BucketStatusDialog(make_bucket())
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "Bucket documents"
    assert dlg.name_field.text() == "documents"
    assert dlg.stream_field.text() == "OBJ_documents"
    assert dlg.description_label.text() == "Team documents"
    assert dlg.ttl_label.text() == "7 days"
    assert dlg.ttl_label.toolTip() == "604,800 s"
    assert dlg.storage_label.text() == "File"
    assert dlg.replicas_label.text() == "3"
    assert dlg.sealed_label.text() == "No"
    assert dlg.compressed_label.text() == "Yes"
    assert dlg.size_label.text() == "52,428,800 bytes (50 MiB)"
    assert dlg.max_bytes_label.text() == "1,073,741,824 bytes (1.0 GiB)"
    assert dlg.usage_bar.text() == "50 MiB of 1.0 GiB (5%)"
    assert dlg.usage_bar.value() == 48  # per mille
    assert dlg.objects_label.isHidden()  # not given: the bucket was not listed
    assert dlg.messages_label.text() == "412"
    assert dlg.placement_label.text() == "cluster east; tags ssd, fast"
    assert dlg.cluster_label.text() == "east"
    assert dlg.leader_label.text() == "n2"
    assert "2026-01-02 03:04:05 UTC" in dlg.created_label.text()
    assert dlg.metadata_table.pairs() == [("team", "ops")]  # `_nats.*` hidden
    assert dlg.metadata_box.title() == "Metadata (1)"
    shot(dlg, "bucket_status")


def test_status_refresh_and_defaults(qtbot) -> None:
    dlg = BucketStatusDialog(make_bucket())
    qtbot.addWidget(dlg)
    dlg.set_info(
        make_bucket(
            description="",
            ttl=0,
            storage=Storage.MEMORY,
            sealed=True,
            max_bytes=-1,
            placement=None,
            cluster=None,
            leader=None,
            created=None,
            metadata={"_nats.ver": "2.11.0"},
        )
    )
    assert dlg.description_label.text() == "—"
    assert dlg.ttl_label.text() == "forever"
    assert dlg.storage_label.text() == "Memory"
    assert dlg.sealed_label.text() == "Yes (read-only)"
    assert dlg.max_bytes_label.text() == "unlimited"
    assert dlg.usage_bar.isHidden()
    assert dlg.placement_label.text() == "—"
    assert dlg.leader_label.text() == "—"
    assert dlg.created_label.text() == "—"
    assert dlg.metadata_table.pairs() == []
    assert ttl_text(90.5) == "1 minute, 30.5 seconds"
    assert ttl_text(30 * 86400) == "30 days"
    assert ttl_text(86400 + 12 * 3600 + 5) == "1 day, 12 hours"
    assert ttl_text(1) == "1 second"


def test_status_names_the_leader_and_counts_objects(qtbot) -> None:
    server_id = "NDGT7YLJGGP277WDQODVPLP7HMZ462AOHDIHGEQF3BL5YNJDOFIWIH54"
    dlg = BucketStatusDialog(make_bucket(leader=server_id), objects=1234)
    qtbot.addWidget(dlg)
    assert dlg.leader_label.text() == "unnamed server NDGT7YLJ…"
    assert dlg.leader_label.toolTip() == server_id
    assert not dlg.objects_label.isHidden() and dlg.objects_label.text() == "1,234"


def test_seal_cancel_is_default(qtbot, shot) -> None:
    dlg = SealDialog("documents")
    qtbot.addWidget(dlg)
    dlg.show()
    assert "cannot be undone" in dlg.message_label.text()
    assert "“documents”" in dlg.message_label.text()
    assert dlg.cancel_button.isDefault() and not dlg.seal_button.isDefault()
    shot(dlg, "seal_dialog")
    with qtbot.waitSignal(dlg.finished, timeout=1000) as blocker:
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert blocker.args == [QDialog.DialogCode.Rejected.value]


def test_seal_button_accepts(qtbot) -> None:
    dlg = SealDialog("documents")
    qtbot.addWidget(dlg)
    dlg.show()
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.mouseClick(dlg.seal_button, Qt.MouseButton.LeftButton)
    assert dlg.bucket() == "documents"
