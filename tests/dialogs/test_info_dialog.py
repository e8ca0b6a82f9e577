"""InfoDialog: every field shown, copy buttons, verify progress and result."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from natsobj_gui.core.types import Progress
from natsobj_gui.core.wire import digest_hex
from natsobj_gui.dialogs.info_dialog import InfoDialog

from .data import BUCKET_LINK, HELLO_DIGEST, LINK, make_info


def test_shows_every_field(qtbot, shot) -> None:
    info = make_info()
    dlg = InfoDialog(info)
    qtbot.addWidget(dlg)
    assert dlg.name_field.text() == "reports/2026/q3 summary.pdf"
    assert dlg.bucket_label.text() == "documents"
    assert dlg.size_label.text() == "3,456,789 bytes (3.3 MiB)"
    assert dlg.chunks_label.text() == "27"
    assert dlg.chunk_size_label.text() == "131,072 bytes (128 KiB)"
    assert "2026-11-25 13:49:16 UTC" in dlg.modified_label.text()
    assert dlg.digest_field.text() == HELLO_DIGEST
    assert dlg.digest_hex_field.text() == digest_hex(HELLO_DIGEST)
    assert dlg.digest_hex_field.text() == hashlib.sha256(b"hello world").hexdigest()
    assert dlg.nuid_field.text() == "Xq3SVMmzYB2LpjJ9HDiWn0"
    assert dlg.description_label.text() == "Quarterly summary for the board"
    assert dlg.link_label.text() == "—"
    assert dlg.deleted_label.text() == "No"
    # Repeated header values are one row each.
    assert dlg.headers_table.pairs() == [
        ("Content-Type", "application/pdf"),
        ("X-Tag", "a"),
        ("X-Tag", "b"),
    ]
    assert dlg.metadata_table.pairs() == [("owner", "alice"), ("reviewed", "yes")]
    assert dlg.tabs.tabText(0) == "Headers (2)" and dlg.tabs.tabText(1) == "Metadata (2)"
    # Values are selectable for copying, and the tables are read-only.
    assert dlg.size_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert dlg.headers_table.add_button is None
    shot(dlg, "info_dialog")


def test_copy_buttons_fill_clipboard(qtbot) -> None:
    dlg = InfoDialog(make_info())
    qtbot.addWidget(dlg)
    expected = {
        "name": "reports/2026/q3 summary.pdf",
        "digest": HELLO_DIGEST,
        "digest_hex": digest_hex(HELLO_DIGEST),
        "nuid": "Xq3SVMmzYB2LpjJ9HDiWn0",
    }
    for role, button in dlg.copy_buttons().items():
        QGuiApplication.clipboard().clear()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == expected[role]


def test_links_and_tombstones(qtbot, shot) -> None:
    dlg = InfoDialog(make_info(link=LINK, size=0, chunks=0, digest=""))
    qtbot.addWidget(dlg)
    assert dlg.link_label.text() == "archive / old/report.pdf"
    assert dlg.digest_hex_field.text() == ""
    assert not dlg.copy_buttons()["digest"].isEnabled()
    assert dlg.verify_button.isEnabled()  # an object link can be verified through its target
    dlg.set_info(make_info(link=BUCKET_LINK, size=0, chunks=0, digest=""))
    assert dlg.link_label.text() == "bucket link to archive"
    assert not dlg.verify_button.isEnabled()
    dlg.set_info(make_info(deleted=True, size=0, chunks=0, digest="", modified=None))
    assert dlg.deleted_label.text() == "Yes"
    assert dlg.modified_label.text() == "—"
    assert not dlg.verify_button.isEnabled()
    shot(dlg, "info_dialog_deleted")


def test_verify_flow(qtbot, shot) -> None:
    dlg = InfoDialog(make_info())
    qtbot.addWidget(dlg)
    dlg.show()
    with qtbot.waitSignal(dlg.verify_requested, timeout=1000):
        qtbot.mouseClick(dlg.verify_button, Qt.MouseButton.LeftButton)
    assert not dlg.verify_button.isEnabled()
    assert dlg.verify_progress.isVisible()
    dlg.set_verify_progress(Progress(9, 27, 9 * 131072, 3_456_789))
    assert dlg.verify_progress.format() == "chunk 9/27"
    assert dlg.verify_progress.value() == round(9 * 131072 / 3_456_789 * 1000)
    shot(dlg, "info_dialog_verifying")
    dlg.set_verify_result(False, "Digest mismatch")
    assert not dlg.verify_progress.isVisible()
    assert dlg.verify_result.text() == "Digest mismatch"
    assert "#c62828" in dlg.verify_result.styleSheet()
    assert dlg.verify_button.isEnabled()
    dlg.set_verify_result(True, "Size and digest match")
    assert "#2e7d32" in dlg.verify_result.styleSheet()
    # A refresh clears the previous outcome.
    dlg.set_info(make_info(nuid="NEWNUID"))
    assert dlg.nuid_field.text() == "NEWNUID"
    assert not dlg.verify_result.isVisible()


def test_huge_progress_stays_in_range(qtbot) -> None:
    dlg = InfoDialog(make_info(size=5 << 40, chunks=(5 << 40) // 131072))
    qtbot.addWidget(dlg)
    dlg.set_verify_progress(Progress(20_000_000, 41_943_040, 3 << 40, 5 << 40))
    assert dlg.verify_progress.value() == 600
