"""The fleet board's table model: a thin adapter over plain unit rows.

Rows never move: a unit keeps its row for the life of the model, so live updates are
`dataChanged` on contiguous blocks, never a reset (see shared/style.md, "ZeroMQ with Qt").
The model also keeps numpy arrays of position, status and staleness so the map can redraw
every unit with one `setData` call without walking Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from console.local_time import local_text
from console.numbers import number
from console.row_table_model import Index, RowTableModel
from console.theme import STALE_COLOUR, STATUS_COLOURS
from resources.fleet import Fleet
from resources.palette import Palette
from resources.vocabulary import UnitStatus

STATUSES: tuple[UnitStatus, ...] = tuple(UnitStatus)
STATUS_INDEX: dict[UnitStatus | None, int] = {s: i for i, s in enumerate(STATUSES)}
STATUS_INDEX[None] = len(STATUSES)  # never heard from
NO_CONTACT = "Ingen kontakt"


@dataclass
class UnitRow:
    id: str
    type_name: str
    name: str
    kommun: str
    delregion: str
    status: UnitStatus | None = None  # None: not heard from since the console started
    lat: float = 0.0
    lon: float = 0.0
    last_heard: datetime | None = None
    case_id: int | None = None
    stale: bool = True
    type_code: str = ""
    publisher: str = ""
    status_label: str = ""  # the feed layer's wording (dispatch.feed.state.UnitView.status_label)
    flag: str | None = None  # an illegal status change the unit reported, e.g. "Transport → Ledig ute"


COLUMNS = ("Enhet", "Typ", "Namn", "Kommun", "Delregion", "Status", "Position", "Ärende", "Senast hörd")
COL_STATUS = COLUMNS.index("Status")
COL_POSITION = COLUMNS.index("Position")
COL_CASE = COLUMNS.index("Ärende")
COL_LAST_HEARD = COLUMNS.index("Senast hörd")
UNIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the UnitRow itself (for proxies and views)
_DISPLAY, _FOREGROUND, _BACKGROUND, _TOOLTIP = (int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ToolTipRole))
_ANSWERED = frozenset({_DISPLAY, _FOREGROUND, _BACKGROUND, _TOOLTIP, int(UNIT_ROLE)})
_STALE_BG = QColor("#2d2a1f")
_FLAG_COLOUR = QColor("#f5a623")


def status_text(row: UnitRow) -> str:
    """A stale unit is shown as stale ("ingen kontakt"), its last known status only as a hint."""
    label = row.status_label or (NO_CONTACT if row.status is None else row.status.label)
    if row.stale:
        return f"⚠ {label}"
    return f"{label} ⚑" if row.flag else label


class FleetTableModel(RowTableModel):
    def __init__(self, rows: list[UnitRow]):
        super().__init__(COLUMNS, rows)
        self._rows: list[UnitRow] = rows
        self._row_of = {r.id: i for i, r in enumerate(rows)}
        self.lat = np.array([r.lat for r in rows], dtype=float)
        self.lon = np.array([r.lon for r in rows], dtype=float)
        self.status_idx = np.array([STATUS_INDEX[r.status] for r in rows], dtype=np.int8)
        self.stale = np.array([r.stale for r in rows], dtype=bool)
        self.version = 0  # bumped on every applied change; the map redraws when it moves
        self._dirty: set[int] = set()  # rows changed but not yet told to the views (update_units notify=False)
        self._colours = {s: QColor(STATUS_COLOURS[s.value]) for s in STATUSES}
        self._stale_colour = QColor(STALE_COLOUR)

    @classmethod
    def from_fleet(cls, fleet: Fleet, palette: Palette, delregion_of: dict[str, str]) -> FleetTableModel:
        rows = [UnitRow(id=u.id, type_name=palette.type(u.type).name, name=u.name, kommun=u.home_kommun,
                        delregion=delregion_of.get(u.home_kommun, ""), lat=u.lat, lon=u.lon,
                        type_code=u.type, publisher=u.publisher) for u in fleet.units]
        return cls(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role at each repaint (hundreds of times while a flood changes every
        # unit ten times a second): plain-int role tests, and the roles it never answers leave at once.
        if role not in _ANSWERED or not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == _DISPLAY:
            if col == COL_STATUS:
                return status_text(row)
            if col == COL_POSITION:
                return f"{number(row.lat, 4)} N {number(row.lon, 4)} Ö"  # a comma between them would read as decimals
            if col == COL_CASE:
                return "" if row.case_id is None else str(row.case_id)
            if col == COL_LAST_HEARD:
                return "–" if row.last_heard is None else local_text(row.last_heard, "%H:%M:%S")
            return (row.id, row.type_name, row.name, row.kommun, row.delregion)[col]
        if role == _FOREGROUND:
            if row.stale:
                return self._stale_colour
            if col == COL_STATUS and row.flag:
                return _FLAG_COLOUR  # what the unit reported broke the transition graph: check with the crew
            if col == COL_STATUS and row.status is not None:
                return self._colours[row.status]
            return None
        if role == _BACKGROUND:
            return _STALE_BG if row.stale else None
        if role == _TOOLTIP:
            if row.stale:
                return ("Ingen kontakt: enheten eller dess flöde har inte hörts av inom den inställda tiden; "
                        "senast kända status visas bara som ledtråd.")
            if row.flag and col == COL_STATUS:
                return (f"Otillåten statusändring rapporterad av enheten: {row.flag}. Statusen visas som enheten "
                        "rapporterade den; kontrollera med besättningen.")
            return None
        return row  # UNIT_ROLE

    def unit(self, row: int) -> UnitRow:
        return self._rows[row]

    def unit_by_id(self, unit_id: str) -> UnitRow | None:
        i = self._row_of.get(unit_id)
        return None if i is None else self._rows[i]

    def row_of(self, unit_id: str) -> int | None:
        return self._row_of.get(unit_id)

    def rows(self) -> list[UnitRow]:
        return self._rows

    def update_units(self, changed: dict[str, dict[str, Any]], *, notify: bool = True) -> int:
        """Apply changes and emit one dataChanged per contiguous block of changed rows (with `notify=False` the
        rows are only marked: `flush()` tells the views later, e.g. once per repaint during a flood).

        `changed` maps unit id to the UnitRow fields that changed. Unknown ids are ignored
        (the feed layer rejects them before they get here). Returns the number of rows changed.
        """
        rows = []
        for unit_id, fields in changed.items():
            i = self._row_of.get(unit_id)
            if i is None:
                continue
            r = self._rows[i]
            for k, v in fields.items():
                setattr(r, k, v)
            self.lat[i], self.lon[i] = r.lat, r.lon
            self.status_idx[i] = STATUS_INDEX[r.status]
            self.stale[i] = r.stale
            rows.append(i)
        if rows:
            self.version += 1
        self._dirty.update(rows)
        if notify:
            self.flush()
        return len(rows)

    def flush(self) -> int:
        """Tell the views about every row changed since the last flush. Returns how many."""
        dirty, self._dirty = self._dirty, set()
        last_col = len(COLUMNS) - 1
        blocks = _blocks(sorted(dirty))
        if len(blocks) > MAX_BLOCKS:  # a flood: one signal over the span costs the views less than hundreds
            blocks = [(blocks[0][0], blocks[-1][1])]
        for start, end in blocks:
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_col))
        return len(dirty)


MAX_BLOCKS = 16  # more contiguous blocks of changed rows than this: one dataChanged over their span


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    for r in rows:
        if blocks and r == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], r)
        elif not blocks or r != blocks[-1][1]:
            blocks.append((r, r))
    return blocks
