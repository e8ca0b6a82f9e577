"""OrphansDialog and the status dialog's orphan row, fed by real scans of a real server."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from natsobj_gui.core import Client, ObjectStore
from natsobj_gui.core import orphans as O
from natsobj_gui.dialogs.bucket_status_dialog import BucketStatusDialog
from natsobj_gui.dialogs.orphans_dialog import COL_NOTE, COL_SIZE, OrphansDialog

from .data import make_bucket


async def _orphans(client: Client, store: ObjectStore) -> O.OrphanReport:
    """An old set (purgeable), a recent one (in the grace) and one that is not a plain token."""
    b = store.bucket
    await store.put("keep", b"k" * 50)
    await client.conn.js.publish(f"$O.{b}.C.OLDSET", b"o" * 100)
    await client.conn.js.publish(f"$O.{b}.C.OLDSET", b"o" * 28)
    await asyncio.sleep(0.6)
    await client.conn.js.publish(f"$O.{b}.C.NEWSET", b"n" * 10)
    await client.conn.js.publish(f"$O.{b}.C.bad.token", b"x")
    return await O.scan(client.conn, b, grace=0.4)


@pytest.fixture
def owner(qtbot) -> QWidget:
    """The dialogs' parent, as the window is in the app.

    A parentless dialog whose last reference is the confirmation's callback would be
    destroyed, with its child box, while that box is being deleted (a crash in Qt).
    """
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _rows(dlg: OrphansDialog) -> dict[str, int]:
    return {dlg.table.item(r, 0).text(): r for r in range(dlg.table.rowCount())}


async def test_dialog_lists_marks_kept_sets_and_confirms_naming_the_bytes(
    owner, shot, client: Client, store: ObjectStore, qtbot
) -> None:
    report = await _orphans(client, store)
    dlg = OrphansDialog(store.bucket, owner)
    dlg.show()
    assert not dlg.clean_button.isEnabled()  # scanning: nothing to clean yet
    dlg.set_report(report)

    rows = _rows(dlg)
    assert set(rows) == {"OLDSET", "NEWSET", "bad.token"}
    table = dlg.table
    assert table.item(rows["OLDSET"], COL_SIZE).text() == "128 B"
    assert table.item(rows["bad.token"], COL_SIZE).text() == "—"
    assert "upload in progress" in table.item(rows["NEWSET"], COL_NOTE).text()
    assert "never purged" in table.item(rows["bad.token"], COL_NOTE).text()
    muted = dlg.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    for kept in ("NEWSET", "bad.token"):
        assert table.item(rows[kept], 0).foreground().color() == muted
    assert table.item(rows["OLDSET"], 0).foreground().color() != muted
    assert "3 orphaned chunk sets" in dlg.summary_label.text()
    assert "Clean frees 128 B; 2 kept" in dlg.summary_label.text()
    shot(dlg, "orphans_dialog")

    assert dlg.clean_button.isEnabled()
    dlg.clean_button.click()
    box = dlg.confirm_box
    assert box is not None and box.isVisible()
    assert "freeing 128 bytes" in box.text() and "1 chunk set" in box.text()
    with qtbot.waitSignal(dlg.clean_requested, timeout=2000) as blocker:
        next(b for b in box.buttons() if b.text() == "Clean").click()
    assert blocker.args == [report]
    assert not dlg.clean_button.isEnabled()  # busy until the next report

    result = await O.clean(client.conn, report)
    dlg.set_cleaned(result)
    assert dlg.status_label.text() == "Freed 128 B (1 chunk set, 2 chunks)."
    dlg.set_report(await O.scan(client.conn, store.bucket, grace=3600))
    assert set(_rows(dlg)) == {"NEWSET", "bad.token"}
    assert not dlg.clean_button.isEnabled()
    assert "None can be cleaned now" in dlg.summary_label.text()


async def test_cancelling_the_confirmation_cleans_nothing(
    owner, client: Client, store: ObjectStore
) -> None:
    dlg = OrphansDialog(store.bucket, owner)
    dlg.show()
    dlg.set_report(await _orphans(client, store))
    requested: list[object] = []
    dlg.clean_requested.connect(requested.append)
    dlg.clean_button.click()
    assert dlg.confirm_box is not None
    next(b for b in dlg.confirm_box.buttons() if b.text() == "Cancel").click()
    await asyncio.sleep(0.05)
    assert requested == [] and dlg.clean_button.isEnabled()


async def test_sealed_bucket_and_empty_scan(owner, client: Client, store: ObjectStore) -> None:
    report = await _orphans(client, store)
    sealed = OrphansDialog(store.bucket, owner, writable=False)
    sealed.set_report(report)
    assert not sealed.clean_button.isEnabled() and "sealed" in sealed.clean_button.toolTip()

    empty = OrphansDialog("other", owner)
    empty.set_error("The scan failed: bucket other not found")
    assert empty.rescan_button.isEnabled() and not empty.clean_button.isEnabled()
    await O.clean(client.conn, await O.scan(client.conn, store.bucket, grace=0))
    empty.set_report(await O.scan(client.conn, store.bucket, grace=0))
    assert empty.table.rowCount() == 1  # only the set that is not a plain token
    assert empty.status_label.text() == ""  # the earlier error is gone


async def test_status_dialog_shows_orphaned_bytes_only_when_the_scan_found_some(
    qtbot, client: Client, store: ObjectStore
) -> None:
    report = await _orphans(client, store)
    dlg = BucketStatusDialog(make_bucket(), orphans=report)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.orphans_label.isVisible()
    assert dlg.orphans_label.text().startswith("138 bytes in 3 chunk sets (last scan ")

    dlg.set_orphans(O.OrphanReport(store.bucket, report.scanned_at, 3600.0))
    assert not dlg.orphans_label.isVisible()
    plain = BucketStatusDialog(make_bucket())
    qtbot.addWidget(plain)
    plain.show()
    assert not plain.orphans_label.isVisible()
