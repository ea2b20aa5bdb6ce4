"""What every table model of the console shares: plain rows under fixed column titles.

Subclasses keep their rows in `self._rows` and answer `data`; the row and column counts and the
horizontal header come from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[str], rows: list[Any] | None = None) -> None:
        super().__init__()
        self._columns = tuple(columns)
        self._rows: list[Any] = [] if rows is None else rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section]
        return None


def priority_short(priority: str | None) -> str:
    """A priority as a table column shows it: "1"–"3", "H" for hänvisning, "" for none yet."""
    return "H" if priority == "hänvisning" else priority or ""
