"""Everything about one object, as `nats object info BUCKET NAME` shows it, plus a Verify button.

Usage::

    dlg = InfoDialog(info, parent=window)
    dlg.verify_requested.connect(start_verify_job)   # the job calls back:
    #   dlg.set_verify_progress(progress)            # Progress from the core, throttled
    #   dlg.set_verify_result(True, "Digest and size match")
    dlg.finished.connect(cancel_verify_job)          # stop feeding a closed dialog
    dlg.open()
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import ObjectInfo, Progress
from natsobj_gui.core.wire import digest_hex
from natsobj_gui.dialogs._common import (
    ERROR_STYLE,
    OK_STYLE,
    KeyValueTable,
    set_field,
    size_text,
    time_text,
    value_field,
    value_label,
    with_copy,
    yes_no,
)


def link_text(info: ObjectInfo) -> str:
    """'bucket / object', 'bucket link to B', or '—' for a plain object."""
    if info.link is None:
        return "—"
    if info.link.is_bucket_link:
        return f"bucket link to {info.link.bucket}"
    return f"{info.link.bucket} / {info.link.name}"


class InfoDialog(QDialog):
    """Shows every field of an ObjectInfo; emits verify_requested when the user asks to verify."""

    verify_requested = Signal()

    def __init__(self, info: ObjectInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # No setMinimumSize: it would stop the layout from enforcing its own minimum.
        self.resize(700, 560)
        self._info = info

        self.name_field = value_field()
        self.bucket_label = value_label()
        self.size_label = value_label()
        self.chunks_label = value_label()
        self.chunk_size_label = value_label()
        self.modified_label = value_label()
        self.digest_field = value_field(mono=True)
        self.digest_hex_field = value_field(mono=True)
        self.nuid_field = value_field(mono=True)
        # The hex digest is the value people compare by eye: show all 64 digits.
        metrics = self.digest_hex_field.fontMetrics()
        self.digest_hex_field.setMinimumWidth(metrics.horizontalAdvance("0" * 64) + 16)
        self.description_label = value_label()
        self.link_label = value_label()
        self.deleted_label = value_label()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        name_row, self.copy_name_button = with_copy(self.name_field, "Copy the name")
        form.addRow("Name:", name_row)
        form.addRow("Bucket:", self.bucket_label)
        form.addRow("Description:", self.description_label)
        form.addRow("Size:", self.size_label)
        form.addRow("Chunks:", self.chunks_label)
        form.addRow("Chunk size:", self.chunk_size_label)
        form.addRow("Modified:", self.modified_label)
        digest_row, self.copy_digest_button = with_copy(self.digest_field, "Copy the digest")
        form.addRow("Digest:", digest_row)
        hex_row, self.copy_digest_hex_button = with_copy(
            self.digest_hex_field, "Copy the digest as hex"
        )
        form.addRow("SHA-256 (hex):", hex_row)
        nuid_row, self.copy_nuid_button = with_copy(self.nuid_field, "Copy the NUID")
        form.addRow("NUID:", nuid_row)
        form.addRow("Link to:", self.link_label)
        form.addRow("Deleted:", self.deleted_label)

        self.headers_table = KeyValueTable("Header", "Value", editable=False)
        self.metadata_table = KeyValueTable("Key", "Value", editable=False)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.headers_table, "Headers")
        self.tabs.addTab(self.metadata_table, "Metadata")

        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Download every chunk and check the size and SHA-256 digest")
        self.verify_button.setAutoDefault(False)
        self.verify_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.verify_button.clicked.connect(self._on_verify)
        self.verify_progress = QProgressBar()
        self.verify_progress.setRange(0, 1000)
        self.verify_progress.setVisible(False)
        self.verify_result = value_label()
        self.verify_result.setVisible(False)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_button)
        verify_row.addWidget(self.verify_progress, 1)
        verify_row.addWidget(self.verify_result, 1)
        verify_row.addStretch(0)  # keeps the button small while progress and result are hidden

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(verify_row)
        lay.addWidget(self.buttons)
        self.set_info(info)

    def info(self) -> ObjectInfo:
        """The object shown."""
        return self._info

    def set_info(self, info: ObjectInfo) -> None:
        """Show (or refresh to) another version of the object; resets the verify state."""
        self._info = info
        self.setWindowTitle(f"Object info — {info.name}")
        set_field(self.name_field, info.name)
        self.bucket_label.setText(info.bucket)
        self.description_label.setText(info.description or "—")
        self.size_label.setText(size_text(info.size))
        self.chunks_label.setText(f"{info.chunks:,}")
        chunk = info.max_chunk_size
        self.chunk_size_label.setText(size_text(chunk) if chunk else "—")
        self.modified_label.setText(time_text(info.modified))
        set_field(self.digest_field, info.digest)
        set_field(self.digest_hex_field, digest_hex(info.digest))
        set_field(self.nuid_field, info.nuid)
        self.link_label.setText(link_text(info))
        self.deleted_label.setText(yes_no(info.deleted))
        self.deleted_label.setStyleSheet(ERROR_STYLE if info.deleted else "")
        self.headers_table.set_pairs((k, v) for k, vs in info.headers.items() for v in vs)
        self.metadata_table.set_pairs(info.metadata.items())
        self.tabs.setTabText(0, f"Headers ({len(info.headers)})")
        self.tabs.setTabText(1, f"Metadata ({len(info.metadata)})")
        for button in (self.copy_digest_button, self.copy_digest_hex_button):
            button.setEnabled(bool(info.digest))
        self.verify_progress.setVisible(False)
        self.verify_result.setVisible(False)
        self._set_verify_enabled()

    def set_verify_progress(self, p: Progress) -> None:
        """Show how far a running verification got."""
        self.verify_button.setEnabled(False)
        self.verify_result.setVisible(False)
        self.verify_progress.setVisible(True)
        # Scaled to 0..1000: byte counts overflow the bar's int range above 2 GiB.
        self.verify_progress.setValue(round(p.fraction * 1000))
        self.verify_progress.setFormat(f"chunk {p.chunks_done:,}/{p.chunks_total:,}")

    def set_verify_result(self, ok: bool, message: str) -> None:
        """Show the verification's outcome, green when it passed and red when not."""
        self.verify_progress.setVisible(False)
        self.verify_result.setText(message)
        self.verify_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.verify_result.setVisible(True)
        self._set_verify_enabled()

    def _on_verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_result.setVisible(False)
        self.verify_progress.setValue(0)
        self.verify_progress.setFormat("starting…")
        self.verify_progress.setVisible(True)
        self.verify_requested.emit()

    def _set_verify_enabled(self) -> None:
        info = self._info
        # Tombstones have no chunks and a bucket link has nothing to read.
        can = not info.deleted and not (info.link is not None and info.link.is_bucket_link)
        self.verify_button.setEnabled(can)

    # For tests and callers that want the copy buttons by role.
    def copy_buttons(self) -> dict[str, QToolButton]:
        """The copy buttons: name, digest, digest_hex, nuid."""
        return {
            "name": self.copy_name_button,
            "digest": self.copy_digest_button,
            "digest_hex": self.copy_digest_hex_button,
            "nuid": self.copy_nuid_button,
        }
