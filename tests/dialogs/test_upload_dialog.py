"""UploadDialog: sources, prefix, the upload plan, non-blocking pickers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from natsobj_gui.core.uploads import plan_uploads
from natsobj_gui.dialogs.upload_dialog import UploadDialog


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    pics = tmp_path / "pics"
    (pics / "sub").mkdir(parents=True)
    (pics / "a.jpg").write_bytes(b"a")
    (pics / "sub" / "b.jpg").write_bytes(b"b")
    single = tmp_path / "notes.txt"
    single.write_text("hi")
    return pics, single


def test_plan_names_files_and_folders(tmp_path: Path) -> None:
    pics, single = _tree(tmp_path)
    (pics / "loop").symlink_to(pics, target_is_directory=True)  # must not recurse forever
    plan = [(p.path, p.name) for p in plan_uploads([single, pics], "2026/")]
    assert plan == [
        (single, "2026/notes.txt"),
        (pics / "a.jpg", "2026/pics/a.jpg"),
        (pics / "sub" / "b.jpg", "2026/pics/sub/b.jpg"),
    ]


def test_dialog_collects_sources_and_prefix(qtbot, tmp_path: Path, shot) -> None:
    pics, single = _tree(tmp_path)
    dlg = UploadDialog("documents", prefix="reports/")
    qtbot.addWidget(dlg)
    dlg.show()
    assert not dlg.ok_button.isEnabled()
    dlg.add_paths([single, pics, single, tmp_path / "missing"])
    assert dlg.sources() == [single, pics]
    assert dlg.ok_button.isEnabled()
    assert dlg.preview_label.text() == "reports/notes.txt, reports/pics/…"
    dlg.prefix_edit.clear()
    qtbot.keyClicks(dlg.prefix_edit, "x/")
    assert dlg.prefix() == "x/"
    stored = [p.name for p in plan_uploads(dlg.sources(), dlg.prefix())]
    assert stored == ["x/notes.txt", "x/pics/a.jpg", "x/pics/sub/b.jpg"]
    shot(dlg, "upload_dialog")
    dlg.list.item(0).setSelected(True)
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert dlg.sources() == [pics]
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)


def test_pickers_do_not_block(qtbot, tmp_path: Path) -> None:
    _, single = _tree(tmp_path)
    dlg = UploadDialog("documents")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.mouseClick(dlg.add_files_button, Qt.MouseButton.LeftButton)  # returns: open(), not exec()
    picker = dlg.file_dialog
    assert isinstance(picker, QFileDialog) and picker.isVisible()
    assert picker.fileMode() == QFileDialog.FileMode.ExistingFiles
    picker.filesSelected.emit([str(single)])
    picker.reject()
    assert dlg.sources() == [single]
    qtbot.mouseClick(dlg.add_folder_button, Qt.MouseButton.LeftButton)
    assert dlg.file_dialog.fileMode() == QFileDialog.FileMode.Directory
    dlg.file_dialog.fileSelected.emit(str(tmp_path / "pics"))
    dlg.file_dialog.reject()
    assert dlg.sources() == [single, tmp_path / "pics"]
    # Pickers are reused, not piled up.
    qtbot.mouseClick(dlg.add_files_button, Qt.MouseButton.LeftButton)
    assert dlg.file_dialog is picker
    picker.reject()


def test_preview_shows_the_stored_names_for_a_prefix_without_slash(qtbot, tmp_path: Path) -> None:
    """Prefix 'trip/day1' is a folder: the object is trip/day1/IMG_001.jpg, and so says the
    preview (it read 'trip/day1IMG_001.jpg')."""
    photo = tmp_path / "IMG_001.jpg"
    photo.write_bytes(b"jpg")
    dlg = UploadDialog("photos", prefix="trip/day1")
    qtbot.addWidget(dlg)
    dlg.add_paths([photo])
    stored = [p.name for p in plan_uploads([photo], dlg.prefix())]
    assert stored == ["trip/day1/IMG_001.jpg"]
    assert dlg.preview_label.text() == "trip/day1/IMG_001.jpg"
