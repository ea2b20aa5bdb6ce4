"""The table models of the case search (hits) and the case timeline (entries): plain rows, Swedish texts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from console.local_time import local_text
from console.row_table_model import RowTableModel
from records.case_search import SearchHit
from records.case_timeline import TimelineEntry

Index = QModelIndex | QPersistentModelIndex
CASE_ROLE = Qt.ItemDataRole.UserRole + 1  # a hit's case id


class SearchHitsModel(RowTableModel):
    """One row per case found: Ärende, Inkom, Status, Prio, Patient, Adress; the tooltip says how it matched."""

    def __init__(self) -> None:
        super().__init__(("Ärende", "Inkom", "Status", "Prio", "Patient", "Adress"))
        self._rows: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._rows = list(hits)
        self.endResetModel()

    def case_id(self, row: int) -> int | None:
        return self._rows[row].case.case_id if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        hit = self._rows[index.row()]
        c = hit.case
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(c.case_id), local_text(c.created_at), c.status_text, c.priority_text, c.patient,
                    c.address)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Träff på " + " och ".join(hit.matched_by)
        if role == CASE_ROLE:
            return c.case_id
        return None


class TimelineModel(RowTableModel):
    """One row per event: Tid, Vem, Händelse; the tooltip has the detail (reasons, codes)."""

    def __init__(self) -> None:
        super().__init__(("Tid", "Vem", "Händelse"))
        self._rows: list[TimelineEntry] = []

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (local_text(e.at, "%Y-%m-%d %H:%M:%S"), e.who, e.what)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t for t in (e.what, e.detail) if t)
        return None
