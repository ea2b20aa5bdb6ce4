"""The units' alerts on the dispatcher's screen (docs/alert-protocol.md): each assigned case's row — and, for the
selected case, each unit in the case panel — says how far its units' alerts got (ej skickat, skickat, kvitterad,
accepterad, ej kvitterad), and every alert not acknowledged in time, refused by the unit's system, or declined by its
crew raises the console's alert (F2 acknowledges it).

Read on the database worker after each re-read of väntrummet (a unit's answer is a command: its change names the
case) and every few seconds (a first send changes no case). What is read is no patient data — units, states, times —
so it is not audited."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from console.tasks import DbExecutor, DbOp
from dispatch.alerting.store import AlertView, alert_problems, alert_views
from records.case_state import CaseStatus

if TYPE_CHECKING:
    from console.dispatch.workspace import DispatchWorkspace

POLL_EVERY_S = 2  # seconds between reads while assigned cases are shown


class UnitAlertWatch(QObject):
    """Signal `read(by_case, problems)`: {case id: [AlertView of its active assignments]} and the alert problems."""

    read = Signal(object, object)

    def __init__(self, executor: DbExecutor, parent: QObject | None = None):
        super().__init__(parent)
        self.executor = executor
        self._running = self._again = False
        self._ticks = 0

    def refresh(self, case_ids: list[int]) -> None:
        if self._running:
            self._again = True
            return
        self._running, self._again = True, False
        ids = sorted(set(case_ids))

        def job(session: Any) -> tuple[dict[int, list[AlertView]], list[AlertView]]:
            by_case: dict[int, list[AlertView]] = defaultdict(list)
            for v in alert_views(session, ids):
                if v.cancelled_at is None:  # the alerts of the case's active assignments
                    by_case[v.case_id].append(v)
            return dict(by_case), alert_problems(session)

        def done(result: tuple[dict[int, list[AlertView]], list[AlertView]]) -> None:
            self._running = False
            self.read.emit(*result)

        def failed(_exc: Exception) -> None:  # the next re-read tries again; väntrummet says what is wrong
            self._running = False

        DbOp(self.executor, job).success(done).failure(failed).run()

    def tick(self, case_ids: list[int]) -> None:
        """Once a second: a read every POLL_EVERY_S seconds, or at once when one was asked for while reading."""
        self._ticks += 1
        if self._again or self._ticks % POLL_EVERY_S == 0:
            self.refresh(case_ids)


def install_unit_alerts(ws: DispatchWorkspace) -> UnitAlertWatch:
    """Give the workspace its units' alert states and alerts; found again with `ws.findChild(UnitAlertWatch)`."""
    watch = UnitAlertWatch(ws.executor, ws)
    watch.setObjectName("unitAlertWatch")

    def assigned() -> list[int]:
        return [c.id for c in ws.waiting_model.cases() if c.status is CaseStatus.ASSIGNED]

    from console.dispatch.case_panel import CasePanel

    panel = ws.findChild(CasePanel)

    def state_of(unit_id: str) -> str | None:
        case_id = panel.case_id if panel is not None else None
        views = ws.waiting_model.unit_alerts(case_id) if case_id is not None else []
        return next((v.label for v in views if v.unit_id == unit_id), None)

    def show(by_case: dict[int, list[AlertView]], problems: list[AlertView]) -> None:
        case_id = panel.case_id if panel is not None else None
        before = ws.waiting_model.unit_alerts(case_id) if case_id is not None else []
        ws.waiting_model.set_unit_alerts(by_case)
        ws.alerts.unit_alerts(problems)
        if panel is not None and case_id is not None and by_case.get(case_id, []) != before:
            panel.alerts_changed()

    if panel is not None:
        panel.alert_state = state_of
    watch.read.connect(show)
    ws.cases_shown.connect(lambda: watch.refresh(assigned()))
    ws.clock_timer.timeout.connect(lambda: watch.tick(assigned()))
    return watch
