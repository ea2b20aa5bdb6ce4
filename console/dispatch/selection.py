"""The case selected in väntrummet: opening it (an audited read), its patient context and the units
already on it, and its recommendation against the fleet as the feeds say now — shown in the detail
line, the recommendation tree and as routes on the map.

The recommendation is computed off the GUI thread (`LatestJobRunner`) against the bridge's
`LiveFleet`, the fleet snapshot kept current from the feed's changes. Each request carries a token
and the result the fleet generation it was computed from: a result for an older request (the case
changed, or a newer recompute was asked for) is dropped; one computed from a fleet that has changed
since is dropped and recomputed (after MAX_STALE_DROPS in a row it is shown, so a fleet that changes
faster than a recommendation takes cannot keep the dispatcher waiting)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from console.complaint_names import complaint_name
from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.latest_job import LatestJobRunner
from console.dispatch.map_view import RouteEnd, SkaneMap
from console.dispatch.recommendation import recommend_for_case
from console.dispatch.recommendation_tree import RecommendationTree
from console.errors import user_message
from console.tasks import DbExecutor, DbOp
from dispatch.assignment import active_assignments
from dispatch.live_fleet import LiveFleet
from dispatch.recommendation_model import ResourceRecommendation
from records.actor import Actor
from records.cases import CaseView, get_case
from records.patients import lookup_context
from resources.fleet import Fleet
from resources.patient_context import PatientContext

MAX_STALE_DROPS = 3


class CaseSelection(QObject):
    """Signals: `case_selected(int)` when a case is opened, `cleared()` when none is; `message(str, bool)` (text, is
    error);
    `recommendation_ready()` when a recommendation (or why there is none) is shown."""

    case_selected = Signal(int)
    cleared = Signal()  # no case selected any more
    message = Signal(str, bool)
    recommendation_ready = Signal()

    def __init__(self, actor: Actor, executor: DbExecutor, bridge: FeedBridge, fleet: Fleet, *,
                 detail: QLabel, tree: RecommendationTree, map_view: SkaneMap, parent: QObject | None = None):
        super().__init__(parent)
        self.actor, self.executor, self.bridge, self.fleet = actor, executor, bridge, fleet
        self.detail, self.tree, self.map = detail, tree, map_view
        self.case: CaseView | None = None
        self.context: PatientContext | None = None
        self.assigned_parts: dict[str, str] = {}
        self.recommendation: ResourceRecommendation | None = None
        self.recommendation_error: str | None = None
        self.units_dirty = False  # the feeds moved units since the last recompute
        if bridge.live is None:  # on the GUI thread, between the bridge's ticks: no drained change is missed
            bridge.live = LiveFleet(fleet, bridge.state.units())
        self.live: LiveFleet = bridge.live
        self.runner = LatestJobRunner("recommendation", self)
        self.runner.finished.connect(self._on_computed)
        bridge.stopped.connect(self.shutdown)  # the workspace closes: no thread is left behind
        self._token = 0  # the newest recommendation request; older results are dropped
        self._stale_drops = 0  # results dropped in a row because the fleet changed meanwhile
        self.stale_dropped = 0  # counters (tests, benches)
        self.computed_on: int | None = None  # thread ident that computed the shown recommendation

    def shutdown(self) -> None:
        """Stop the recommendation thread (waits for a running computation)."""
        self._token += 1
        self.runner.shutdown()

    def clear(self) -> None:
        self._token += 1
        self.case, self.context, self.recommendation = None, None, None
        self.assigned_parts = {}
        self.tree.clear()
        self.detail.setText(self.tr("Välj ett ärende i väntrummet."))
        self.map.select_case(None)
        self.cleared.emit()

    def load(self, case: CaseView) -> None:
        if self.case is None or self.case.id != case.id:
            self._token += 1  # a recommendation still being computed is for the other case
            self.recommendation, self.recommendation_error, self._stale_drops = None, None, 0
            self.assigned_parts = {}
            self.map.select_case(case.id)  # centred on it at once; its units join when they are known
        self.case, self.context = case, None
        self.case_selected.emit(case.id)
        actor = self.actor

        def load(s: Any) -> tuple[PatientContext, dict[str, str]]:
            get_case(s, actor, case.id)  # opening a case is a read of it: audited
            ctx = lookup_context(s, actor, case.personnummer, age=case.patient_age)
            return ctx, {a.part: a.unit_id for a in active_assignments(s, case.id)}

        DbOp(self.executor, load).success(lambda r, cid=case.id: self._on_loaded(cid, *r)) \
            .failure(lambda exc: self.message.emit(user_message(exc), True)).run()

    def _on_loaded(self, case_id: int, context: PatientContext, assigned: dict[str, str]) -> None:
        if self.case is None or self.case.id != case_id:
            return  # the dispatcher moved on meanwhile
        self.context, self.assigned_parts = context, assigned
        self.recompute()

    def units_moved(self) -> None:
        self.units_dirty = True  # the recommendation is recomputed at most once a second (`tick`)

    def tick(self) -> None:
        """Once a second: recompute if the units moved (at most once a second, however fast they move)."""
        if self.units_dirty and self.case is not None and self.context is not None:
            self.units_dirty = False
            self.recompute()

    def recompute(self) -> None:
        """Ask for the selected case's recommendation against the live fleet (computed off the GUI
        thread; `_on_computed` shows it). The detail line is updated at once."""
        case = self.case
        if case is None:
            return
        held = ", ".join(f"{u} ({part_title_of(p)})" for p, u in self.assigned_parts.items()) or "ingen"
        prio = case.priority or "–"
        patient = case.patient_name or self.tr("patient okänd")
        self.detail.setText(self.tr("Ärende %d · Prio %s · %s · %s · %s · %s\nDirigerade enheter: %s")
                            % (case.id, prio, case.kommun or "okänd kommun", complaint_name(case.complaint),
                               case.address, patient, held))
        self._token += 1
        context, live = self.context, self.live

        def job() -> tuple[int, ResourceRecommendation | None, str | None]:
            snapshot, generation = live.current()
            try:
                return generation, recommend_for_case(case, context, snapshot), None
            except ValueError as exc:
                return generation, None, str(exc)

        self.runner.submit(self._token, job)

    def _on_computed(self, done: tuple[int, Any, Exception | None, int]) -> None:
        token, result, error, thread_ident = done
        if token != self._token or self.case is None:
            return  # for a case no longer selected, or a newer request is under way
        if error is not None:  # a fault in the recommendation itself: say so, keep the console going
            self.recommendation, self.recommendation_error = None, user_message(error)
            self._show()
            return
        generation, rec, why = result
        if generation != self.live.generation and self._stale_drops < MAX_STALE_DROPS:
            self._stale_drops += 1  # the fleet changed while it was computed: compute again
            self.stale_dropped += 1
            self.recompute()
            return
        self._stale_drops = 0
        self.recommendation, self.recommendation_error, self.computed_on = rec, why, thread_ident
        self._show()

    def _show(self) -> None:
        case = self.case
        assert case is not None
        if self.recommendation is None:
            self.tree.show_message(self.recommendation_error or "")
        else:
            self.tree.show_recommendation(self.recommendation, self.assigned_parts, self.bridge.model.unit_by_id)
        self.show_on_map()
        self.recommendation_ready.emit()

    def show_on_map(self) -> None:
        """The selected case on the map with its routes (or no case)."""
        if self.case is None:
            self.map.select_case(None)
        else:
            self.map.select_case(self.case.id, *self.route_ends())

    def route_ends(self) -> tuple[list[RouteEnd], list[RouteEnd]]:
        """The units the map draws routes to: (recommended, assigned). Every unit assigned to the case; the ★ unit
        of each part not yet assigned (as the recommendation tree shows them)."""
        model = self.bridge.model

        def ends(unit_ids: list[str]) -> list[RouteEnd]:
            return [RouteEnd(u.id, u.lon, u.lat) for i in unit_ids if (u := model.unit_by_id(i)) is not None]

        held = set(self.assigned_parts)
        starred = [p.recommended.unit_id for p in (self.recommendation.parts if self.recommendation else ())
                   if p.part not in held and p.recommended is not None and p.recommended.unit_id]
        assigned = list(dict.fromkeys(self.assigned_parts.values()))
        return ends([u for u in starred if u not in assigned]), ends(assigned)


def part_title_of(part: str) -> str:
    return "huvudinsats" if not part else part
