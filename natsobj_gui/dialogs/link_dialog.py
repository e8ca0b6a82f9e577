"""Create a link in the current bucket to an object or to a whole bucket.

Usage::

    dlg = LinkDialog(bucket_names, "documents", target=selected_info, parent=window)
    dlg.accepted.connect(lambda: start_job(dlg.link_name(), dlg.link()))
    dlg.open()
    # the job: store.add_link(name, target_info) or store.add_bucket_link(name, link.bucket)

A target that is itself a link is followed one level (a link cannot point at a link).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.types import ObjectInfo, ObjectLink
from natsobj_gui.dialogs._common import (
    buddy,
    chain_tab_order,
    error_label,
    fit_to_width,
    show_message,
    value_label,
)
from natsobj_gui.dialogs.bucket_dialog import bucket_name_error
from natsobj_gui.dialogs.meta_dialog import object_name_error


class LinkDialog(QDialog):
    """Asks for a link name and its target; `.link_name()` and `.link()` give the result."""

    def __init__(
        self,
        buckets: list[str],
        current_bucket: str,
        target: ObjectInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._current = current_bucket
        self.setWindowTitle(f"New link in {current_bucket}")

        target_bucket, target_name, whole_bucket = current_bucket, "", False
        if target is not None:
            target_bucket, target_name = target.bucket, target.name
            if target.link is not None:
                # Links cannot chain: point at what the selected link points at.
                target_bucket, target_name = target.link.bucket, target.link.name or ""
                whole_bucket = target.link.is_bucket_link

        self.where_label = value_label(f"A new link in the bucket “{current_bucket}”.")
        self.name_edit = QLineEdit(_suggest_name(target_name, target_bucket, current_bucket))
        self.name_edit.setPlaceholderText("name of the new link")
        self.object_radio = QRadioButton("An &object")
        self.bucket_radio = QRadioButton("A whole &bucket")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.object_radio)
        self.kind_group.addButton(self.bucket_radio)
        self.bucket_combo = QComboBox()
        self.bucket_combo.setEditable(True)
        self.bucket_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.bucket_combo.addItems(sorted(set(buckets) | {current_bucket}))
        self.bucket_combo.setCurrentText(target_bucket)
        self.object_edit = QLineEdit(target_name)
        self.object_edit.setPlaceholderText("name of the target object")
        self.error = error_label()

        kind = QVBoxLayout()
        kind.setSpacing(2)
        kind.addWidget(self.object_radio)
        kind.addWidget(self.bucket_radio)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(buddy("Link &name:", self.name_edit), self.name_edit)
        form.addRow("Points to:", kind)
        form.addRow(buddy("&Target bucket:", self.bucket_combo), self.bucket_combo)
        self.object_label = buddy("Target ob&ject:", self.object_edit)
        form.addRow(self.object_label, self.object_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create link")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(self.where_label)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        chain_tab_order(
            self.name_edit,
            self.object_radio,
            self.bucket_radio,
            self.bucket_combo,
            self.object_edit,
        )

        (self.bucket_radio if whole_bucket else self.object_radio).setChecked(True)
        self.name_edit.textChanged.connect(self._validate)
        self.bucket_combo.currentTextChanged.connect(self._validate)
        self.object_edit.textChanged.connect(self._validate)
        self.object_radio.toggled.connect(self._validate)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self._validate()
        fit_to_width(self, 500)

    def link_name(self) -> str:
        """The name of the new link object."""
        return self.name_edit.text()

    def is_bucket_link(self) -> bool:
        """Whether the link points at a whole bucket."""
        return self.bucket_radio.isChecked()

    def link(self) -> ObjectLink:
        """The target: ObjectLink(bucket, name), or ObjectLink(bucket) for a bucket link."""
        bucket = self.bucket_combo.currentText().strip()
        if self.is_bucket_link():
            return ObjectLink(bucket)
        return ObjectLink(bucket, self.object_edit.text())

    def problems(self) -> list[str]:
        """Everything that keeps OK disabled, as sentences."""
        out = []
        if error := object_name_error(self._current, self.link_name()):
            out.append(error.replace("An object needs", "The link needs"))
        bucket = self.bucket_combo.currentText().strip()
        if error := bucket_name_error(bucket):
            out.append("Target bucket: " + error[:1].lower() + error[1:])
        if not self.is_bucket_link():
            if not self.object_edit.text():
                out.append("Enter the name of the target object.")
            elif bucket == self._current and self.object_edit.text() == self.link_name():
                out.append("A link cannot point to itself.")
        return out

    def accept(self) -> None:
        """Accept only valid input (Enter cannot bypass validation)."""
        if not self.problems():
            super().accept()

    def _validate(self) -> None:
        object_mode = not self.is_bucket_link()
        self.object_edit.setEnabled(object_mode)
        self.object_label.setEnabled(object_mode)
        problems = self.problems()
        show_message(self.error, "\n".join(problems))
        self.ok_button.setEnabled(not problems)


def _suggest_name(target_name: str, target_bucket: str, current_bucket: str) -> str:
    """The target's own name, unless that would collide with it in the same bucket."""
    if not target_name:
        return ""
    if target_bucket != current_bucket:
        return target_name
    return f"{target_name} (link)"
