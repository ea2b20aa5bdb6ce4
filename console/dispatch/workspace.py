"""The dispatcher's workspace (dirigering): väntrummet, the selected case's recommendation and the
actions on it, plus the map and the fleet board (embedded, or taken out as docks by the shell)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.calltaking.wrapping_tree import WrappingDelegate
from console.complaint_names import complaint_name
from console.dispatch.assign_dialog import AssignChoice, AssignDialog, is_busy, option_text, part_title
from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.feed_outcomes import FeedOutcomeApplier
from console.dispatch.fleet_board import FleetBoard
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.map_view import SkaneMap
from console.dispatch.recommendation import live_snapshot, recommend_for_case
from console.dispatch.targets import WaitTargets, load_targets
from console.dispatch.waiting_room import WaitingRoomModel, WaitingRoomView
from console.errors import user_message
from console.tasks import DbExecutor, DbOp
from dispatch.assignment import (
    AssignmentConflict,
    AssignResult,
    UnitBusy,
    active_assignments,
    active_missions,
    assign,
    first_assigned_at,
    reassign,
    recall,
)
from dispatch.recommendation_model import ResourceRecommendation
from records.actor import Actor
from records.cases import CaseStatus, CaseView, get_case, list_cases
from records.patients import lookup_context
from resources.fleet import Fleet
from resources.geography import Geography
from resources.patient_context import PatientContext
from resources.vocabulary import Role

log = logging.getLogger("larmcentral.console.dispatch")
OPEN_STATUSES = (CaseStatus.WAITING, CaseStatus.ASSIGNED)
OK_STYLE = "QLabel { background: #1f3d2a; color: #e6edf3; padding: 6px; border-radius: 3px; }"
ERROR_STYLE = ("QLabel { background: #6e1b1e; color: #ffffff; padding: 6px; border: 1px solid #e5484d;"
               " border-radius: 3px; font-weight: bold; }")


class DispatchWorkspace(QWidget):
    """Signals: `status_message(str)` for the shell's status bar; `case_selected(int)`.

    Take `self.map` and `self.board` out as dock widgets with `take_panes()` if the shell docks them.
    """

    status_message = Signal(str)
    case_selected = Signal(int)
    _order_failed = Signal(str)  # a simulator order failed on its worker thread

    def __init__(self, actor: Actor, executor: DbExecutor, bridge: FeedBridge, *, fleet: Fleet,
                 geography: Geography, feeds: LiveFeeds | None = None, targets: WaitTargets | None = None,
                 refresh_ms: int = 5000, apply_outcomes: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dispatchWorkspace")
        self.actor, self.executor, self.bridge, self.feeds = actor, executor, bridge, feeds
        self.fleet, self.geography = fleet, geography
        self.ask_text: Callable[[str, str], str | None] = self._ask_text  # replaceable in tests
        self.ask_item: Callable[[str, str, list[str]], str | None] = self._ask_item
        self.selected: CaseView | None = None
        self.context: PatientContext | None = None
        self.assigned_parts: dict[str, str] = {}
        self.recommendation: ResourceRecommendation | None = None
        self.recommendation_error: str | None = None
        self.dialog: AssignDialog | None = None
        self._units_dirty = False
        self._audited_ids: frozenset[int] | None = None  # the väntrummet ids last audited for this user

        self.waiting_model = WaitingRoomModel(targets or load_targets())
        self.waiting = WaitingRoomView(objectName="waitingRoom")  # keeps its columns fitted to its width
        self.waiting.setModel(self.waiting_model)
        self.waiting.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.waiting.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.waiting.verticalHeader().setVisible(False)
        self.waiting.horizontalHeader().setStretchLastSection(True)
        self.waiting.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.waiting.setWordWrap(False)  # one line per case; long text is elided with a tooltip
        self.waiting.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.waiting.doubleClicked.connect(lambda _i: self.open_assign_dialog())

        self.detail = QLabel(self.tr("Välj ett ärende i väntrummet."), objectName="caseDetail")
        self.detail.setWordWrap(True)
        self.rec_tree = QTreeWidget(objectName="recommendationTree")
        self.rec_tree.setHeaderLabels([self.tr("Enhet"), self.tr("Typ"), self.tr("Framme"), self.tr("Status"),
                                       self.tr("Skäl")])
        self.rec_tree.setRootIsDecorated(False)
        self.rec_tree.setItemDelegate(WrappingDelegate(self.rec_tree))  # reasons wrap, not cut off
        self.banner = QLabel(objectName="dispatchBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.assign_button = QPushButton(self.tr("Dirigera… (D)"), objectName="assignButton")
        self.assign_rec_button = QPushButton(self.tr("Dirigera rekommenderad (Skift+D)"), objectName="assignRecButton")
        self.recall_button = QPushButton(self.tr("Återkalla enhet (R)"), objectName="recallButton")
        self.assign_button.clicked.connect(self.open_assign_dialog)
        self.assign_rec_button.clicked.connect(self.assign_recommended)
        self.recall_button.clicked.connect(self.recall_unit)
        may = actor.may(Role.DISPATCHER, Role.PHYSICIAN)
        for b in (self.assign_button, self.assign_rec_button, self.recall_button):
            b.setEnabled(may)
            if not may:
                b.setToolTip(self.tr("%s får inte dirigera enheter.") % actor.role.label)

        self.map = SkaneMap(geography, bridge.model)
        self.map.case_clicked.connect(self.select_case_id)
        self.board = FleetBoard(bridge.model)
        self.board.unit_activated.connect(self._on_unit_activated)
        bridge.health_changed.connect(self.board.health.set_health)
        bridge.units_changed.connect(self._on_units_changed)
        self._order_failed.connect(lambda msg: self.show_banner(self.tr("Simulatorn: %s") % msg, error=True))
        executor.changed.connect(lambda topic: topic == "cases" and self.refresh())
        # Outcomes the units report close their cases (as the system user; see outcomes.system_jobs).
        self.outcome_applier: FeedOutcomeApplier | None = None
        if feeds is not None and apply_outcomes:
            self.outcome_applier = FeedOutcomeApplier(executor, feeds.outcomes, parent=self)
            self.outcome_applier.message.connect(lambda text: self.show_banner(text, error=True))
            self.outcome_applier.applied.connect(self._on_outcome_applied)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(4, 4, 4, 4)
        title = QLabel(self.tr("Väntrummet"))
        title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        lv.addWidget(title)
        lv.addWidget(self.waiting, 3)
        lv.addWidget(self.detail)
        lv.addWidget(self.rec_tree, 2)
        buttons = QHBoxLayout()
        for b in (self.assign_button, self.assign_rec_button, self.recall_button):
            buttons.addWidget(b)
        lv.addLayout(buttons)
        lv.addWidget(self.banner)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.map)
        self.right.addWidget(self.board)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 880])  # väntrummet wide enough for its columns at 1600 px
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)

        for key, slot in (("D", self.open_assign_dialog), ("Shift+D", self.assign_recommended),
                          ("R", self.recall_unit), ("F5", self.refresh)):
            sc = QShortcut(QKeySequence(key), self, activated=slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.refresh_timer = QTimer(self, interval=refresh_ms, timeout=self.refresh)
        self.clock_timer = QTimer(self, interval=1000, timeout=self._second)

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.bridge.start()
        if self.outcome_applier is not None:
            self.outcome_applier.start()
        if self.feeds is not None and self.feeds.simulator is not None:
            self._brief_simulator()
        self.refresh()
        self.refresh_timer.start()
        self.clock_timer.start()

    def shutdown(self) -> None:
        """Stop timers, the feed services and their threads (the DB executor belongs to the shell)."""
        self.refresh_timer.stop()
        self.clock_timer.stop()
        if self.outcome_applier is not None:
            self.outcome_applier.stop()
        self.bridge.stop()

    def _brief_simulator(self) -> None:
        """Demo: the simulated units take up the assignments already in the database (so the board,
        the map and, in time, the outcomes over the feed match väntrummet)."""
        feeds = self.feeds
        assert feeds is not None

        def tell(rows: list[tuple[str, int, float, float, str]]) -> None:
            def brief(sim: Any) -> None:
                for row in rows:
                    try:
                        sim.assign(*row)
                    except Exception as exc:  # noqa: BLE001 - a unit off duty in the simulator: leave it
                        log.info("simulator not briefed on %s: %s", row[0], exc)

            feeds.order(brief)

        DbOp(self.executor, active_missions).success(tell).failure(self._on_error).run()

    def take_panes(self) -> dict[str, tuple[str, QWidget]]:
        """Detach the map and the fleet board for docking: {objectName: (Swedish title, widget)}."""
        self.map.setParent(None)
        self.board.setParent(None)
        return {"dispatchMapDock": (self.tr("Karta"), self.map), "fleetBoardDock": (self.tr("Enheter"), self.board)}

    # --- väntrummet ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read väntrummet. The listing is audited when the set of cases shown changes, not on
        every 5-second refresh; opening a case is audited on its own (`_load_case`)."""
        actor, seen = self.actor, self._audited_ids

        def job(s: Any) -> tuple[list[CaseView], dict[int, datetime]]:
            cases = list_cases(s, actor, OPEN_STATUSES, unchanged_from=seen)
            assigned = [c.id for c in cases if c.status is CaseStatus.ASSIGNED]
            return cases, first_assigned_at(s, assigned)

        DbOp(self.executor, job).success(lambda r: self._set_cases(*r)).failure(self._on_error).run()

    def _set_cases(self, cases: list[CaseView], assigned_at: dict[int, datetime] | None = None) -> None:
        self._audited_ids = frozenset(c.id for c in cases)
        keep = self.selected.id if self.selected else None
        self.waiting.selectionModel().blockSignals(True)
        try:
            self.waiting_model.set_cases(cases, assigned_at or {})
            row = self.waiting_model.row_of(keep) if keep is not None else None
            if row is not None:
                self.waiting.selectionModel().setCurrentIndex(
                    self.waiting_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self.waiting.selectionModel().blockSignals(False)
        self.map.set_cases(self.waiting_model.cases())
        if keep is not None:
            fresh = next((c for c in cases if c.id == keep), None)
            if fresh is None:
                self._clear_selection()
            elif fresh.status != self.selected.status or fresh.updated_at != self.selected.updated_at:  # type: ignore[union-attr]
                self._load_case(fresh)
            else:
                self.map.select_case(keep, self._route_targets())
        self.waiting.viewport().update()

    def _second(self) -> None:
        self.waiting_model.tick()
        if self._units_dirty and self.selected is not None and self.context is not None:
            self._units_dirty = False
            self.recompute()

    def select_case_id(self, case_id: int) -> None:
        row = self.waiting_model.row_of(case_id)
        if row is not None:
            self.waiting.setCurrentIndex(self.waiting_model.index(row, 0))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._clear_selection()
            return
        self._load_case(self.waiting_model.case(current.row()))

    def _clear_selection(self) -> None:
        self.selected, self.context, self.recommendation = None, None, None
        self.assigned_parts = {}
        self.rec_tree.clear()
        self.detail.setText(self.tr("Välj ett ärende i väntrummet."))
        self.map.select_case(None)

    def _load_case(self, case: CaseView) -> None:
        self.selected, self.context = case, None
        self.case_selected.emit(case.id)
        actor = self.actor

        def load(s: Any) -> tuple[PatientContext, dict[str, str]]:
            get_case(s, actor, case.id)  # opening a case is a read of it: audited
            ctx = lookup_context(s, actor, case.personnummer, age=case.patient_age)
            return ctx, {a.part: a.unit_id for a in active_assignments(s, case.id)}

        DbOp(self.executor, load).success(lambda r, cid=case.id: self._on_case_loaded(cid, *r)) \
            .failure(self._on_error).run()

    def _on_case_loaded(self, case_id: int, context: PatientContext, assigned: dict[str, str]) -> None:
        if self.selected is None or self.selected.id != case_id:
            return  # the dispatcher moved on meanwhile
        self.context, self.assigned_parts = context, assigned
        self.recompute()

    # --- recommendation -----------------------------------------------------------------------------
    def recompute(self) -> None:
        """The recommendation for the selected case against the fleet as the feeds say now."""
        case = self.selected
        if case is None:
            return
        self.rec_tree.clear()
        try:
            self.recommendation = recommend_for_case(case, self.context,
                                                     live_snapshot(self.fleet, self.bridge.state))
            self.recommendation_error = None
        except ValueError as exc:
            self.recommendation, self.recommendation_error = None, str(exc)
        held = ", ".join(f"{u} ({part_title_of(p)})" for p, u in self.assigned_parts.items()) or "ingen"
        prio = case.priority or "–"
        patient = case.patient_name or self.tr("patient okänd")
        self.detail.setText(self.tr("Ärende %d · Prio %s · %s · %s · %s · %s\nDirigerade enheter: %s")
                            % (case.id, prio, case.kommun or "okänd kommun", complaint_name(case.complaint),
                               case.address, patient, held))
        if self.recommendation is None:
            QTreeWidgetItem(self.rec_tree, [self.recommendation_error or "", "", "", "", ""])
            self.map.select_case(case.id)
            return
        for p in self.recommendation.parts:
            held = self.assigned_parts.get(p.part)
            title = QTreeWidgetItem(self.rec_tree, [part_title(p) + (f" – dirigerad: {held}" if held else "")])
            title.setFirstColumnSpanned(True)  # a heading across the tree, not a tall row in a narrow column
            title.setToolTip(0, p.message)
            bold = title.font(0)
            bold.setBold(True)
            title.setFont(0, bold)
            if held:  # the part has its unit: show that one, no longer a ★ recommendation
                QTreeWidgetItem(self.rec_tree, self._held_text(held))
                continue
            for i, o in enumerate(p.ranking()[:4]):
                item = QTreeWidgetItem(self.rec_tree, option_text(o))
                if i == 0 and o is p.recommended:
                    item.setText(0, "★ " + item.text(0))
            if p.coverage_warning:
                warn = QTreeWidgetItem(self.rec_tree, ["⚠ " + p.coverage_warning])
                warn.setFirstColumnSpanned(True)
        for col, widest in enumerate((230, 110, 70, 140)):  # leave room for the reasons
            self.rec_tree.resizeColumnToContents(col)
            self.rec_tree.setColumnWidth(col, min(self.rec_tree.columnWidth(col), widest))
        self.map.select_case(case.id, self._route_targets())

    def _held_text(self, unit_id: str) -> list[str]:
        """The row for a unit already assigned to the selected case, with its live status."""
        u = self.bridge.model.unit_by_id(unit_id)
        if u is None:
            return [f"✓ {unit_id}", "", "", "", self.tr("Dirigerad till ärendet")]
        status = self.tr("ingen kontakt") if u.stale else (u.status_label or (u.status.label if u.status else ""))
        return [f"✓ {unit_id}  {u.name}", u.type_name, "", status, self.tr("Dirigerad till ärendet")]

    def _route_targets(self) -> list[tuple[float, float]]:
        out = []
        if self.recommendation is not None:
            for p in self.recommendation.parts:  # the assigned unit where there is one, else the ★ one
                unit_id = self.assigned_parts.get(p.part) or (p.recommended.unit_id if p.recommended else None)
                u = self.bridge.model.unit_by_id(unit_id) if unit_id else None
                if u is not None:
                    out.append((u.lon, u.lat))
        return out

    def _on_units_changed(self, _ids: set[str]) -> None:
        self.map.redraw_units()
        self._units_dirty = True  # the recommendation is recomputed at most once a second

    # --- actions ------------------------------------------------------------------------------------
    def open_assign_dialog(self) -> AssignDialog | None:
        if not self._ready_to_assign():
            return None
        assert self.selected is not None and self.recommendation is not None
        self.dialog = AssignDialog(self.selected, self.recommendation, dict(self.assigned_parts),
                                   self.bridge.model.unit_by_id, self)
        dlg = self.dialog
        dlg.accepted.connect(lambda: self.perform(dlg.choice()))
        dlg.open()
        return dlg

    def _on_unit_activated(self, unit_id: str) -> None:
        """Double-click on the board: assign that unit to the selected case (via the dialog)."""
        dlg = self.dialog if self.dialog is not None and self.dialog.isVisible() else self.open_assign_dialog()
        if dlg is not None and not dlg.select_unit(unit_id):
            dlg.other.setText(unit_id)

    def assign_recommended(self) -> None:
        """One key: send the recommended unit of the first part that has no unit yet."""
        if not self._ready_to_assign():
            return
        assert self.selected is not None and self.recommendation is not None
        for p in self.recommendation.parts:
            o = p.recommended
            if p.part in self.assigned_parts or o is None or o.unit_id is None:
                continue
            if is_busy(o, self.selected.id) is not None:
                dlg = self.open_assign_dialog()  # a busy unit needs the confirmation in the dialog
                if dlg is not None:
                    dlg.select_unit(o.unit_id)
                return
            self.perform(AssignChoice(part=p.part, unit_id=o.unit_id, recommended=True, deviation_reason=None,
                                      confirm_leave_case=False, unit_status=None if o.stale else o.unit_status,
                                      reassign=False))
            return
        self.show_banner(self.tr("Alla delar av ärende %d har redan en enhet, eller ingen enhet rekommenderas.")
                         % self.selected.id, error=True)

    def _ready_to_assign(self) -> bool:
        if self.selected is None:
            self.show_banner(self.tr("Välj först ett ärende i väntrummet."), error=True)
            return False
        if self.recommendation is None:
            self.show_banner(self.recommendation_error or self.tr("Rekommendationen laddas, försök igen."), error=True)
            return False
        return True

    def perform(self, choice: AssignChoice | None) -> None:
        case, rec, actor = self.selected, self.recommendation, self.actor
        if choice is None or case is None or rec is None:
            return

        def work(s: Any) -> AssignResult:
            if choice.reassign:
                return reassign(s, actor, case.id, choice.part, choice.unit_id, rec, choice.deviation_reason,
                                confirm_leave_case=choice.confirm_leave_case, new_unit_status=choice.unit_status)
            return assign(s, actor, case.id, choice.unit_id, choice.part, rec, choice.deviation_reason,
                          choice.confirm_leave_case, unit_status=choice.unit_status)

        DbOp(self.executor, work).success(lambda r: self._on_assigned(case, r)) \
            .failure(self._on_assign_failed).changes("cases").run()

    def _on_assigned(self, case: CaseView, result: AssignResult) -> None:
        a = result.assignment
        text = self.tr("%s larmad till ärende %d.") % (a.unit_id, case.id)
        if result.deviation:
            text += self.tr(" Avvikelse från rekommendationen registrerad för RLS-granskning.")
        if result.left_case_id is not None:
            text += self.tr(" Ärende %d är tillbaka i väntrummet.") % result.left_case_id
        self.show_banner(text)
        if self.feeds is not None and case.lat is not None and case.lon is not None:
            self._watch(self.feeds.tell_assigned(a.unit_id, case.id, case.lat, case.lon, case.priority or "2"))

    def _on_assign_failed(self, exc: Exception) -> None:
        if isinstance(exc, UnitBusy):
            self.show_banner(self.tr("Enheten är upptagen: %s") % exc, error=True)
        elif isinstance(exc, AssignmentConflict):
            self.show_banner(self.tr("Konflikt med en annan konsol – ingenting ändrades. %s") % exc, error=True)
        else:
            self.show_banner(user_message(exc), error=True)
        self.refresh()
        if self.selected is not None:
            self._load_case(self.selected)

    def recall_unit(self) -> None:
        case, actor = self.selected, self.actor
        if case is None or not self.assigned_parts:
            self.show_banner(self.tr("Välj ett dirigerat ärende för att återkalla en enhet."), error=True)
            return
        units = list(self.assigned_parts.values())
        unit_id = units[0] if len(units) == 1 else self.ask_item(
            self.tr("Återkalla enhet"), self.tr("Vilken enhet ska återkallas från ärende %d?") % case.id, units)
        if not unit_id:
            return
        reason = self.ask_text(self.tr("Återkalla enhet"),
                               self.tr("Skäl för att återkalla %s från ärende %d:") % (unit_id, case.id))
        if reason is None:
            return
        live = self.bridge.model.unit_by_id(unit_id)
        status = None if live is None or live.stale else live.status
        DbOp(self.executor, lambda s: recall(s, actor, case.id, unit_id=unit_id, reason=reason, unit_status=status)) \
            .success(lambda _v: self._on_recalled(case, unit_id)).failure(self._on_assign_failed) \
            .changes("cases").run()

    def _on_recalled(self, case: CaseView, unit_id: str) -> None:
        self.show_banner(self.tr("%s återkallad; ärende %d är tillbaka i väntrummet med sin väntetid.")
                         % (unit_id, case.id))
        if self.feeds is not None:
            self._watch(self.feeds.tell_recalled(unit_id))

    def _on_outcome_applied(self, case_id: int, view: Any) -> None:
        if view is not None:
            self.status_message.emit(self.tr("Ärende %d avslutat: %s (rapporterat av %s).")
                                     % (case_id, view.label, view.unit_id or "enheten"))

    # --- messages -----------------------------------------------------------------------------------
    def show_banner(self, text: str, *, error: bool = False) -> None:
        self.banner.setText(("⚠ " if error else "✓ ") + text)
        self.banner.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.banner.setProperty("error", error)
        self.banner.setVisible(True)
        self.status_message.emit(text)

    def _on_error(self, exc: Exception) -> None:
        self.show_banner(user_message(exc), error=True)

    def _watch(self, fut: Future[Any] | None) -> None:
        if fut is not None:
            fut.add_done_callback(lambda f: f.exception() is not None and self._order_failed.emit(str(f.exception())))

    def _ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label)
        return text.strip() if ok and text.strip() else None

    def _ask_item(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else None


def part_title_of(part: str) -> str:
    return "huvudinsats" if not part else part
