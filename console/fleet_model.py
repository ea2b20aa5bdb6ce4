"""The fleet board's table model: a thin adapter over plain unit rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from console.theme import STALE_COLOUR, STATUS_COLOURS
from resources.fleet import Fleet
from resources.palette import Palette
from resources.vocabulary import UnitStatus

Index = QModelIndex | QPersistentModelIndex


@dataclass
class UnitRow:
    id: str
    type_name: str
    name: str
    kommun: str
    delregion: str
    status: UnitStatus = UnitStatus.AVAILABLE_AT_STATION
    lat: float = 0.0
    lon: float = 0.0
    last_heard: str = ""
    case_id: int | None = None
    stale: bool = False


COLUMNS = ("Enhet", "Typ", "Namn", "Kommun", "Delregion", "Status", "Ärende", "Senast hörd")


class FleetTableModel(QAbstractTableModel):
    def __init__(self, rows: list[UnitRow]):
        super().__init__()
        self._rows = rows
        self._row_of = {r.id: i for i, r in enumerate(rows)}

    @classmethod
    def from_fleet(cls, fleet: Fleet, palette: Palette, delregion_of: dict[str, str]) -> FleetTableModel:
        rows = [UnitRow(id=u.id, type_name=palette.type(u.type).name, name=u.name, kommun=u.home_kommun,
                        delregion=delregion_of.get(u.home_kommun, ""), lat=u.lat, lon=u.lon) for u in fleet.units]
        return cls(rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 5:
                return ("⚠ inaktuell – " if row.stale else "") + row.status.label
            return (row.id, row.type_name, row.name, row.kommun, row.delregion, None,
                    "" if row.case_id is None else str(row.case_id), row.last_heard)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 5:
            return QColor(STALE_COLOUR if row.stale else STATUS_COLOURS[row.status.value])
        return None

    def unit(self, row: int) -> UnitRow:
        return self._rows[row]

    def update_units(self, changed: dict[str, dict[str, Any]]) -> None:
        """Apply changes and emit one dataChanged per contiguous block of changed rows."""
        rows = []
        for unit_id, fields in changed.items():
            i = self._row_of.get(unit_id)
            if i is None:
                continue
            for k, v in fields.items():
                setattr(self._rows[i], k, v)
            rows.append(i)
        for start, end in _blocks(sorted(rows)):
            self.dataChanged.emit(self.index(start, 0), self.index(end, len(COLUMNS) - 1))


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    for r in rows:
        if blocks and r == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], r)
        elif not blocks or r != blocks[-1][1]:
            blocks.append((r, r))
    return blocks
