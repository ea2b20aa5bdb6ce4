"""Väntrummet: open cases ordered by priority and waiting time, each timed against its target."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from console.complaint_names import complaint_name
from console.dispatch.targets import WaitTargets, format_wait, waited_seconds
from console.theme import PRIORITY_COLOURS
from records.cases import CaseStatus, CaseView
from resources.vocabulary import Priority

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Prio", "Väntat", "Mål", "Ärende", "Status", "Kommun", "Besvär", "Adress", "Patient")
COL_PRIO, COL_WAIT, COL_TARGET = 0, 1, 2
COL_COMPLAINT, COL_ADDRESS, COL_PATIENT = 6, 7, 8
# Widest a text column may grow when fitted to its contents; longer text is elided (full text in
# the tooltip), so the important columns fit without horizontal scrolling.
COLUMN_MAX_WIDTHS = {COL_COMPLAINT: 130, COL_ADDRESS: 150, COL_PATIENT: 130}
STATUS_SHORT = {CaseStatus.WAITING: "Väntar", CaseStatus.ASSIGNED: "Dirigerad"}
CASE_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_COLOURS = {"ok": QColor("#1f3d2a"), "near": QColor("#5a4312"), "late": QColor("#6e1b1e")}
STATE_LABELS = {"ok": "inom målet", "near": "nära målet", "late": "över målet"}


def priority_of(case: CaseView) -> Priority | None:
    try:
        return Priority(case.priority) if case.priority else None
    except ValueError:
        return None


def order_cases(cases: Sequence[CaseView]) -> list[CaseView]:
    """Cases still waiting for a resource before those already dispatched; within each group the
    most urgent priority first, then the longest wait, then case number."""
    far_future = datetime.max.replace(tzinfo=UTC)

    def key(c: CaseView) -> tuple[bool, int, datetime, int]:
        p = priority_of(c)
        return (c.status is CaseStatus.ASSIGNED, -(p.urgency if p else -1),
                c.waiting_since or c.created_at or far_future, c.id)

    return sorted(cases, key=key)


class WaitingRoomModel(QAbstractTableModel):
    def __init__(self, targets: WaitTargets, clock: Callable[[], datetime] | None = None):
        super().__init__()
        self.targets = targets
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cases: list[CaseView] = []
        self._assigned_at: dict[int, datetime] = {}
        self._now = self._clock()
        self._bold = QFont()
        self._bold.setBold(True)

    # --- data -------------------------------------------------------------------------------
    def set_cases(self, cases: Sequence[CaseView], assigned_at: Mapping[int, datetime] | None = None) -> None:
        """Replace the open cases. Same ids in the same order: only the cells change.

        `assigned_at`: when each assigned case got its unit. Those rows show the time it took
        (fixed, uncoloured) instead of a counter that keeps running."""
        ordered = order_cases(cases)
        self._now = self._clock()
        self._assigned_at = dict(assigned_at or {})
        if [c.id for c in ordered] == [c.id for c in self._cases]:
            self._cases = ordered
            if ordered:
                self.dataChanged.emit(self.index(0, 0), self.index(len(ordered) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._cases = ordered
        self.endResetModel()

    def tick(self) -> None:
        """Advance the counters (called once a second): one dataChanged for the timer columns."""
        self._now = self._clock()
        if self._cases:
            self.dataChanged.emit(self.index(0, COL_PRIO), self.index(len(self._cases) - 1, COL_TARGET))

    def case(self, row: int) -> CaseView:
        return self._cases[row]

    def cases(self) -> list[CaseView]:
        return list(self._cases)

    def row_of(self, case_id: int) -> int | None:
        return next((i for i, c in enumerate(self._cases) if c.id == case_id), None)

    def waited(self, case: CaseView) -> float:
        """Seconds waited so far; for an assigned case, the wait until its unit was assigned."""
        return waited_seconds(case.waiting_since or case.created_at, self.assigned_at(case) or self._now)

    def assigned_at(self, case: CaseView) -> datetime | None:
        if case.status is not CaseStatus.ASSIGNED:
            return None
        return self._assigned_at.get(case.id)

    # --- Qt ---------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c = self._cases[index.row()]
        col = index.column()
        prio = priority_of(c)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_PRIO:
                return prio.label if prio else "Ej prioriterad"
            if col == COL_WAIT:
                done = self.assigned_at(c) is not None
                return ("dir. " if done else "") + format_wait(self.waited(c))
            if col == COL_TARGET:
                return f"{self.targets.target(prio):.0f} min"
            return (None, None, None, str(c.id), STATUS_SHORT.get(CaseStatus(c.status), CaseStatus(c.status).label), c.kommun or "",
                    complaint_name(c.complaint), c.address, c.patient_name)[col]
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_WAIT:
            if self.assigned_at(c) is not None:
                return None  # coloured against the target only while the case waits
            return STATE_COLOURS[self.targets.state(prio, self.waited(c))]
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_WAIT and self.assigned_at(c) is not None:
            return QColor("#8b949e")
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_PRIO and prio:
            return QColor(PRIORITY_COLOURS[prio.value])
        if role == Qt.ItemDataRole.FontRole and col in (COL_PRIO, COL_WAIT):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_WAIT and self.assigned_at(c) is not None:
            return f"Dirigerad efter {format_wait(self.waited(c))} (målet {self.targets.target(prio):.0f} min)"
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_WAIT:
            state = self.targets.state(prio, self.waited(c))
            return f"Väntat {format_wait(self.waited(c))} av målet {self.targets.target(prio):.0f} min – {STATE_LABELS[state]}"
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_COMPLAINT, COL_ADDRESS, COL_PATIENT):
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            return text or None
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_TARGET:
            return f"Målet för {prio.label if prio else 'ej prioriterat'}: {self.targets.target(prio):.0f} min"
        if role == CASE_ROLE:
            return c
        return None
