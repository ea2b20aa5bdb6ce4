"""Väntrummet: open cases ordered by priority and waiting time, each timed against its target."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QTableView

from console.complaint_names import complaint_name
from console.dispatch.targets import WaitTargets, format_wait, waited_seconds
from console.theme import PRIORITY_COLOURS
from records.case_state import PRE_ALERT_FLAG
from records.cases import CaseStatus, CaseView
from resources.vocabulary import Priority

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Prio", "Väntat", "Mål", "Ärende", "Status", "Kommun", "Besvär", "Adress", "Patient")
COL_PRIO, COL_WAIT, COL_TARGET = 0, 1, 2
COL_CASE, COL_STATUS, COL_COMPLAINT, COL_ADDRESS, COL_PATIENT = 3, 4, 6, 7, 8
# Widest a text column may grow when fitted to its contents; longer text is elided (full text in
# the tooltip), so the important columns fit without horizontal scrolling.
COLUMN_MAX_WIDTHS = {COL_COMPLAINT: 130, COL_ADDRESS: 150, COL_PATIENT: 130}
# Adress and Patient only get the room the essential columns (Prio … Besvär) leave; narrower than
# this they are hidden (the detail pane below and the row's tooltip still have them).
COLUMN_MIN_WIDTHS = {COL_ADDRESS: 80, COL_PATIENT: 70}
SECONDARY_COLUMNS = (COL_ADDRESS, COL_PATIENT)
COL_KOMMUN = 5
# When even the essential columns do not fit (väntrummet is ~440 px wide on a 1366 px screen with the 11 pt font,
# and an assigned case's Status says "Dirigerad · ej kvitterad"), these give up room in this order down to their
# least width, elided with the whole text in the tooltip; then Kommun is hidden (the row's tooltip and the line
# below väntrummet name it), then Mål (the Väntat cell's colour and tooltip tell the wait against it). Prio, Väntat,
# Ärende, Status and Besvär are always shown.
SHRINK_MIN_WIDTHS = {COL_COMPLAINT: 90, COL_KOMMUN: 80, COL_STATUS: 110}
HIDE_LAST = (COL_KOMMUN, COL_TARGET)
STATUS_SHORT = {CaseStatus.WAITING: "Väntar", CaseStatus.ASSIGNED: "Dirigerad"}
# A pre-alerted case (records/pre_alert.py): sent on a preliminary Prio 1 while the nurse's triage goes on
PRE_ALERT_SHORT = {CaseStatus.WAITING: "Förlarm", CaseStatus.ASSIGNED: "Dirigerad · förlarm"}
PRE_ALERT_TIP = ("Förlarm: skickat på preliminär Prio 1 medan sjuksköterskans triagering pågår. Ärendet uppdateras "
                 "(prioritet, vårdbehov) när samtalet är klart.")
CASE_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_COLOURS = {"ok": QColor("#1f3d2a"), "near": QColor("#5a4312"), "late": QColor("#6e1b1e")}
STATE_LABELS = {"ok": "inom målet", "near": "nära målet", "late": "över målet"}
ALERT_COLOUR = QColor("#c62828")  # a row with an unacknowledged alert, every other second (docs/alerts.md)
# The units' alerts (docs/alert-protocol.md): the worst state among a case's units decides what the row says.
UNIT_ALERT_ORDER = ("not_acknowledged", "unsent", "sent", "declined", "acknowledged", "accepted")
UNIT_ALERT_SHORT = {"not_acknowledged": "ej kvitterad", "unsent": "ej skickat", "sent": "skickat",
                    "declined": "avböjt", "acknowledged": "kvitterad", "accepted": "accepterad"}
UNIT_ALERT_WARN = QColor("#ff8a80")
DECLINED_FLAG = "unit_declined"  # commands.unit_alerts.DECLINED_FLAG


def unit_alert_summary(views: Sequence[Any]) -> str | None:
    """The worst alert state among a case's units, in a word or two (None: no alert)."""
    states = [v.status for v in views if v.status in UNIT_ALERT_ORDER]
    if not states:
        return None
    return UNIT_ALERT_SHORT[min(states, key=UNIT_ALERT_ORDER.index)]


def priority_of(case: CaseView) -> Priority | None:
    try:
        return Priority(case.priority) if case.priority else None
    except ValueError:
        return None


