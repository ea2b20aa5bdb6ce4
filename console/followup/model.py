"""The follow-up queue's table model: a thin adapter over plain FollowUpItem rows, ordered by due
time; a row whose due time has passed is marked overdue as the clock runs (no re-read needed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont

from console.local_time import local
from console.row_table_model import Index, RowTableModel, priority_short
from console.theme import PRIORITY_COLOURS
from outcomes.followup import FollowUpItem

COL_DUE = 0
OVERDUE_BG = QColor("#6e1b1e")


def _t(text: str) -> str:
    return QCoreApplication.translate("FollowUpModel", text)


def due_text(due: datetime, now: datetime) -> str:
    """"om 2 h 05 min" / "försenad 35 min" (Swedish, rounded to minutes)."""
    minutes = int(abs((due - now).total_seconds()) // 60)
    h, m = divmod(minutes, 60)
    span = f"{h} h {m:02d} min" if h else f"{m} min"
    return f"försenad {span}" if due < now else f"om {span}"


WEEKDAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")


def clock_text(due: datetime, now: datetime) -> str:
    """"14:05" today, "tors 10:53" another day (Swedish local time)."""
    at, today = local(due), local(now)
    if at.date() == today.date():
        return f"{at:%H:%M}"
    return f"{WEEKDAYS[at.weekday()]} {at:%H:%M}"


class FollowUpModel(RowTableModel):
    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__((_t("Förfaller"), _t("Prio"), _t("Ärende"), _t("Patient"), _t("Telefon"), _t("Utfall"),
                          _t("Skäl")))
        self._clock = clock or (lambda: datetime.now(UTC))
        self._now = self._clock()
        self._rows: list[FollowUpItem] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_items(self, items: Sequence[FollowUpItem]) -> None:
        self.beginResetModel()
        self._rows = sorted(items, key=lambda i: (i.due_at, i.id))
        self._now = self._clock()
        self.endResetModel()

    def tick(self) -> None:
        self._now = self._clock()
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_DUE), self.index(len(self._rows) - 1, COL_DUE))

    def item(self, row: int) -> FollowUpItem:
        return self._rows[row]

    def items(self) -> list[FollowUpItem]:
        return list(self._rows)

    def row_of(self, followup_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == followup_id), None)

    def overdue(self, item: FollowUpItem) -> bool:
        return item.status == "open" and item.due_at < self._now

    def overdue_count(self) -> int:
        return sum(1 for r in self._rows if self.overdue(r))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{clock_text(r.due_at, self._now)} ({due_text(r.due_at, self._now)})",
                    priority_short(r.priority), str(r.case_id),
                    r.patient_name or r.personnummer or "", r.callback_phone, r.outcome_label or "",
                    r.reason_label)[col]
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_DUE and self.overdue(r):
            return OVERDUE_BG
        if role == Qt.ItemDataRole.FontRole and col == COL_DUE and self.overdue(r):
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and col == 1 and r.priority:
            return QColor(PRIORITY_COLOURS.get(r.priority, "#e6edf3"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.address}, {r.kommun or ''}" + (f"\n{r.note}" if r.note else "")
        return None
