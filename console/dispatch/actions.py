"""Assigning and recalling units for the selected case: the dialog, the one-key assignment of the
recommended unit, the database operations and what the dispatcher is told. The units hear of it as alerts stored
with the assignment (commands/unit_alerts.py, docs/alert-protocol.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QWidget
from sqlalchemy.orm import Session, sessionmaker

from commands import AssignUnit, Command, ReassignUnit, RecallUnit
from commands.retry import run_retrying
from console.dispatch.assign_dialog import AssignChoice, AssignDialog, is_busy
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.selection import CaseSelection
from console.errors import user_message
from console.fleet_model import FleetTableModel
from console.tasks import CommandOp, DbExecutor
from dispatch.assignment import AssignmentConflict, AssignResult, UnitBusy
from dispatch.recommendation_model import ResourceRecommendation
from records.actor import Actor
from records.cases import CaseView


class AssignmentActions(QObject):
    """Signals: `message(str, bool)` (text, is error); `failed()` when the database refused an
    action, so väntrummet and the selected case are re-read.

    `ask_text` and `ask_item` put the questions (replaceable in tests)."""

    message = Signal(str, bool)
    failed = Signal()

    def __init__(self, actor: Actor, executor: DbExecutor, selection: CaseSelection, units: FleetTableModel,
                 feeds: LiveFeeds | None, parent: QWidget):
        super().__init__(parent)
        self.actor, self.executor, self.selection, self.units, self.feeds = actor, executor, selection, units, feeds
        self.widget = parent  # the dialogs' parent
        self.dialog: AssignDialog | None = None
        self.ask_text: Callable[[str, str], str | None] = self._ask_text
        self.ask_item: Callable[[str, str, list[str]], str | None] = self._ask_item

    def open_assign_dialog(self) -> AssignDialog | None:
        if not self._ready_to_assign():
            return None
        sel = self.selection
        assert sel.case is not None and sel.recommendation is not None
        self.dialog = AssignDialog(sel.case, sel.recommendation, dict(sel.assigned_parts), self.units.unit_by_id,
                                   self.widget)
        dlg = self.dialog
        dlg.accepted.connect(lambda: self.perform(dlg.choice()))
        dlg.open()
        return dlg

    def unit_activated(self, unit_id: str) -> None:
        """Double-click on the board: assign that unit to the selected case (via the dialog)."""
        dlg = self.dialog if self.dialog is not None and self.dialog.isVisible() else self.open_assign_dialog()
        if dlg is not None and not dlg.select_unit(unit_id):
            dlg.other.setText(unit_id)

    def assign_recommended(self) -> None:
        """One key: send the recommended unit of every part that has no unit yet — a cardiac arrest's ambulance
        and its IVPA unit at once — each as its own AssignUnit (own id), in one job on the database worker. The
        status line says what was sent, and which part still waits and why."""
        if not self._ready_to_assign():
            return
        sel = self.selection
        case, rec = sel.case, sel.recommendation
        assert case is not None and rec is not None
        choices: list[AssignChoice] = []
        waiting: list[str] = []
        busy_unit: str | None = None
        for p in rec.parts:
            o = p.recommended
            if p.part in sel.assigned_parts or (o is not None and o.kind == "remote"):
                continue
            if o is None or o.unit_id is None:
                waiting.append(self.tr("%s: ingen enhet rekommenderas") % part_name(p.part))
                continue
            left = is_busy(o, case.id)
            if left is not None:  # a busy unit needs the confirmation in the dialog
                busy_unit = busy_unit or o.unit_id
                waiting.append(self.tr("%s: %s är upptagen med ärende %d – välj enhet i Dirigera… (D)")
                               % (part_name(p.part), o.unit_id, left))
                continue
            choices.append(AssignChoice(part=p.part, unit_id=o.unit_id, recommended=True, deviation_reason=None,
                                        confirm_leave_case=False, unit_status=None if o.stale else o.unit_status,
                                        reassign=False))
        if choices:
            self._send_all(case, rec, choices, waiting)
        elif busy_unit is not None:
            dlg = self.open_assign_dialog()
            if dlg is not None:
                dlg.select_unit(busy_unit)
        else:
            self._error(self.tr("Alla delar av ärende %d har redan en enhet, eller ingen enhet rekommenderas.")
                        % case.id)

    def _send_all(self, case: CaseView, rec: ResourceRecommendation, choices: list[AssignChoice],
                  waiting: list[str]) -> None:
        shown = rec.model_dump(mode="json")
        cmds = [AssignUnit(case_id=case.id, unit_id=c.unit_id, part=c.part, recommendation_shown=shown,
                           unit_status=c.unit_status) for c in choices]
        actor = self.actor

        def job(factory: sessionmaker[Session]) -> list[tuple[AssignUnit, AssignResult | Exception]]:
            sent: list[tuple[AssignUnit, AssignResult | Exception]] = []
            for cmd in cmds:  # each in its own transaction: one refused part does not hold back the others
                try:
                    sent.append((cmd, cast(AssignResult, run_retrying(factory, actor, cmd))))
                except Exception as exc:  # noqa: BLE001 - told per part in the status line
                    sent.append((cmd, exc))
            return sent

        self.executor.submit_writes(job, lambda sent: self._on_all_sent(case, sent, waiting), self._on_failed,
                                    changes="cases")

    def _on_all_sent(self, case: CaseView, sent: list[tuple[AssignUnit, AssignResult | Exception]],
                     waiting: list[str]) -> None:
        done = [r for _c, r in sent if isinstance(r, AssignResult)]
        failed = [(c, r) for c, r in sent if isinstance(r, Exception)]
        parts: list[str] = []
        if done:
            parts.append(self.tr("Larmade %s till ärende %d.") % (swedish_list([r.assignment.unit_id for r in done]),
                                                                  case.id))
        for c, exc in failed:
            parts.append(self.tr("%s: %s larmades inte – %s") % (part_name(c.part), c.unit_id, self._refusal(exc)))
        if waiting:
            parts.append(self.tr("Väntar: %s.") % "; ".join(waiting))
        self.message.emit(" ".join(parts), bool(failed or waiting))
        if done and self.feeds is not None:
            self.feeds.alerts_due()  # the units are alerted from the database (docs/alert-protocol.md): now
        if failed:
            self.failed.emit()

    def _ready_to_assign(self) -> bool:
        if self.selection.case is None:
            self._error(self.tr("Välj först ett ärende i väntrummet."))
            return False
        if self.selection.recommendation is None:
            self._error(self.selection.recommendation_error or self.tr("Rekommendationen laddas, försök igen."))
            return False
        return True

    def perform(self, choice: AssignChoice | None) -> None:
        case, rec, actor = self.selection.case, self.selection.recommendation, self.actor
        if choice is None or case is None or rec is None:
            return

        shown = rec.model_dump(mode="json")
        cmd: Command
        if choice.reassign:
            cmd = ReassignUnit(case_id=case.id, part=choice.part, new_unit_id=choice.unit_id, recommendation_shown=shown,
                               deviation_reason=choice.deviation_reason, confirm_leave_case=choice.confirm_leave_case,
                               unit_status=choice.unit_status)
        else:
            cmd = AssignUnit(case_id=case.id, unit_id=choice.unit_id, part=choice.part, recommendation_shown=shown,
                             deviation_reason=choice.deviation_reason, confirm_leave_case=choice.confirm_leave_case,
                             unit_status=choice.unit_status)
        held = dict(self.selection.assigned_parts)
        CommandOp(self.executor, actor, cmd).success(lambda r: self._on_assigned(case, r, rec, held)) \
            .failure(self._on_failed).run()

    def _on_assigned(self, case: CaseView, result: AssignResult, rec: ResourceRecommendation | None = None,
                     held: dict[str, str] | None = None) -> None:
        a = result.assignment
        text = self.tr("%s larmad till ärende %d.") % (a.unit_id, case.id)
        if result.deviation:
            text += self.tr(" Avvikelse från rekommendationen registrerad för RLS-granskning.")
        if result.left_case_id is not None:
            text += self.tr(" Ärende %d är tillbaka i väntrummet.") % result.left_case_id
        # One part sent from the dialog: the parts still without a unit (a cardiac arrest's IVPA) are named, so a
        # half-dispatched case is never mistaken for a done one.
        left = unsent_parts(rec, {**(held or {}), a.part: a.unit_id}) if rec is not None else []
        if left:
            text += self.tr(" Väntar fortfarande: %s – Shift+D larmar den rekommenderade enheten.") % swedish_list(
                [part_name(p) for p in left])
        self.message.emit(text, bool(left))
        if self.feeds is not None:
            self.feeds.alerts_due()  # the alert was stored with the assignment; the sender sends it now

    def _on_failed(self, exc: Exception) -> None:
        self._error(self._refusal(exc))
        self.failed.emit()

    def _refusal(self, exc: Exception) -> str:
        if isinstance(exc, UnitBusy):
            return self.tr("Enheten är upptagen: %s") % exc
        if isinstance(exc, AssignmentConflict):
            return self.tr("Konflikt med en annan konsol – ingenting ändrades. %s") % exc
        return user_message(exc)

    def recall_unit(self) -> None:
        case, actor, assigned = self.selection.case, self.actor, self.selection.assigned_parts
        if case is None or not assigned:
            self._error(self.tr("Välj ett dirigerat ärende för att återkalla en enhet."))
            return
        units = list(assigned.values())
        unit_id = units[0] if len(units) == 1 else self.ask_item(
            self.tr("Återkalla enhet"), self.tr("Vilken enhet ska återkallas från ärende %d?") % case.id, units)
        if not unit_id:
            return
        reason = self.ask_text(self.tr("Återkalla enhet"),
                               self.tr("Skäl för att återkalla %s från ärende %d:") % (unit_id, case.id))
        if reason is None:
            return
        live = self.units.unit_by_id(unit_id)
        status = None if live is None or live.stale else live.status
        CommandOp(self.executor, actor, RecallUnit(case_id=case.id, unit_id=unit_id, reason=reason, unit_status=status)) \
            .success(lambda _v: self._on_recalled(case, unit_id)).failure(self._on_failed).run()

    def _on_recalled(self, case: CaseView, unit_id: str) -> None:
        self.message.emit(self.tr("%s återkallad; ärende %d är tillbaka i väntrummet med sin väntetid.")
                          % (unit_id, case.id), False)
        if self.feeds is not None:
            self.feeds.alerts_due()  # the recall goes to the unit as its alert's cancel

    def _error(self, text: str) -> None:
        self.message.emit(text, True)

    def _ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self.widget, title, label)
        return text.strip() if ok and text.strip() else None

    def _ask_item(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self.widget, title, label, items, 0, False)
        return item if ok else None


def unsent_parts(rec: ResourceRecommendation, held: dict[str, str]) -> list[str]:
    """The parts of the recommendation that need a unit and have none yet (a remote answer needs no unit)."""
    return [p.part for p in rec.parts if p.part not in held
            and not (p.recommended is not None and p.recommended.kind == "remote")]


def part_name(part: str) -> str:
    """A care-need part as the dispatcher reads it: its role, or the main response."""
    return part or "Huvudinsatsen"


def swedish_list(items: list[str]) -> str:
    """"A", "A och B", "A, B och C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]
