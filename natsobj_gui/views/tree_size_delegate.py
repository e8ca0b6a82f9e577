"""Draws each bucket's stored size at the right edge of its row in the bucket tree."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from natsobj_gui.formatting import human_size
from natsobj_gui.models.bucket_tree_model import BucketInfoRole, PrefixRole

Index = QModelIndex | QPersistentModelIndex
GAP = 8  # pixels between the name and the size


def size_text(index: Index) -> str:
    """The size shown beside a bucket node; '' for folders and unknown buckets."""
    info = index.data(BucketInfoRole)
    if index.data(PrefixRole) != "" or info is None:
        return ""
    return human_size(info.size)


class BucketSizeDelegate(QStyledItemDelegate):
    """The normal item, narrowed so the size fits after it, in the secondary text colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        text = size_text(index)
        if not text:
            super().paint(painter, option, index)
            return
        width = option.fontMetrics.horizontalAdvance(text)
        # The selection highlight spans the whole row; the name is elided before the size.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name_opt = QStyleOptionViewItem(opt)
        name_opt.rect = opt.rect.adjusted(0, 0, -(width + GAP), 0)
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            # The row's background (selection, hover) across the full width first.
            background = QStyleOptionViewItem(opt)
            background.text = ""
            background.icon = type(opt.icon)()
            style.drawControl(
                QStyle.ControlElement.CE_ItemViewItem, background, painter, opt.widget
            )
        super().paint(painter, name_opt, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        painter.save()
        painter.setPen(option.palette.color(role))
        right = opt.rect.adjusted(0, 0, -4, 0)
        painter.drawText(right, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()
