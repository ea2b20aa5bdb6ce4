"""A filter field above a list: Up/Down in the field move the selection among the rows the filter left visible."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget


def step_visible_row(items: QListWidget, key: int) -> None:
    """Select the next (Key_Down) or previous visible row of `items`; nothing when none is visible."""
    visible = [i for i in range(items.count()) if not items.item(i).isHidden()]
    if visible:
        cur = items.currentRow()
        pos = visible.index(cur) if cur in visible else -1
        pos = min(len(visible) - 1, pos + 1) if key == Qt.Key.Key_Down else max(0, pos - 1)
        items.setCurrentRow(visible[pos])
