"""BucketDialog: live name validation, every option into BucketConfig, edit mode and `_nats.*`."""

from __future__ import annotations

from PySide6.QtCore import Qt

from natsobj_gui.core.types import BucketConfig, Placement, Storage
from natsobj_gui.dialogs.bucket_dialog import BucketDialog, bucket_name_error, split_amount

from .data import assert_tab_order, make_bucket


def test_defaults_make_a_plain_bucket(qtbot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "New Bucket"
    assert not dlg.ok_button.isEnabled()  # no name yet
    assert dlg.name_error.isHidden()  # but no red text on a fresh dialog
    qtbot.keyClicks(dlg.name_edit, "photos")
    assert dlg.ok_button.isEnabled()
    assert dlg.config() == BucketConfig(name="photos")


def test_name_validated_live(qtbot, shot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.name_edit, "my bucket.v2")
    assert not dlg.ok_button.isEnabled()
    assert dlg.name_error.isVisible()
    assert "space" in dlg.name_error.text() and "." in dlg.name_error.text()
    shot(dlg, "bucket_dialog_bad_name")
    # Enter cannot accept an invalid config.
    qtbot.keyClick(dlg.name_edit, Qt.Key.Key_Return)
    assert dlg.isVisible()
    dlg.name_edit.clear()
    qtbot.keyClicks(dlg.name_edit, "my_bucket-v2")
    assert dlg.name_error.isHidden()
    assert dlg.ok_button.isEnabled()
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.keyClick(dlg.name_edit, Qt.Key.Key_Return)


def test_every_option(qtbot, shot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.name_edit, "media")
    qtbot.keyClicks(dlg.description_edit, "Media files")
    dlg.ttl.value.setValue(3)
    dlg.ttl.unit.setCurrentText("days")
    qtbot.mouseClick(dlg.unlimited_check, Qt.MouseButton.LeftButton)
    assert dlg.max_size.isEnabled()
    dlg.max_size.value.setValue(5)
    dlg.max_size.unit.setCurrentText("GiB")
    dlg.storage_combo.setCurrentIndex(dlg.storage_combo.findData(Storage.MEMORY))
    dlg.replicas_spin.setValue(3)
    qtbot.keyClick(dlg.compression_check, Qt.Key.Key_Space)
    qtbot.keyClicks(dlg.cluster_edit, "east")
    qtbot.keyClicks(dlg.tags_edit, "ssd, fast ,")
    dlg.metadata_table.add_row("team", "media")
    dlg.metadata_table.add_row("tier", "gold")
    assert dlg.ok_button.isEnabled()
    shot(dlg, "bucket_dialog_new")
    assert dlg.config() == BucketConfig(
        name="media",
        description="Media files",
        ttl=3 * 86400.0,
        max_bytes=5 << 30,
        storage=Storage.MEMORY,
        replicas=3,
        placement=Placement("east", ("ssd", "fast")),
        compression=True,
        metadata={"team": "media", "tier": "gold"},
    )
    # Replicas stay within 1..5.
    dlg.replicas_spin.setValue(9)
    assert dlg.config().replicas == 5


def test_big_sizes_do_not_overflow(qtbot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.name_edit, "big")
    dlg.unlimited_check.setChecked(False)
    dlg.max_size.unit.setCurrentText("bytes")
    dlg.max_size.value.setValue(5_000_000_001)
    assert dlg.config().max_bytes == 5_000_000_001


def test_ttl_must_fit_the_server(qtbot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.name_edit, "b")
    dlg.ttl.unit.setCurrentText("days")
    dlg.ttl.value.setValue(200_000)
    assert not dlg.ok_button.isEnabled()
    assert "TTL is too long" in dlg.error.text()
    dlg.ttl.value.setValue(36_500)
    assert dlg.ok_button.isEnabled()
    assert dlg.config().ttl == 36_500 * 86400


def test_metadata_validation(qtbot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.name_edit, "b")
    dlg.metadata_table.add_row("k", "1")
    dlg.metadata_table.add_row("k", "2")
    assert not dlg.ok_button.isEnabled()
    assert "Duplicate metadata keys: k" in dlg.error.text()
    dlg.metadata_table.set_cell(1, 0, "_nats.level")
    assert not dlg.ok_button.isEnabled()
    assert "belong to the server" in dlg.error.text()
    dlg.metadata_table.set_cell(1, 0, "")
    assert "needs a key" in dlg.error.text()
    dlg.metadata_table.table.selectRow(1)
    qtbot.mouseClick(dlg.metadata_table.remove_button, Qt.MouseButton.LeftButton)
    assert dlg.ok_button.isEnabled()
    assert dlg.error.isHidden()
    assert dlg.config().metadata == {"k": "1"}


def test_edit_mode_fixes_name_and_storage_and_hides_server_keys(qtbot, shot) -> None:
    existing = make_bucket()
    dlg = BucketDialog(existing=existing)
    qtbot.addWidget(dlg)
    assert dlg.is_edit() and dlg.windowTitle() == "Edit Bucket documents"
    assert dlg.name_edit.isReadOnly()
    assert not dlg.storage_combo.isEnabled()
    assert dlg.ok_button.text() == "Save"
    assert dlg.metadata_table.pairs() == [("team", "ops")]  # no `_nats.*`
    assert dlg.ttl.value.value() == 7 and dlg.ttl.unit.currentText() == "days"
    assert dlg.max_size.value.value() == 1 and dlg.max_size.unit.currentText() == "GiB"
    assert not dlg.unlimited_check.isChecked()
    assert dlg.tags_edit.text() == "ssd, fast"
    shot(dlg, "bucket_dialog_edit")
    # Unchanged, the config equals the bucket's own (which leaves server keys out too).
    assert dlg.config() == existing.config()
    assert not any(k.startswith("_nats.") for k in dlg.config().metadata)
    # An edit touches only what the user changed.
    dlg.description_edit.setText("Renamed team docs")
    dlg.metadata_table.add_row("owner", "bob")
    cfg = dlg.config()
    assert cfg.description == "Renamed team docs"
    assert cfg.metadata == {"team": "ops", "owner": "bob"}
    assert (cfg.name, cfg.storage, cfg.ttl, cfg.replicas) == (
        "documents",
        Storage.FILE,
        7 * 86400,
        3,
    )


def test_edit_keeps_odd_amounts_exact(qtbot) -> None:
    # 90.5 s and a byte count that no unit divides survive an untouched edit exactly.
    dlg = BucketDialog(existing=make_bucket(ttl=90.5, max_bytes=1_000_000_007, placement=None))
    qtbot.addWidget(dlg)
    cfg = dlg.config()
    assert cfg.ttl == 90.5 and cfg.max_bytes == 1_000_000_007 and cfg.placement is None
    dlg = BucketDialog(existing=make_bucket(max_bytes=-1, ttl=0))
    qtbot.addWidget(dlg)
    assert dlg.unlimited_check.isChecked() and not dlg.max_size.isEnabled()
    assert dlg.config().max_bytes == -1 and dlg.config().ttl == 0


def test_tab_order(qtbot) -> None:
    dlg = BucketDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    assert_tab_order(
        dlg.name_edit,
        dlg.description_edit,
        dlg.ttl.value,
        dlg.ttl.unit,
        dlg.unlimited_check,
        dlg.max_size.value,
        dlg.storage_combo,
        dlg.replicas_spin,
        dlg.compression_check,
        dlg.cluster_edit,
        dlg.tags_edit,
        dlg.metadata_table.table,
        dlg.ok_button,
    )


def test_helpers() -> None:
    assert bucket_name_error("ok_Name-1") == ""
    assert bucket_name_error("") == "A bucket needs a name."
    assert "/" in bucket_name_error("a/b")
    assert split_amount(7200, (("s", 1), ("m", 60), ("h", 3600))) == (2, 2)
    assert split_amount(90, (("s", 1), ("m", 60), ("h", 3600))) == (90, 0)
    assert split_amount(0, (("s", 1), ("m", 60))) == (0, 0)