def status_text(case: CaseView) -> str:
    status = CaseStatus(case.status)
    short = PRE_ALERT_SHORT if PRE_ALERT_FLAG in case.flags else STATUS_SHORT
    return short.get(status, status.label)


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
        self._flashing: frozenset[int] = frozenset()  # cases with an unacknowledged alert
        self.flash_on = False  # the phase of the flashing rows
        self._unit_alerts: dict[int, list[Any]] = {}  # case id → its active assignments' alerts (AlertView)

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

    def set_unit_alerts(self, by_case: Mapping[int, Sequence[Any]]) -> None:
        """The alert of every unit on the cases shown (dispatch.alerting.store.AlertView): the Status column says the
        worst of them ("Dirigerad · ej kvitterad"), its tooltip each unit's."""
        fresh = {k: list(v) for k, v in by_case.items()}
        if fresh == self._unit_alerts:
            return
        self._unit_alerts = fresh
        if self._cases:
            self.dataChanged.emit(self.index(0, COL_STATUS), self.index(len(self._cases) - 1, COL_STATUS))

    def unit_alerts(self, case_id: int) -> list[Any]:
        return list(self._unit_alerts.get(case_id, ()))

    def _status_cell(self, c: CaseView) -> str:
        text = status_text(c)
        summary = unit_alert_summary(self._unit_alerts.get(c.id, ())) if c.status is CaseStatus.ASSIGNED else None
        if summary:
            return f"{text} · {summary}"
        if c.status is CaseStatus.WAITING and DECLINED_FLAG in c.flags:
            return f"{text} · avböjt"
        return text

    def _status_tip(self, c: CaseView) -> str | None:
        lines = [PRE_ALERT_TIP] if PRE_ALERT_FLAG in c.flags else []
        for v in self._unit_alerts.get(c.id, ()):
            line = f"{v.unit_id}: {v.label}"
            if v.refused_reason:
                line += f" – {v.refused_reason}"
            if v.decline_reason:
                line += f" – {v.decline_reason}"
            lines.append(line)
        if c.status is CaseStatus.WAITING and DECLINED_FLAG in c.flags:
            lines.append("En enhet avböjde uppdraget (se tidslinjen): välj en annan enhet.")
        return "\n".join(lines) or None

    def tick(self) -> None:
        """Advance the counters (called once a second): one dataChanged for the timer columns."""
        self._now = self._clock()
        if self._cases:
            self.dataChanged.emit(self.index(0, COL_PRIO), self.index(len(self._cases) - 1, COL_TARGET))

    def now(self) -> datetime:
        """The model's clock (injected in tests)."""
        return self._clock()

    def set_flashing(self, case_ids: frozenset[int]) -> None:
        """The cases whose rows flash until their alert is acknowledged."""
        changed = self._flashing ^ case_ids
        self._flashing = frozenset(case_ids)
        self.flash_on = self.flash_on or bool(case_ids)
        self._repaint_rows(changed)

    def flash(self) -> None:
        """Turn the flashing rows on or off (called once a second)."""
        if self._flashing:
            self.flash_on = not self.flash_on
            self._repaint_rows(self._flashing)

    def is_flashing(self, case_id: int) -> bool:
        return case_id in self._flashing

    def _repaint_rows(self, case_ids: frozenset[int]) -> None:
        for cid in case_ids:
            row = self.row_of(cid)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def case(self, row: int) -> CaseView:
        return self._cases[row]

    def assigned_times(self) -> dict[int, datetime]:
        """When each assigned case shown got its unit (as last set)."""
        return dict(self._assigned_at)

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
            return (None, None, None, str(c.id), self._status_cell(c), c.kommun or "",
                    complaint_name(c.complaint), c.address, c.patient_name)[col]
        if role == Qt.ItemDataRole.BackgroundRole and c.id in self._flashing and col != COL_WAIT:
            return ALERT_COLOUR if self.flash_on else None
        if role == Qt.ItemDataRole.ForegroundRole and self.flash_on and col != COL_WAIT and c.id in self._flashing:
            return QColor("#ffffff")
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_WAIT:
            if self.assigned_at(c) is not None:
                return None  # coloured against the target only while the case waits
            return STATE_COLOURS[self.targets.state(prio, self.waited(c))]
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_WAIT and self.assigned_at(c) is not None:
            return QColor("#8b949e")
        if (role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS and c.status is CaseStatus.ASSIGNED
                and unit_alert_summary(self._unit_alerts.get(c.id, ())) == UNIT_ALERT_SHORT["not_acknowledged"]):
            return UNIT_ALERT_WARN
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
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_STATUS and (tip := self._status_tip(c)):
            return tip
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_TARGET:
            return f"Målet för {prio.label if prio else 'ej prioriterat'}: {self.targets.target(prio):.0f} min"
        if role == Qt.ItemDataRole.ToolTipRole:  # the rest of the row: where and who, even when hidden
            return " · ".join(t for t in (f"Ärende {c.id}", c.address, c.kommun, c.patient_name) if t)
        if role == CASE_ROLE:
            return c
        return None


