"""The case selected in väntrummet: opening it (an audited read), its patient context and the units
already on it, and its recommendation against the fleet as the feeds say now — shown in the detail
line, the recommendation tree and as routes on the map."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from console.complaint_names import complaint_name
from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.map_view import SkaneMap
from console.dispatch.recommendation import live_snapshot, recommend_for_case
from console.dispatch.recommendation_tree import RecommendationTree
from console.errors import user_message
from console.tasks import DbExecutor, DbOp
from dispatch.assignment import active_assignments
from dispatch.recommendation_model import ResourceRecommendation
from records.actor import Actor
from records.cases import CaseView, get_case
from records.patients import lookup_context
from resources.fleet import Fleet
from resources.patient_context import PatientContext


class CaseSelection(QObject):
    """Signals: `case_selected(int)` when a case is opened; `message(str, bool)` (text, is error)."""

    case_selected = Signal(int)
    message = Signal(str, bool)

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

    def clear(self) -> None:
        self.case, self.context, self.recommendation = None, None, None
        self.assigned_parts = {}
        self.tree.clear()
        self.detail.setText(self.tr("Välj ett ärende i väntrummet."))
        self.map.select_case(None)

    def load(self, case: CaseView) -> None:
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
        """The recommendation for the selected case against the fleet as the feeds say now."""
        case = self.case
        if case is None:
            return
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
            self.tree.show_message(self.recommendation_error or "")
            self.map.select_case(case.id)
            return
        self.tree.show_recommendation(self.recommendation, self.assigned_parts, self.bridge.model.unit_by_id)
        self.map.select_case(case.id, self.route_targets())

    def route_targets(self) -> list[tuple[float, float]]:
        """Where the routes on the map start: per part, the assigned unit if any, else the ★ one."""
        out = []
        if self.recommendation is not None:
            for p in self.recommendation.parts:
                unit_id = self.assigned_parts.get(p.part) or (p.recommended.unit_id if p.recommended else None)
                u = self.bridge.model.unit_by_id(unit_id) if unit_id else None
                if u is not None:
                    out.append((u.lon, u.lat))
        return out


def part_title_of(part: str) -> str:
    return "huvudinsats" if not part else part
