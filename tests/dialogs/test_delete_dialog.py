"""Delete confirmations: objects (list, total, Cancel default, progress), buckets (typed name)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from natsobj_gui.dialogs.delete_dialog import DeleteBucketDialog, DeleteObjectsDialog

from .data import make_bucket, make_info


def _infos() -> list:
    return [
        make_info(name="a.txt", size=1000),
        make_info(name="photos/b.jpg", size=2 * 1024 * 1024),
        make_info(name="c", size=0),
    ]


def test_objects_lists_names_count_and_total(qtbot, shot) -> None:
    dlg = DeleteObjectsDialog(_infos())
    qtbot.addWidget(dlg)
    model = dlg.list.model()
    shown = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert shown == ["a.txt", "photos/b.jpg", "c"]
    assert model.index(1, 1).data() == "2.0 MiB"
    assert "3 objects" in dlg.question_label.text()
    assert "2.0 MiB" in dlg.question_label.text()
    assert dlg.summary_label.text() == "3 objects, 2,098,152 bytes (2.0 MiB)"
    assert dlg.total_size() == 2_098_152
    assert dlg.windowTitle() == "Delete 3 objects"
    shot(dlg, "delete_objects")


def test_enter_does_not_delete(qtbot) -> None:
    dlg = DeleteObjectsDialog(_infos())
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.cancel_button.isDefault()
    assert not dlg.delete_button.isDefault()
    with qtbot.waitSignal(dlg.finished, timeout=1000) as blocker:
        qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert blocker.args == [QDialog.DialogCode.Rejected.value]


def test_delete_accepts_and_emits(qtbot) -> None:
    dlg = DeleteObjectsDialog(_infos()[:1])
    qtbot.addWidget(dlg)
    dlg.show()
    assert "“a.txt”" in dlg.question_label.text()
    with qtbot.waitSignals([dlg.delete_requested, dlg.accepted], timeout=1000):
        qtbot.mouseClick(dlg.delete_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.names() == ["a.txt"]


def test_stay_open_shows_progress_and_cancel_asks_to_stop(qtbot, shot) -> None:
    dlg = DeleteObjectsDialog(_infos(), stay_open=True)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.delete_requested.connect(lambda: dlg.set_busy(True))
    qtbot.mouseClick(dlg.delete_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.is_busy()
    assert not dlg.delete_button.isEnabled()
    dlg.set_progress(1, 3)
    assert dlg.progress.isVisible()
    assert dlg.progress.format() == "1 of 3 deleted"
    assert dlg.cancel_button.text() == "Stop"
    shot(dlg, "delete_objects_busy")
    # Esc and Stop while busy only ask; the dialog stays until the caller closes it.
    with qtbot.waitSignal(dlg.cancel_requested, timeout=1000):
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    with qtbot.waitSignal(dlg.cancel_requested, timeout=1000):
        qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible()
    dlg.set_busy(False)
    dlg.accept()
    assert not dlg.isVisible()


def test_bucket_requires_exact_name(qtbot, shot) -> None:
    dlg = DeleteBucketDialog(make_bucket(), object_count=57)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.objects_label.text() == "57"
    assert dlg.size_label.text() == "52,428,800 bytes (50 MiB)"
    assert not dlg.delete_button.isEnabled()
    qtbot.keyClicks(dlg.confirm_edit, "Documents")
    assert not dlg.delete_button.isEnabled()
    # Enter with a wrong name does nothing.
    qtbot.keyClick(dlg.confirm_edit, Qt.Key.Key_Return)
    assert dlg.isVisible()
    dlg.confirm_edit.clear()
    qtbot.keyClicks(dlg.confirm_edit, "documents ")
    assert not dlg.delete_button.isEnabled()
    qtbot.keyClick(dlg.confirm_edit, Qt.Key.Key_Backspace)
    assert dlg.delete_button.isEnabled()
    shot(dlg, "delete_bucket")
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.keyClick(dlg.confirm_edit, Qt.Key.Key_Return)


def test_bucket_shows_its_size_not_an_object_count(qtbot) -> None:
    dlg = DeleteBucketDialog(make_bucket())
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.objects_label.isHidden()
    assert not dlg.size_label.isHidden()


def test_huge_selection_lists_every_name_lazily(qtbot) -> None:
    infos = [make_info(name=f"obj{i}", size=10) for i in range(100_000)]
    dlg = DeleteObjectsDialog(infos)
    qtbot.addWidget(dlg)
    model = dlg.list.model()
    assert model.rowCount() == dlg.count() == 100_000
    assert model.index(99_999, 0).data() == "obj99999"
    assert dlg.total_size() == 1_000_000 and len(dlg.infos()) == 100_000
    assert "100,000 objects" in dlg.question_label.text()
