"""Create a bucket, or edit an existing bucket's settings.

Usage::

    dlg = BucketDialog(parent=window)                     # new bucket
    dlg = BucketDialog(parent=window, existing=info)      # edit: name and storage fixed
    dlg.accepted.connect(lambda: start_job(dlg.config())) # -> BucketConfig
    dlg.open()

In edit mode the server's own `_nats.*` metadata keys are not shown and not returned;
`Buckets.update` keeps them.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import BucketConfig, BucketInfo, Placement, Storage
from natsobj_gui.dialogs._common import (
    KeyValueTable,
    buddy,
    chain_tab_order,
    duplicate_keys,
    error_label,
    show_message,
)

BUCKET_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
SERVER_PREFIX = "_nats."
MAX_TTL_SECONDS = (2**63 - 1) // 1_000_000_000  # max_age is an int64 of nanoseconds
TTL_UNITS: tuple[tuple[str, int], ...] = (
    ("seconds", 1),
    ("minutes", 60),
    ("hours", 3600),
    ("days", 86400),
)
SIZE_UNITS: tuple[tuple[str, int], ...] = (
    ("bytes", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
)


def bucket_name_error(name: str) -> str:
    """Why a bucket name is invalid, or '' when it is fine."""
    if not name:
        return "A bucket needs a name."
    if BUCKET_NAME_RE.match(name):
        return ""
    bad = "".join(dict.fromkeys(c for c in name if not BUCKET_NAME_RE.match(c)))
    shown = bad.replace(" ", "space ")
    return f"Only letters, digits, “_” and “-” are allowed (not: {shown.strip()})."


def split_amount(amount: float, units: tuple[tuple[str, int], ...]) -> tuple[float, int]:
    """The largest unit that divides amount exactly: (value, unit index)."""
    whole = round(amount)
    for index in range(len(units) - 1, 0, -1):
        factor = units[index][1]
        if whole and whole % factor == 0:
            return whole // factor, index
    return float(whole), 0


class _AmountEditor(QWidget):
    """A whole-number value beside a unit combo; remembers the exact original amount."""

    def __init__(self, units: tuple[tuple[str, int], ...], minimum: int, maximum: float) -> None:
        super().__init__()
        self._units = units
        self.value = QDoubleSpinBox()
        # Doubles, not ints: sizes past 2 GiB in bytes overflow a QSpinBox.
        self.value.setDecimals(0)
        self.value.setRange(minimum, maximum)
        self.value.setGroupSeparatorShown(True)
        self.unit = QComboBox()
        # Same width for every unit combo so the TTL and size rows line up.
        self.unit.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.unit.setMinimumContentsLength(8)
        for label, _ in units:
            self.unit.addItem(label)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.value, 1)
        lay.addWidget(self.unit)
        self._original: tuple[float, int, float] | None = None

    def set_amount(self, amount: float) -> None:
        """Show amount in its largest exact unit and remember it."""
        value, index = split_amount(amount, self._units)
        self.value.setValue(value)
        self.unit.setCurrentIndex(index)
        self._original = (self.value.value(), index, amount)

    def amount(self) -> float:
        """The amount in base units (seconds or bytes); the original if the user changed nothing."""
        value, index = self.value.value(), self.unit.currentIndex()
        if self._original and self._original[:2] == (value, index):
            return self._original[2]
        return value * self._units[index][1]


class BucketDialog(QDialog):
    """Every option of `nats object add`, validated live; `.config()` returns a BucketConfig."""

    def __init__(self, parent: QWidget | None = None, existing: BucketInfo | None = None) -> None:
        super().__init__(parent)
        self._existing = existing
        editing = existing is not None
        self.setWindowTitle(f"Edit Bucket {existing.name}" if existing else "New Bucket")
        self.resize(520, 0)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("letters, digits, _ and -")
        self.name_error = error_label()
        self.description_edit = QLineEdit()
        self.ttl = _AmountEditor(TTL_UNITS, 0, 1e13)
        self.ttl.value.setSpecialValueText("0 (keep forever)")
        self.unlimited_check = QCheckBox("Unlimited")
        self.max_size = _AmountEditor(SIZE_UNITS, 1, float(1 << 53))
        self.storage_combo = QComboBox()
        self.storage_combo.addItem("File", Storage.FILE)
        self.storage_combo.addItem("Memory", Storage.MEMORY)
        self.replicas_spin = QSpinBox()
        self.replicas_spin.setRange(1, 5)
        self.replicas_spin.setMinimumWidth(80)
        self.compression_check = QCheckBox("Compress stored data (S2)")
        self.cluster_edit = QLineEdit()
        self.cluster_edit.setPlaceholderText("any cluster")
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("comma-separated, e.g. ssd, eu-west")
        self.metadata_table = KeyValueTable("Key", "Value")
        self.error = error_label()  # every problem except the name's, shown under the form

        size_row = QWidget()
        size_lay = QHBoxLayout(size_row)
        size_lay.setContentsMargins(0, 0, 0, 0)
        size_lay.addWidget(self.unlimited_check)
        size_lay.addWidget(self.max_size, 1)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # Text fields grow; combos and spin boxes keep a natural width.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name_edit)
        name_box.addWidget(self.name_error)
        form.addRow(buddy("&Name:", self.name_edit), name_box)
        form.addRow(buddy("&Description:", self.description_edit), self.description_edit)
        form.addRow(buddy("&TTL:", self.ttl.value), self.ttl)
        form.addRow(buddy("Max &size:", self.unlimited_check), size_row)
        form.addRow(buddy("St&orage:", self.storage_combo), self.storage_combo)
        form.addRow(buddy("&Replicas:", self.replicas_spin), self.replicas_spin)
        form.addRow("", self.compression_check)
        form.addRow(buddy("&Cluster:", self.cluster_edit), self.cluster_edit)
        form.addRow(buddy("Ta&gs:", self.tags_edit), self.tags_edit)
        form.addRow(buddy("&Metadata:", self.metadata_table.table), self.metadata_table)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if editing else "Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        self._chain_tab_order()
        self.name_edit.textChanged.connect(self._validate)
        self.metadata_table.changed.connect(self._validate)
        self.ttl.value.valueChanged.connect(self._validate)
        self.ttl.unit.currentIndexChanged.connect(self._validate)
        self.unlimited_check.toggled.connect(self._sync_size)
        self._prefill(existing)
        self._validate()

    def is_edit(self) -> bool:
        """Whether this edits an existing bucket."""
        return self._existing is not None

    def config(self) -> BucketConfig:
        """The bucket configuration as entered (user metadata only; `_nats.*` stay server-side)."""
        cluster = self.cluster_edit.text().strip() or None
        tags = tuple(t.strip() for t in self.tags_edit.text().split(",") if t.strip())
        placement = Placement(cluster, tags) if cluster or tags else None
        return BucketConfig(
            name=self.name_edit.text().strip(),
            description=self.description_edit.text().strip(),
            ttl=float(self.ttl.amount()),
            max_bytes=-1 if self.unlimited_check.isChecked() else int(self.max_size.amount()),
            storage=Storage(self.storage_combo.currentData()),
            replicas=self.replicas_spin.value(),
            placement=placement,
            compression=self.compression_check.isChecked(),
            metadata={k: v for k, v in self.metadata_table.pairs() if k},
        )

    def problems(self) -> list[str]:
        """Everything that keeps OK disabled, as sentences."""
        out = []
        if error := bucket_name_error(self.name_edit.text().strip()):
            out.append(error)
        if self.ttl.amount() > MAX_TTL_SECONDS:
            out.append("The TTL is too long: the server counts it in nanoseconds (max ~290 years).")
        if error := self._metadata_error():
            out.append(error)
        return out

    def accept(self) -> None:
        """Accept only a valid configuration (Enter cannot bypass validation)."""
        if not self.problems():
            super().accept()

    def _prefill(self, existing: BucketInfo | None) -> None:
        if existing is None:
            self.ttl.set_amount(0)
            self.max_size.set_amount(1 << 30)
            self.unlimited_check.setChecked(True)
            self._sync_size()
            self.name_edit.setFocus()
            return
        cfg = existing.config()  # drops `_nats.*` metadata
        self.name_edit.setText(cfg.name)
        self.name_edit.setReadOnly(True)
        self.name_edit.setToolTip("A bucket cannot be renamed.")
        self.description_edit.setText(cfg.description)
        self.ttl.set_amount(cfg.ttl)
        self.unlimited_check.setChecked(cfg.max_bytes < 0)
        self.max_size.set_amount(cfg.max_bytes if cfg.max_bytes > 0 else 1 << 30)
        self._sync_size()
        self.storage_combo.setCurrentIndex(self.storage_combo.findData(cfg.storage))
        self.storage_combo.setEnabled(False)
        self.storage_combo.setToolTip("The storage type cannot change after creation.")
        self.replicas_spin.setValue(cfg.replicas)
        self.compression_check.setChecked(cfg.compression)
        if cfg.placement:
            self.cluster_edit.setText(cfg.placement.cluster or "")
            self.tags_edit.setText(", ".join(cfg.placement.tags))
        self.metadata_table.set_pairs(cfg.metadata.items())
        self.description_edit.setFocus()

    def _metadata_error(self) -> str:
        pairs = self.metadata_table.pairs()
        if any(not k for k, _ in pairs):
            return "Every metadata value needs a key."
        if dups := duplicate_keys(pairs):
            return "Duplicate metadata keys: " + ", ".join(dups)
        if reserved := [k for k, _ in pairs if k.startswith(SERVER_PREFIX)]:
            return f"Keys starting with “{SERVER_PREFIX}” belong to the server: " + ", ".join(
                reserved
            )
        return ""

    def _validate(self) -> None:
        name = self.name_edit.text().strip()
        # An empty name only disables OK; shouting at a fresh dialog helps nobody.
        show_message(self.name_error, bucket_name_error(name) if name else "")
        problems = self.problems()
        other = [p for p in problems if p != bucket_name_error(name)]
        show_message(self.error, "\n".join(other))
        self.ok_button.setEnabled(not problems)

    def _sync_size(self) -> None:
        self.max_size.setEnabled(not self.unlimited_check.isChecked())

    def _chain_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.name_edit,
            self.description_edit,
            self.ttl.value,
            self.ttl.unit,
            self.unlimited_check,
            self.max_size.value,
            self.max_size.unit,
            self.storage_combo,
            self.replicas_spin,
            self.compression_check,
            self.cluster_edit,
            self.tags_edit,
            self.metadata_table.table,
            *self.metadata_table.buttons(),
        ]
        chain_tab_order(*chain)
