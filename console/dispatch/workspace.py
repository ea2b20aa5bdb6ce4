"""The dispatcher's workspace (dirigering): väntrummet, the selected case's recommendation and the
actions on it, plus the map and the fleet board (embedded, or taken out as docks by the shell).

It lays the panes out and keeps väntrummet fresh; the selected case and its recommendation are
`self.selection` (`CaseSelection`, selection.py, drawn by recommendation_tree.py), the assign and
recall actions `self.assignment` (`AssignmentActions`, actions.py). The attributes and methods the
shell and the tests use (`selected`, `recommendation`, `assigned_parts`, `ask_text`,
`open_assign_dialog()`, `assign_recommended()`, `perform()`, `recall_unit()`) delegate to them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget

from console.alert_sound import AlertSound
from console.dispatch.actions import AssignmentActions
from console.dispatch.alert_center import AlertCenter
from console.dispatch.alert_strip import AlertStrip
from console.dispatch.assign_dialog import AssignChoice, AssignDialog
from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.feed_outcomes import FeedOutcomeApplier
from console.dispatch.fleet_board import FleetBoard
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.map_view import SkaneMap
from console.dispatch.recommendation_tree import RecommendationTree
from console.dispatch.selection import CaseSelection
from console.dispatch.targets import WaitTargets, load_targets
from console.dispatch.waiting_feed import WaitingFeed
from console.dispatch.waiting_room import WaitingRoomModel, WaitingRoomView, priority_of
from console.errors import user_message
from console.message_line import MessageLine
from console.tasks import DbExecutor
from dispatch.recommendation_model import ResourceRecommendation
from dispatch.waiting_read import WaitingRead
from records.actor import Actor
from records.cases import CaseView
from records.change_feed import Change
from resources.fleet import Fleet
from resources.geography import Geography
from resources.settings import load_settings
from resources.vocabulary import Role

log = logging.getLogger("larmcentral.console.dispatch")
# The message row keeps the same box (padding, border) with and without a message, so showing one moves nothing
QUIET_STYLE = "QLabel { padding: 6px; border: 1px solid transparent; border-radius: 3px; }"
OK_STYLE = "QLabel { background: #1f3d2a; color: #e6edf3; padding: 6px; border: 1px solid #1f3d2a; border-radius: 3px; }"
ERROR_STYLE = ("QLabel { background: #6e1b1e; color: #ffffff; padding: 6px; border: 1px solid #e5484d;"
               " border-radius: 3px; font-weight: bold; }")


class DispatchWorkspace(QWidget):
    """Signals: `status_message(str)` for the shell's status bar; `case_selected(int)`.

    Take `self.map` and `self.board` out as dock widgets with `take_panes()` if the shell docks them.
    """

    status_message = Signal(str)
    case_selected = Signal(int)
    cases_shown = Signal()  # väntrummet was read again (what depends on its cases re-reads too)

    def __init__(self, actor: Actor, executor: DbExecutor, bridge: FeedBridge, *, fleet: Fleet,
                 geography: Geography, feeds: LiveFeeds | None = None, targets: WaitTargets | None = None,
                 refresh_ms: int | None = None, apply_outcomes: bool = True, parent: QWidget | None = None,
                 clock: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self.setObjectName("dispatchWorkspace")
        self.actor, self.executor, self.bridge, self.feeds = actor, executor, bridge, feeds
        self.fleet, self.geography = fleet, geography
        # Väntrummet's re-reads (one at a time, a burst: one more; a failed one: the next reads all) and the
        # batched audit of what they newly show, without widgets (console/dispatch/waiting_feed.py).
        self.feed = WaitingFeed(executor, actor, parent=self)
        self.feed.updated.connect(self._on_read)
        self.feed.failed.connect(self._on_error)

        self.waiting_model = WaitingRoomModel(targets or load_targets(), clock)
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
        self.rec_tree = RecommendationTree()
        # Two lines kept for the message whether or not there is one: a message that came and went, or grew, moved
        # väntrummet and the case tabs (the selected case half out of view at 1366×768); a longer one is cut with
        # "…", whole in its tooltip and the status bar's.
        self.banner = MessageLine(2, objectName="dispatchBanner")
        self.banner.setStyleSheet(QUIET_STYLE)
        self.map = SkaneMap(geography, bridge.model)
        self.board = FleetBoard(bridge.model)

        self.selection = CaseSelection(actor, executor, bridge, fleet, detail=self.detail, tree=self.rec_tree,
                                       map_view=self.map, parent=self)
        self.selection.case_selected.connect(self.case_selected)
        self.selection.message.connect(self._on_message)
        self.assignment = AssignmentActions(actor, executor, self.selection, bridge.model, feeds, self)
        self.assignment.message.connect(self._on_message)
        self.assignment.failed.connect(self._reread)

        self.assign_button = QPushButton(self.tr("Dirigera… (D)"), objectName="assignButton")
        self.assign_rec_button = QPushButton(self.tr("Dirigera rekommenderade (Shift+D)"), objectName="assignRecButton")
        self.recall_button = QPushButton(self.tr("Återkalla enhet (R)"), objectName="recallButton")
        self.assign_button.clicked.connect(self.open_assign_dialog)
        self.assign_rec_button.clicked.connect(self.assign_recommended)
        self.recall_button.clicked.connect(self.recall_unit)
        may = actor.may(Role.DISPATCHER, Role.PHYSICIAN)
        for b in (self.assign_button, self.assign_rec_button, self.recall_button):
            b.setEnabled(may)
            if not may:
                b.setToolTip(self.tr("%s får inte dirigera enheter.") % actor.role.label)

        self.map.case_clicked.connect(self.select_case_id)
        self.board.unit_activated.connect(self.assignment.unit_activated)
        bridge.health_changed.connect(self.board.health.set_health)
        bridge.failed.connect(lambda text: self.show_banner(text, error=True))
        bridge.recovered.connect(lambda text: self.show_banner(text))
        if feeds is not None and feeds.session_factory is not None:
            def record_counters() -> dict[str, Any]:
                writer = feeds.writer
                return {} if writer is None else writer.counters()["publishers"]

            self.board.health.record_source = record_counters
        bridge.units_changed.connect(self._on_units_changed)
        # Every committed change, this console's own included, is pushed back with the cases it touched when the
        # executor listens (console.change_watch); without a listener, this console's own commands say "cases".
        if executor.watch is not None:
            executor.pushed.connect(self._on_pushed)
        else:
            executor.changed.connect(lambda topic: topic == "cases" and self.refresh())
        # Outcomes the units report close their cases (as the system user; see outcomes.system_jobs), applied
        # from the durable inbox by the console that persists the feeds (elsewhere `feed serve` does it).
        self.outcome_applier: FeedOutcomeApplier | None = None
        if feeds is not None and apply_outcomes:
            self.outcome_applier = FeedOutcomeApplier(executor, feeds.outcomes, parent=self,
                                                      apply=feeds.session_factory is not None)
            self.outcome_applier.message.connect(lambda text: self.show_banner(text, error=True))
            self.outcome_applier.applied.connect(self._on_outcome_applied)

        # Alerts (docs/alerts.md): a new Prio 1, a case past its target, a lost feed; the plain model decides,
        # the rows flash, the strip above väntrummet names the alert, the acknowledge key (F2) selects its case.
        model = self.waiting_model
        self.alerts = AlertCenter(actor, executor, clock=model.now,
                                  late=lambda c: model.targets.state(priority_of(c), model.waited(c)) == "late",
                                  sound=AlertSound(muted=not load_settings().alert_sound), parent=self)
        self.alert_strip = AlertStrip(self.alerts.board)
        self.alert_strip.acknowledge.connect(self.alerts.acknowledge_next)
        self.alerts.changed.connect(self._show_alerts)
        self.alerts.select_case.connect(self.select_case_id)
        self.alerts.message.connect(self._on_message)
        bridge.health_changed.connect(self.alerts.feeds_health)

        self._lay_out()
        for key, slot in (("D", self.open_assign_dialog), ("Shift+D", self.assign_recommended),
                          ("R", self.recall_unit), ("F5", self.refresh)):
            sc = QShortcut(QKeySequence(key), self, activated=slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        if refresh_ms is None:  # changes are pushed (DbExecutor listen=True); this only catches a missed one
            refresh_ms = int(load_settings().safety_poll_s * 1000)
        self.refresh_timer = QTimer(self, interval=refresh_ms, timeout=self.refresh)
        self.clock_timer = QTimer(self, interval=1000, timeout=self._second)

    def _lay_out(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(4, 4, 4, 4)
        title = QLabel(self.tr("Väntrummet"), objectName="paneTitle")  # its size is the theme's (scaled)
        lv.addWidget(title)
        lv.addWidget(self.alert_strip)
        lv.addWidget(self.waiting, 3)
        lv.addWidget(self.detail)
        lv.addWidget(self.rec_tree, 2)
        # Two rows (dispatching; recalling and closing — the close-case button joins the recall row), so the
        # left column still fits a 1280 px screen with the theme's button padding.
        dispatching, undoing = QHBoxLayout(), QHBoxLayout()
        for row, row_buttons in ((dispatching, (self.assign_button, self.assign_rec_button)),
                                 (undoing, (self.recall_button,))):
            for b in row_buttons:
                row.addWidget(b)
            lv.addLayout(row)
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

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.bridge.start()
        if self.outcome_applier is not None:
            self.outcome_applier.start()
        self.refresh()
        self.refresh_timer.start()
        self.clock_timer.start()

    def shutdown(self) -> None:
        """Stop timers, the feed services and their threads (the DB executor belongs to the shell)."""
        self.refresh_timer.stop()
        self.clock_timer.stop()
        self.feed.shutdown()  # what was shown and not yet audited: written before the executor stops
        if self.outcome_applier is not None:
            self.outcome_applier.stop()
        self.bridge.stop()

    def take_panes(self) -> dict[str, tuple[str, QWidget]]:
        """Detach the map and the fleet board for docking: {objectName: (Swedish title, widget)}."""
        self.map.setParent(None)
        self.board.setParent(None)
        return {"dispatchMapDock": (self.tr("Karta"), self.map), "fleetBoardDock": (self.tr("Enheter"), self.board)}

    # --- väntrummet ---------------------------------------------------------------------------------
    def refresh(self, ids: frozenset[int] | None = None) -> None:
        """Re-read väntrummet: the cases a pushed change names (`ids`), or all of it (None: at start, after a
        reconnect, by the slow safety poll, on F5). What is shown is audited when it changes, not on every re-read
        (console/dispatch/waiting_feed.py); opening a case is audited on its own (`CaseSelection.load`)."""
        self.feed.refresh(ids)

    def _on_read(self, _read: WaitingRead) -> None:
        self._set_cases(self.feed.cases, self.feed.assigned_at)
        if self.feed.listed:  # the first whole listing is the alerts' baseline
            self.alerts.cases_shown(self.waiting_model.cases())
        self.cases_shown.emit()

    def _on_pushed(self, change: Change) -> None:
        if change.topic == "cases":
            self.feed.pushed(change)

    def _set_cases(self, cases: list[CaseView], assigned_at: dict[int, datetime] | None = None) -> None:
        selected = self.selected
        keep = selected.id if selected else None
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
        if selected is not None:
            fresh = next((c for c in cases if c.id == selected.id), None)
            if fresh is None:
                self.selection.clear()
            elif fresh.status != selected.status or fresh.updated_at != selected.updated_at:
                self.selection.load(fresh)
            else:
                self.selection.show_on_map()
        self.waiting.viewport().update()

    def _second(self) -> None:
        self.waiting_model.tick()
        self.waiting_model.flash()  # before what this second raises: a new alert's row shows lit at once
        if self.feed.listed:
            self.alerts.cases_shown(self.waiting_model.cases())
        self.selection.tick()

    def _show_alerts(self) -> None:
        self.waiting_model.set_flashing(self.alerts.board.flashing_cases())
        self.alert_strip.show_board()

    def select_case_id(self, case_id: int) -> None:
        row = self.waiting_model.row_of(case_id)
        if row is not None:
            self.waiting.setCurrentIndex(self.waiting_model.index(row, 0))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.selection.clear()
            return
        self.selection.load(self.waiting_model.case(current.row()))

    def _on_units_changed(self, _ids: set[str]) -> None:
        self.map.redraw_units()
        self.selection.units_moved()

    def _reread(self) -> None:
        """An action was refused: väntrummet and the selected case as the database has them now."""
        self.refresh()
        if self.selected is not None:
            self.selection.load(self.selected)

    # --- the selected case (selection.py) -----------------------------------------------------------
    @property
    def selected(self) -> CaseView | None:
        return self.selection.case

    @property
    def assigned_parts(self) -> dict[str, str]:
        return self.selection.assigned_parts

    @property
    def recommendation(self) -> ResourceRecommendation | None:
        return self.selection.recommendation

    # --- actions (actions.py) -----------------------------------------------------------------------
    @property
    def ask_text(self) -> Callable[[str, str], str | None]:
        return self.assignment.ask_text

    @ask_text.setter
    def ask_text(self, ask: Callable[[str, str], str | None]) -> None:
        self.assignment.ask_text = ask

    @property
    def ask_item(self) -> Callable[[str, str, list[str]], str | None]:
        return self.assignment.ask_item

    @ask_item.setter
    def ask_item(self, ask: Callable[[str, str, list[str]], str | None]) -> None:
        self.assignment.ask_item = ask

    def open_assign_dialog(self) -> AssignDialog | None:
        return self.assignment.open_assign_dialog()

    def assign_recommended(self) -> None:
        self.assignment.assign_recommended()

    def perform(self, choice: AssignChoice | None) -> None:
        self.assignment.perform(choice)

    def recall_unit(self) -> None:
        self.assignment.recall_unit()

    # --- messages -----------------------------------------------------------------------------------
    def show_banner(self, text: str, *, error: bool = False) -> None:
        self.banner.setText(("⚠ " if error else "✓ ") + text)
        self.banner.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.banner.setProperty("error", error)
        self.banner.setVisible(True)
        self.status_message.emit(text)

    def _on_message(self, text: str, error: bool) -> None:
        self.show_banner(text, error=error)

    def _on_error(self, exc: Exception) -> None:
        self.show_banner(user_message(exc), error=True)

    def _on_outcome_applied(self, case_id: int, view: Any) -> None:
        if view is not None:
            self.status_message.emit(self.tr("Ärende %d avslutat: %s (rapporterat av %s).")
                                     % (case_id, view.label, view.unit_id or "enheten"))
