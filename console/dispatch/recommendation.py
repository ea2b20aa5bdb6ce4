"""The recommendation for the selected case against the live fleet (calls dispatch.recommend).

The console only adapts: the feed's UnitViews become the recommend helper's live entries
(`merge_live`), the stored case becomes a DispatchCase (`case_from_record`). No ranking logic here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch.case_input import case_from_record
from dispatch.feed.state import FleetState
from dispatch.fleet_view import FleetSnapshot, merge_live
from dispatch.recommend import recommend
from dispatch.recommendation_model import ResourceRecommendation
from records.cases import CaseView
from resources.fleet import Fleet
from resources.patient_context import PatientContext


def live_snapshot(fleet: Fleet, state: FleetState) -> FleetSnapshot:
    """The fleet register overlaid with what the feeds say now (stale units marked stale)."""
    live = [{"id": v.unit_id, "status": v.status, "lat": v.lat, "lon": v.lon, "case_id": v.case_id,
             "stale": v.stale} for v in state.units()]
    return FleetSnapshot(merge_live(fleet, live))


def recommend_for_case(case: CaseView, context: PatientContext | None, snapshot: FleetSnapshot,
                       at: datetime | None = None) -> ResourceRecommendation:
    """Raises ValueError (Swedish) when the case is not triaged or has no position."""
    return recommend(case_from_record(case, context), snapshot, at or datetime.now(UTC))
