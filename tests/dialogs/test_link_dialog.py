"""LinkDialog: object links, bucket links, prefill from a target, validation."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from natsobj_gui.core.types import ObjectLink
from natsobj_gui.dialogs.link_dialog import LinkDialog

from .data import BUCKET_LINK, LINK, assert_tab_order, make_info

BUCKETS = ["archive", "documents", "media"]


def test_prefilled_from_target_in_another_bucket(qtbot, shot) -> None:
    target = make_info(bucket="archive", name="old/report.pdf")
    dlg = LinkDialog(BUCKETS, "documents", target=target)
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "New link in documents"
    assert dlg.object_radio.isChecked()
    assert dlg.bucket_combo.currentText() == "archive"
    assert dlg.object_edit.text() == "old/report.pdf"
    assert dlg.link_name() == "old/report.pdf"
    assert dlg.ok_button.isEnabled()
    assert dlg.link() == ObjectLink("archive", "old/report.pdf")
    shot(dlg, "link_dialog")


def test_same_bucket_target_gets_a_distinct_name(qtbot) -> None:
    dlg = LinkDialog(BUCKETS, "documents", target=make_info(name="a.txt"))
    qtbot.addWidget(dlg)
    assert dlg.link_name() == "a.txt (link)"
    assert dlg.link() == ObjectLink("documents", "a.txt")
    # Pointing a link at itself is refused.
    dlg.name_edit.setText("a.txt")
    assert not dlg.ok_button.isEnabled()
    assert "itself" in dlg.error.text()


def test_typed_object_link(qtbot) -> None:
    dlg = LinkDialog(BUCKETS, "documents")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.bucket_combo.currentText() == "documents"
    assert not dlg.ok_button.isEnabled()
    qtbot.keyClicks(dlg.name_edit, "latest")
    assert not dlg.ok_button.isEnabled()
    assert "target object" in dlg.error.text()
    dlg.bucket_combo.setCurrentText("media")
    qtbot.keyClicks(dlg.object_edit, "video 2026.mp4")
    assert dlg.ok_button.isEnabled() and dlg.error.isHidden()
    assert (dlg.link_name(), dlg.link()) == ("latest", ObjectLink("media", "video 2026.mp4"))
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.keyClick(dlg.object_edit, Qt.Key.Key_Return)


def test_bucket_link(qtbot, shot) -> None:
    dlg = LinkDialog(BUCKETS, "documents")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.name_edit, "all-media")
    qtbot.mouseClick(
        dlg.bucket_radio, Qt.MouseButton.LeftButton, pos=QPoint(8, dlg.bucket_radio.height() // 2)
    )
    assert dlg.is_bucket_link()
    assert not dlg.object_edit.isEnabled()
    dlg.bucket_combo.setCurrentText("media")
    assert dlg.ok_button.isEnabled()
    assert dlg.link() == ObjectLink("media")
    assert dlg.link().is_bucket_link
    shot(dlg, "link_dialog_bucket")
    dlg.bucket_combo.setCurrentText("bad bucket")
    assert not dlg.ok_button.isEnabled()
    assert "Target bucket" in dlg.error.text()


def test_target_that_is_a_link_is_followed(qtbot) -> None:
    dlg = LinkDialog(BUCKETS, "documents", target=make_info(name="shortcut", link=LINK))
    qtbot.addWidget(dlg)
    assert dlg.link() == ObjectLink("archive", "old/report.pdf")
    dlg = LinkDialog(BUCKETS, "documents", target=make_info(name="arch", link=BUCKET_LINK))
    qtbot.addWidget(dlg)
    assert dlg.is_bucket_link()
    assert dlg.link() == ObjectLink("archive")


def test_tab_order(qtbot) -> None:
    dlg = LinkDialog(BUCKETS, "documents")
    qtbot.addWidget(dlg)
    dlg.show()
    assert_tab_order(dlg.name_edit, dlg.object_radio, dlg.bucket_combo, dlg.object_edit)
