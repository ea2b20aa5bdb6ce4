"""Word wrap for a QTreeWidget's rows: QTreeView wraps text when painting but sizes every row
as one line (it asks the delegate with no column width), so long reasons were cut off. This
delegate measures the text against the column's real width, and the rows are laid out again
whenever a column is resized."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget

_PAD = 8  # the style's text margins, both sides together


class WrappingDelegate(QStyledItemDelegate):
    def __init__(self, tree: QTreeWidget):
        super().__init__(tree)
        self._tree = tree
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)
        tree.header().sectionResized.connect(lambda *_: tree.scheduleDelayedItemsLayout())

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = self._tree.header().sectionSize(index.column()) - _PAD
        if index.column() == 0:
            depth, parent = 1, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self._tree.indentation() * depth
        if opt.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:
            width -= opt.decorationSize.width() + 4
        width = max(width, 40)
        text = opt.text or ""
        rect = opt.fontMetrics.boundingRect(QRect(0, 0, width, 100000),
                                            int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), text)
        margin = self._tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameVMargin, opt, self._tree)
        natural = super().sizeHint(option, index)  # the width stays the unwrapped one (resize to contents)
        return QSize(natural.width(), max(natural.height(), rect.height() + 2 * margin + 2))
