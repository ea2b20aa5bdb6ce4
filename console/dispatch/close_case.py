"""Closing the selected case with a structured outcome from the console ("Avsluta ärende…", key A): nurses,
dispatchers and physicians alike, through RecordOutcome — the same codes the units report on their feeds, so the
case leaves väntrummet, its units are freed and its follow-up is scheduled exactly as for a feed outcome. For a
patient with a current care plan the dialog also asks whether the plan was followed; the plan is the one the case
panel read (audited), or read for the dialog when the panel has not read it yet."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from commands import RecordOutcome
from commands.base import CLINICAL_ROLES
from console.dispatch.case_panel import CasePanel
from console.dispatch.close_case_dialog import CloseCaseDialog
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.selection import CaseSelection
from console.errors import user_message
from console.fleet_model import FleetTableModel
from console.tasks import CommandOp, DbExecutor, DbOp
from outcomes.closing import OutcomeView
from records.actor import Actor
from records.care_plans import care_plan_for
from records.cases import CaseView
from records.personnummer import InvalidPersonnummer
from resources.care_plan import CarePlanView
from resources.geography import Geography

PlanOf = Callable[[int], tuple[bool, CarePlanView | None]]  # case id → (known, the patient's plan)

if TYPE_CHECKING:
    from console.dispatch.workspace import DispatchWorkspace

log = logging.getLogger("larmcentral.console.dispatch")


class CloseCaseActions(QObject):
    """Signals: `message(str, bool)` (text, is error); `closed(int)` once a case is closed."""

    message = Signal(str, bool)
    closed = Signal(int)

    def __init__(self, actor: Actor, executor: DbExecutor, selection: CaseSelection, geography: Geography,
                 parent: QWidget, *, units: FleetTableModel | None = None, feeds: LiveFeeds | None = None):
        super().__init__(parent)
        self.actor, self.executor, self.selection, self.geography = actor, executor, selection, geography
        self.units, self.feeds = units, feeds
        self.widget = parent
        self.dialog: CloseCaseDialog | None = None
        self.on_dialog: Callable[[CloseCaseDialog], None] | None = None  # tests: the dialog as it opens
        self.plan_of: PlanOf = lambda _case_id: (False, None)  # what the case panel read (install_close_case)

    @property
    def allowed(self) -> bool:
        return self.actor.may(*CLINICAL_ROLES)

    def open_dialog(self) -> CloseCaseDialog | None:
        if not self.allowed:
            self.message.emit(self.tr("%s får inte registrera utfall.") % self.actor.role.label, True)
            return None
        case = self.selection.case
        if case is None:
            self.message.emit(self.tr("Välj först ett ärende i väntrummet."), True)
            return None
        known, plan = self.plan_of(case.id) if case.personnummer else (True, None)
        if known:
            return self._open(case, plan)
        actor = self.actor

        def read(s: Any) -> CarePlanView | None:
            try:
                return care_plan_for(s, actor, case.personnummer or "")
            except InvalidPersonnummer:
                return None

        DbOp(self.executor, read).success(lambda p: self._open_if_selected(case, p)) \
            .failure(lambda exc: self.message.emit(user_message(exc), True)).run()
        return None

    def _open_if_selected(self, case: CaseView, plan: CarePlanView | None) -> None:
        if self.selection.case is not None and self.selection.case.id == case.id:
            self._open(case, plan)

    def _open(self, case: CaseView, plan: CarePlanView | None) -> CloseCaseDialog:
        sent = sorted(self.selection.assigned_parts.values())
        self.dialog = dlg = CloseCaseDialog(case, sent, self.geography, self.widget, plan=plan)
        dlg.accepted.connect(lambda: self._send(case, dlg.choice(), sent, dlg.plan_answer()))
        dlg.open()
        if self.on_dialog is not None:
            self.on_dialog(dlg)
        return dlg

    def _send(self, case: CaseView, choice: tuple[str, str | None, str | None] | None, sent: list[str],
              plan: tuple[str | None, str | None] = (None, None)) -> None:
        if choice is None:
            return
        code, destination, note = choice
        followed, reason = plan
        CommandOp(self.executor, self.actor, RecordOutcome(case_id=case.id, code=code, destination=destination,
                                                           note=note, plan_followed=followed,  # type: ignore[arg-type]
                                                           plan_reason=reason)) \
            .success(lambda v: self._on_closed(case, v, sent)) \
            .failure(lambda exc: self.message.emit(user_message(exc), True)).run()

    def _on_closed(self, case: CaseView, view: OutcomeView, sent: list[str]) -> None:
        where = ""
        if view.destination:
            eds = {e.code: e.name for e in self.geography.emergency_departments}
            where = f" ({eds.get(view.destination, view.destination)})"
        self.message.emit(self.tr("Ärende %d avslutat: %s%s.") % (case.id, view.label, where), False)
        self.closed.emit(case.id)
        if sent and self.feeds is not None:
            # Closing the case cancelled its units' alerts (reason case_closed, docs/alert-protocol.md): a unit
            # still on its way turns back, one already there finishes (the outcome it reports is ignored).
            self.feeds.alerts_due()


def install_close_case(ws: DispatchWorkspace) -> CloseCaseActions:
    """The workspace's "Avsluta ärende… (A)" beside its dispatch buttons, and the key A; messages go to its
    status line, and the closed case leaves väntrummet at once. Found again with `ws.findChild(CloseCaseActions)`."""
    actions = CloseCaseActions(ws.actor, ws.executor, ws.selection, ws.geography, ws, units=ws.bridge.model,
                               feeds=ws.feeds)
    actions.setObjectName("closeCaseActions")
    actions.plan_of = lambda case_id: _plan_read(ws, case_id)
    actions.message.connect(lambda text, error: ws.show_banner(text, error=error))
    actions.closed.connect(lambda _id: ws.refresh())
    button = QPushButton(ws.tr("Avsluta ärende… (A)"), objectName="closeCaseButton")
    button.clicked.connect(actions.open_dialog)
    button.setEnabled(actions.allowed)
    if not actions.allowed:
        button.setToolTip(ws.tr("%s får inte registrera utfall.") % ws.actor.role.label)
    row = _button_row(ws)
    if row is not None:
        row.addWidget(button)
    key = QShortcut(QKeySequence("A"), ws, activated=actions.open_dialog)
    key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    return actions


def _plan_read(ws: DispatchWorkspace, case_id: int) -> tuple[bool, CarePlanView | None]:
    """The patient's plan as the case panel read it for `case_id`, else as the selection's context did; (False, None)
    when neither has read it for this case yet."""
    panel = ws.findChild(CasePanel)
    if panel is not None and panel.detail is not None and panel.detail.case.id == case_id:
        return True, panel.detail.care_plan
    sel = ws.selection
    if sel.case is not None and sel.case.id == case_id and sel.context is not None and sel.context.care_plan:
        return True, sel.context.care_plan
    return False, None


def _button_row(ws: DispatchWorkspace) -> QHBoxLayout | None:
    """The layout holding the workspace's dispatch buttons."""
    parent = ws.recall_button.parentWidget()
    stack = [parent.layout()] if parent is not None and parent.layout() is not None else []
    while stack:
        layout = stack.pop()
        if isinstance(layout, QHBoxLayout) and layout.indexOf(ws.recall_button) >= 0:
            return layout
        stack += [layout.itemAt(i).layout() for i in range(layout.count()) if layout.itemAt(i).layout() is not None]
    return None
