"""Message helpers: non-blocking, self-deleting, callback confirmations."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from natsobj_gui.dialogs import messages


def test_error_is_non_blocking_and_deletes_itself(qtbot, shot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    # Returning at all proves exec() was not used: exec() would block this test.
    box = messages.show_error(parent, "Upload failed", "bucket <docs> is sealed", "details here")
    assert box.isVisible()
    assert box.text() == "bucket <docs> is sealed"
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.detailedText() == "details here"
    assert box.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    shot(box, "message_error")
    gone: list[bool] = []
    box.destroyed.connect(lambda: gone.append(True))
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: bool(gone), timeout=2000)


def test_parentless_info_is_kept_alive_until_closed(qtbot) -> None:
    box = messages.show_info(None, "Sealed", "documents is now read-only.")
    assert box in messages._orphans
    assert box.isVisible() and box.icon() == QMessageBox.Icon.Information
    gone: list[bool] = []
    box.destroyed.connect(lambda: gone.append(True))
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(gone), timeout=2000)
    assert not messages._orphans


def test_ask_yes_no_escape(qtbot) -> None:
    calls: list[str] = []
    box = messages.ask(
        None, "Delete?", "Really?", lambda: calls.append("yes"), on_no=lambda: calls.append("no")
    )
    assert box.isVisible()
    yes, no = box.buttons()[0], box.buttons()[1]
    assert {yes.text(), no.text()} == {"Yes", "No"}
    assert box.defaultButton().text() == "No"  # safe default
    with qtbot.waitSignal(box.finished, timeout=1000):
        next(b for b in box.buttons() if b.text() == "Yes").click()
    assert calls == ["yes"]

    box = messages.ask(None, "Delete?", "Really?", lambda: calls.append("yes2"))
    with qtbot.waitSignal(box.finished, timeout=1000):
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert calls == ["yes"]  # Esc is No; no on_no given

    box = messages.ask(
        None,
        "Discard?",
        "Close without saving?",
        lambda: calls.append("discard"),
        on_no=lambda: calls.append("keep"),
        yes_text="Discard",
        no_text="Keep",
        default_yes=True,
    )
    assert box.defaultButton().text() == "Discard"
    with qtbot.waitSignal(box.finished, timeout=1000):
        next(b for b in box.buttons() if b.text() == "Keep").click()
    assert calls == ["yes", "keep"]