class ColumnFit(QObject):
    """Keeps a väntrummet table's columns fitted to its width: the essential columns (Prio … Besvär)
    sized to their contents, Adress and Patient sharing what room is left (elided, full text in the
    tooltip) and hidden when too narrow, so a dispatcher never has to scroll sideways to see a
    case's priority, wait and complaint. Refits after anything resizes a column or the viewport."""

    def __init__(self, view: QTableView):
        super().__init__(view)
        self.view = view
        self._timer = QTimer(self, singleShot=True, interval=0, timeout=self._fit_when_needed)  # dies with the view
        self._fitting = False  # what fit() itself resizes must not schedule another fit (it looped for ever)
        self._last: tuple[tuple[int, int], ...] | None = None  # (col, width or -1 hidden) last applied
        # Each column's natural width when last measured, and the columns whose cells changed since (None: more than
        # cells changed, fit all). The counters' once-a-second dataChanged rarely makes a column wider or narrower:
        # measuring the changed columns alone is a third of a fit, and when none changed width nothing else is done.
        self._natural: dict[int, int] = {}
        self._changed: set[int] | None = None
        view.setProperty("waitingRoomColumnFit", True)
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._section_resized)
        model = view.model()
        model.modelReset.connect(self.schedule)
        model.rowsInserted.connect(self.schedule)
        model.dataChanged.connect(self._cells_changed)
        self.fit()

    def _section_resized(self, section: int, *_: int) -> None:
        # The header stretches the last visible section to the edge by itself; following its resizes would make
        # fit() and the header undo each other for ever (one core at 100% in väntrummet).
        if section != self._last_visible():
            self.schedule()

    def _last_visible(self) -> int:
        header = self.view.horizontalHeader()
        for visual in range(header.count() - 1, -1, -1):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return -1

    def schedule(self) -> None:
        """Fit once the current change is done (the caller may still be resizing other columns)."""
        if not self._fitting:
            self._changed = None
            self._timer.start()

    def _cells_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: object) -> None:
        if self._fitting:
            return
        if self._changed is not None:
            self._changed.update(range(top_left.column(), bottom_right.column() + 1))
        self._timer.start()

    def _fit_when_needed(self) -> None:
        changed, self._changed = self._changed, set()
        if changed is not None and all(self._natural.get(c) == self.natural_width(c) for c in changed):
            return  # only cells changed, and no column's widest text with them: the fitted widths stand
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.schedule()
        return False

    def natural_width(self, col: int) -> int:
        """What the column needs for its widest cell or its header, capped by COLUMN_MAX_WIDTHS."""
        width = max(self.view.sizeHintForColumn(col), self.view.horizontalHeader().sectionSizeHint(col))
        self._natural[col] = width = min(width, COLUMN_MAX_WIDTHS.get(col, width))
        return width

    def fit(self) -> None:
        self._changed = set()
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        view, model = self.view, self.view.model()
        if model is None:
            return
        count = model.columnCount()
        essential = [c for c in range(count) if c not in SECONDARY_COLUMNS]
        widths = {col: self.natural_width(col) for col in essential}
        # From the natural widths: the last visible column is stretched to the edge (stretchLastSection).
        room = view.viewport().width() - sum(widths.values())
        for col, least in SHRINK_MIN_WIDTHS.items():
            if room < 0 and col in widths:
                give = min(-room, max(0, widths[col] - least))
                widths[col] -= give
                room += give
        for col in (c for c in HIDE_LAST if c < count):
            view.setColumnHidden(col, room < 0)
            if room < 0:
                room += widths.pop(col)
        for col in (c for c in SECONDARY_COLUMNS if c < count):
            width = min(self.natural_width(col), room)
            shown = width >= COLUMN_MIN_WIDTHS[col]
            view.setColumnHidden(col, not shown)
            if shown:
                widths[col] = width
                room -= width
        stretched = self._last_visible() if view.horizontalHeader().stretchLastSection() else -1
        for col, width in widths.items():
            if col != stretched and view.columnWidth(col) != width:
                view.setColumnWidth(col, width)


class WaitingRoomView(QTableView):
    """A table for väntrummet with its columns kept fitted (ColumnFit) from the start."""

    def setModel(self, model: Any) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        if model is not None and not self.property("waitingRoomColumnFit"):
            ColumnFit(self)
