"""A unit's status set by hand from the fleet board (context menu "Ändra status…", key S): the dialog, the
SetUnitStatus command (reason audited), the board showing the new status at once and, in demo mode, the
simulator told so its unit goes on from there (as assignments tell it).

A free status for a unit still assigned is refused by the command (UnitStillAssigned, naming the case): the
dispatcher is asked "Enheten … är larmad till ärende N – avsluta uppdraget?", and Ja ends the mission exactly as R
does (RecallUnit with the same reason: the case back in väntrummet with its waiting time, the unit's alert
cancelled), then sets the chosen status. A case never shows a unit dispatched that the board shows free."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from commands import RecallUnit, SetUnitStatus
from commands.dispatching import UnitStatusRecorded
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.unit_status_dialog import MISSION, UnitStatusDialog
from console.errors import user_message
from console.fleet_model import FleetTableModel
from console.tasks import CommandOp, DbExecutor
from dispatch.assignment import UnitStillAssigned
from records.actor import Actor
from resources.vocabulary import Role, UnitStatus

if TYPE_CHECKING:
    from console.dispatch.workspace import DispatchWorkspace


class UnitStatusActions(QObject):
    """Signals: `message(str, bool)` (text, is error) for the workspace's status line."""

    message = Signal(str, bool)
    _order_failed = Signal(str)

    def __init__(self, actor: Actor, executor: DbExecutor, units: FleetTableModel, feeds: LiveFeeds | None,
                 parent: QWidget):
        super().__init__(parent)
        self.actor, self.executor, self.units, self.feeds = actor, executor, units, feeds
        self.widget = parent
        self.dialog: UnitStatusDialog | None = None
        self.on_dialog: Callable[[UnitStatusDialog], None] | None = None  # tests: the dialog as it opens
        self.question: QMessageBox | None = None  # "avsluta uppdraget?" for a unit still assigned
        self.on_question: Callable[[QMessageBox], None] | None = None  # tests: the question as it opens
        self._order_failed.connect(lambda msg: self.message.emit(self.tr("Simulatorn: %s") % msg, True))

    @property
    def allowed(self) -> bool:
        return self.actor.may(Role.DISPATCHER, Role.PHYSICIAN)

    def open_for(self, unit_id: str | None) -> UnitStatusDialog | None:
        if not self.allowed:
            self.message.emit(self.tr("%s får inte ändra enheters status.") % self.actor.role.label, True)
            return None
        row = self.units.unit_by_id(unit_id) if unit_id else None
        if row is None:
            self.message.emit(self.tr("Välj först en enhet i enhetslistan."), True)
            return None
        self.dialog = dlg = UnitStatusDialog(row, self.widget)
        dlg.accepted.connect(lambda: self._send(row.id, row.case_id, dlg.choice()))
        dlg.open()
        if self.on_dialog is not None:
            self.on_dialog(dlg)
        return dlg

    def _send(self, unit_id: str, case_id: int | None, choice: tuple[UnitStatus, str] | None) -> None:
        if choice is None:
            return
        status, reason = choice
        cmd = SetUnitStatus(unit_id=unit_id, status=status, reason=reason,
                            case_id=case_id if status in MISSION else None)
        CommandOp(self.executor, self.actor, cmd).success(lambda r: self._on_set(r, reason)) \
            .failure(lambda exc: self._refused(exc, status, reason)).run()

    def _refused(self, exc: Exception, status: UnitStatus, reason: str) -> None:
        if isinstance(exc, UnitStillAssigned):
            self._ask_end_mission(exc.unit_id, exc.case_id, status, reason)
        else:
            self.message.emit(user_message(exc), True)

    def _ask_end_mission(self, unit_id: str, case_id: int, status: UnitStatus, reason: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Avsluta uppdraget?"),
                          self.tr("Enheten %s är larmad till ärende %d – avsluta uppdraget?") % (unit_id, case_id),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.widget)
        box.setObjectName("endMissionQuestion")
        box.setInformativeText(self.tr("Ja: %s återkallas från ärende %d, som går tillbaka till väntrummet med sin "
                                       "väntetid, och får statusen %s. Är ärendet klart: svara Nej och registrera "
                                       "utfallet (A) – då avslutas uppdraget med ärendet.")
                               % (unit_id, case_id, status.label))
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Ja, avsluta uppdraget"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Nej"))
        box.setDefaultButton(QMessageBox.StandardButton.No)  # Enter does not end a mission by mistake
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda answer: self._answered(answer, unit_id, case_id, status, reason))
        self.question = box
        box.open()
        if self.on_question is not None:
            self.on_question(box)

    def _answered(self, answer: int, unit_id: str, case_id: int, status: UnitStatus, reason: str) -> None:
        self.question = None
        if answer != QMessageBox.StandardButton.Yes:
            self.message.emit(self.tr("%s: statusen ändrades inte; enheten är kvar på ärende %d.")
                              % (unit_id, case_id), False)
            return
        live = self.units.unit_by_id(unit_id)
        current = None if live is None or live.stale else live.status
        cmd = RecallUnit(case_id=case_id, unit_id=unit_id, reason=reason, unit_status=current)  # as R recalls it
        CommandOp(self.executor, self.actor, cmd).success(lambda _v: self._recalled(unit_id, case_id, status, reason)) \
            .failure(lambda exc: self.message.emit(user_message(exc), True)).run()

    def _recalled(self, unit_id: str, case_id: int, status: UnitStatus, reason: str) -> None:
        if self.feeds is not None:
            self.feeds.alerts_due()  # the recall goes to the unit as its alert's cancel
        done = self.tr("%s återkallad; ärende %d är tillbaka i väntrummet med sin väntetid.") % (unit_id, case_id)
        cmd = SetUnitStatus(unit_id=unit_id, status=status, reason=reason)  # the free status the dispatcher chose
        CommandOp(self.executor, self.actor, cmd).success(lambda r: self._on_set(r, reason, done)) \
            .failure(lambda exc: self.message.emit(done + " " + user_message(exc), True)).run()

    def _on_set(self, r: UnitStatusRecorded, reason: str, before: str = "") -> None:
        fields: dict[str, Any] = {"status": r.new, "status_label": r.new.label, "flag": None}
        if r.new not in MISSION:
            fields["case_id"] = None
        self.units.update_units({r.unit_id: fields})  # the feed's next report of the unit takes over again
        text = self.tr("%s: %s → %s (skäl: %s).") % (r.unit_id, r.old.label, r.new.label, reason)
        self.message.emit(f"{before} {text}" if before else text, False)
        if self.feeds is not None:
            self._watch(self.feeds.tell_status(r.unit_id, r.new))

    def _watch(self, fut: Future[Any] | None) -> None:
        if fut is not None:
            fut.add_done_callback(lambda f: f.exception() is not None and self._order_failed.emit(str(f.exception())))


def install_unit_status(ws: DispatchWorkspace) -> UnitStatusActions:
    """Give the workspace's fleet board the manual status change; its messages go to the workspace's status
    line. Found again with `ws.findChild(UnitStatusActions)`."""
    actions = UnitStatusActions(ws.actor, ws.executor, ws.bridge.model, ws.feeds, ws)
    actions.setObjectName("unitStatusActions")
    actions.message.connect(lambda text, error: ws.show_banner(text, error=error))
    ws.board.status_requested.connect(actions.open_for)
    return actions
