"""A bucket's status, as `nats object info BUCKET` shows it.

Usage::

    dlg = BucketStatusDialog(bucket_info, parent=window, orphans=last_orphan_scan, objects=n)
    dlg.open()
    dlg.set_info(newer_info)   # after a refresh
    dlg.set_orphans(report)    # a newer orphan scan (None: never scanned)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.orphans import OrphanReport
from natsobj_gui.core.types import BucketInfo
from natsobj_gui.dialogs._common import (
    ERROR_STYLE,
    KeyValueTable,
    align_form_labels,
    set_field,
    size_text,
    time_text,
    value_field,
    value_label,
    yes_no,
)
from natsobj_gui.formatting import count_text, human_size, human_time

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))
# An unnamed nats-server reports its id as its name: 56 characters of base32, "N" first.
SERVER_ID_LENGTH = 56


def friendly_duration(seconds: float) -> str:
    """'30 days', '1 day, 12 hours', '1 minute, 30.5 seconds': the two largest units."""
    parts = []
    rest = seconds
    for unit, size in _UNITS:
        amount, rest = divmod(rest, size)
        if amount:
            parts.append(count_text(int(amount), unit))
    if rest:
        text = f"{rest:.3f}".rstrip("0").rstrip(".")
        parts.append(f"{text} second" + ("" if text == "1" else "s"))
    return ", ".join(parts[:2]) or "0 seconds"


def ttl_text(ttl: float) -> str:
    """'forever' for 0, else '30 days'."""
    return "forever" if ttl <= 0 else friendly_duration(ttl)


def ttl_seconds(ttl: float) -> str:
    """The exact TTL ('2,592,000 s'), for the tooltip."""
    return "" if ttl <= 0 else f"{ttl:,.3f}".rstrip("0").rstrip(".") + " s"


def leader_text(leader: str | None) -> str:
    """The leader's server name; an unnamed server's 56-character id shortened."""
    if not leader:
        return "—"
    if len(leader) == SERVER_ID_LENGTH and leader.startswith("N") and leader.isalnum():
        return f"unnamed server {leader[:8]}…"
    return leader


def orphans_text(report: OrphanReport) -> str:
    """'2,048 bytes (2.0 KiB) in 2 chunk sets (last scan 2026-…)'."""
    sets = count_text(len(report.orphans), "chunk set")
    return f"{size_text(report.size)} in {sets} (last scan {human_time(report.scanned_at)})"


def placement_text(info: BucketInfo) -> str:
    """'cluster east, tags ssd, fast', or '—'."""
    p = info.placement
    if p is None or not (p.cluster or p.tags):
        return "—"
    parts = []
    if p.cluster:
        parts.append(f"cluster {p.cluster}")
    if p.tags:
        parts.append("tags " + ", ".join(p.tags))
    return "; ".join(parts)


class BucketStatusDialog(QDialog):
    """Every field of a BucketInfo, read-only and selectable."""

    def __init__(
        self,
        info: BucketInfo,
        parent: QWidget | None = None,
        *,
        orphans: OrphanReport | None = None,
        objects: int | None = None,
    ) -> None:
        """objects: how many objects the bucket holds, when the window has listed it."""
        super().__init__(parent)
        self.resize(520, 600)
        self._info = info
        self.objects_label = value_label()
        self.usage_bar = QProgressBar()
        self.usage_bar.setTextVisible(True)

        self.name_field = value_field()
        self.stream_field = value_field()
        self.description_label = value_label()
        self.ttl_label = value_label()
        self.storage_label = value_label()
        self.replicas_label = value_label()
        self.sealed_label = value_label()
        self.compressed_label = value_label()
        self.size_label = value_label()
        self.max_bytes_label = value_label()
        self.messages_label = value_label()
        self.placement_label = value_label()
        self.cluster_label = value_label()
        self.leader_label = value_label()
        self.created_label = value_label()
        self.orphans_label = value_label()

        config = QGroupBox("Configuration")
        cform = _form(config)
        cform.addRow("Bucket:", self.name_field)
        cform.addRow("Stream:", self.stream_field)
        cform.addRow("Description:", self.description_label)
        cform.addRow("TTL:", self.ttl_label)
        cform.addRow("Storage:", self.storage_label)
        cform.addRow("Replicas:", self.replicas_label)
        cform.addRow("Sealed:", self.sealed_label)
        cform.addRow("Compressed:", self.compressed_label)
        cform.addRow("Max size:", self.max_bytes_label)
        cform.addRow("Placement:", self.placement_label)
        cform.addRow("Created:", self.created_label)

        state = QGroupBox("State")
        sform = _form(state)
        sform.addRow("Objects:", self.objects_label)
        sform.addRow("Size:", self.size_label)
        sform.addRow("Used:", self.usage_bar)
        sform.addRow("Messages:", self.messages_label)
        sform.addRow("Orphaned chunks:", self.orphans_label)
        self._state_form = sform
        sform.addRow("Cluster:", self.cluster_label)
        sform.addRow("Leader:", self.leader_label)

        align_form_labels(cform, sform)
        self.metadata_table = KeyValueTable("Key", "Value", editable=False)
        self.metadata_box = QGroupBox("Metadata")
        QVBoxLayout(self.metadata_box).addWidget(self.metadata_table)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(config)
        lay.addWidget(state)
        lay.addWidget(self.metadata_box, 1)
        lay.addWidget(self.buttons)
        self.set_info(info)
        self.set_orphans(orphans)
        self.set_objects(objects)

    def set_objects(self, n: int | None) -> None:
        """The object count (hidden when unknown: messages count chunks, not objects)."""
        self.objects_label.setText(f"{n:,}" if n is not None else "")
        self._state_form.setRowVisible(self.objects_label, n is not None)

    def info(self) -> BucketInfo:
        """The status shown."""
        return self._info

    def set_orphans(self, report: OrphanReport | None) -> None:
        """Orphaned bytes from the last scan, shown only when it found any."""
        found = report is not None and bool(report.orphans)
        self.orphans_label.setText(orphans_text(report) if report is not None and found else "")
        self._state_form.setRowVisible(self.orphans_label, found)

    def set_info(self, info: BucketInfo) -> None:
        """Show (or refresh to) a newer status."""
        self._info = info
        self.setWindowTitle(f"Bucket {info.name}")
        set_field(self.name_field, info.name)
        set_field(self.stream_field, info.stream)
        self.description_label.setText(info.description or "—")
        self.ttl_label.setText(ttl_text(info.ttl))
        self.ttl_label.setToolTip(ttl_seconds(info.ttl))
        self.storage_label.setText(info.storage.value.capitalize())
        self.replicas_label.setText(str(info.replicas))
        self.sealed_label.setText(yes_no(info.sealed) + (" (read-only)" if info.sealed else ""))
        self.sealed_label.setStyleSheet(ERROR_STYLE if info.sealed else "")
        self.compressed_label.setText(yes_no(info.compression))
        self.size_label.setText(size_text(info.size))
        self.max_bytes_label.setText(
            "unlimited" if info.max_bytes < 0 else size_text(info.max_bytes)
        )
        self.messages_label.setText(f"{info.messages:,}")
        self.placement_label.setText(placement_text(info))
        self.cluster_label.setText(info.cluster or "—")
        self.leader_label.setText(leader_text(info.leader))
        self.leader_label.setToolTip(info.leader or "")
        self._set_usage(info)
        self.created_label.setText(time_text(info.created))
        # Server bookkeeping (`_nats.*`) is not the user's metadata.
        user = [(k, v) for k, v in info.metadata.items() if not k.startswith("_nats.")]
        self.metadata_table.set_pairs(user)
        self.metadata_box.setTitle(f"Metadata ({len(user)})")

    def _set_usage(self, info: BucketInfo) -> None:
        """Used bytes against the maximum as a bar; hidden for an unlimited bucket."""
        limited = info.max_bytes > 0
        self._state_form.setRowVisible(self.usage_bar, limited)
        if not limited:
            return
        # Per mille keeps the bar's int32 range whatever the sizes.
        self.usage_bar.setRange(0, 1000)
        self.usage_bar.setValue(min(1000, info.size * 1000 // info.max_bytes))
        share = info.size * 100 / info.max_bytes
        used, most = human_size(info.size), human_size(info.max_bytes)
        self.usage_bar.setFormat(f"{used} of {most} ({share:.0f}%)")


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form
