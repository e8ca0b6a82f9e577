"""OverwriteDialog: the three answers, Apply to all, safe default, Esc = cancel all."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog

from natsobj_gui.dialogs.overwrite_dialog import OverwriteChoice, OverwriteDialog
from natsobj_gui.formatting import human_time

from .data import MODIFIED, make_info


def _dialog(qtbot, **kw) -> OverwriteDialog:
    dlg = OverwriteDialog("reports/q3.pdf", make_info(name="reports/q3.pdf"), 4_000_000, **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_shows_both_versions(qtbot, shot) -> None:
    dlg = _dialog(qtbot)
    assert "“reports/q3.pdf” already exists in “documents”" in dlg.message_label.text()
    # Side by side: size and date of the upload and of the bucket's object.
    assert dlg.existing_label.text() == "3,456,789 bytes (3.3 MiB)"
    assert dlg.existing_time_label.text() == human_time(MODIFIED)
    assert dlg.new_label.text() == "4,000,000 bytes (3.8 MiB)"
    assert dlg.new_time_label.text() == "—"  # not given
    assert dlg.choice() is OverwriteChoice.CANCEL
    shot(dlg, "overwrite_dialog")


def test_replace_for_all(qtbot) -> None:
    dlg = _dialog(qtbot)
    qtbot.mouseClick(dlg.apply_all_check, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    with qtbot.waitSignal(dlg.finished, timeout=1000):
        qtbot.mouseClick(dlg.replace_button, Qt.MouseButton.LeftButton)
    assert dlg.choice() is OverwriteChoice.REPLACE
    assert dlg.apply_to_all()  # still readable after the dialog closed


def test_enter_skips(qtbot) -> None:
    dlg = _dialog(qtbot)
    assert dlg.skip_button.isDefault() and not dlg.replace_button.isDefault()
    with qtbot.waitSignal(dlg.finished, timeout=1000) as blocker:
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert blocker.args == [QDialog.DialogCode.Accepted.value]
    assert dlg.choice() is OverwriteChoice.SKIP
    assert not dlg.apply_to_all()


def test_escape_and_cancel_all(qtbot) -> None:
    dlg = _dialog(qtbot)
    with qtbot.waitSignal(dlg.rejected, timeout=1000):
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.choice() is OverwriteChoice.CANCEL
    dlg = _dialog(qtbot)
    with qtbot.waitSignal(dlg.rejected, timeout=1000):
        qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert dlg.choice() is OverwriteChoice.CANCEL


def test_remaining_count(qtbot) -> None:
    dlg = _dialog(qtbot, remaining=4)
    assert dlg.apply_all_check.text() == "Apply to all 5 conflicts"
    dlg = _dialog(qtbot, remaining=0)
    assert dlg.apply_all_check.isHidden()
    dlg.apply_all_check.setChecked(True)
    assert not dlg.apply_to_all()  # a single conflict has nothing to apply to


def test_keep_both_conflict_count_and_unbroken_hyphens(qtbot) -> None:
    name = "reports/q3-final-draft.pdf"
    dlg = OverwriteDialog(name, make_info(name=name), 10, remaining=2, total=3)
    qtbot.addWidget(dlg)
    dlg.show()
    text = dlg.message_label.text()
    assert "3 of the files to upload already exist: this is 1 of 3." in text
    assert "q3\u2011final\u2011draft.pdf" in text and "q3-final" not in text
    assert not dlg.apply_all_check.isHidden()
    with qtbot.waitSignal(dlg.finished, timeout=1000):
        qtbot.mouseClick(dlg.keep_button, Qt.MouseButton.LeftButton)
    assert dlg.choice() is OverwriteChoice.KEEP_BOTH
    # A single conflict: no count in the message, no "Apply to all".
    one = OverwriteDialog(name, make_info(name=name), 10, remaining=0, total=1)
    qtbot.addWidget(one)
    assert "of the files" not in one.message_label.text()
    assert one.apply_all_check.isHidden()
