"""One row per case with everything the statistics and the report need, read in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from outcomes.codes import OutcomeCode
from outcomes.recontact import recontact_window as ruleset_recontact_window
from outcomes.units import unit_type
from records.db import key_chunks, scalars_where_in
from records.models import Assignment, Case, LaterFact, Outcome, TriageResult, UnitStatusEvent
from resources.vocabulary import UnitStatus

RECONTACT_LINKS = ("recontact", "followup_worse")


class CaseFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: int
    created_at: datetime
    priority: str | None
    complaint: str | None
    endpoint_code: str | None
    ruleset_version: str | None
    outcome: OutcomeCode | None
    outcome_at: datetime | None
    resource_types: tuple[str, ...]  # distinct types of every unit assigned, sorted
    later_facts: frozenset[str]
    recontact_within: bool  # a linked recontact (or worse follow-up) within the statistics window
    triage_done_at: datetime | None
    first_assigned_at: datetime | None
    first_on_scene_at: datetime | None
    patient_team: str | None = None  # the outcome's: the team responsible for the patient (outcomes.plan_answer)
    plan_followed: str | None = None  # the outcome's: yes | no | not_applicable; None: not asked

    def had_type(self, types: frozenset[str] | set[str]) -> bool:
        return any(t in types for t in self.resource_types)


def collect_case_facts(session: Session, start: datetime | None = None, end: datetime | None = None, *,
                       recontact_window: timedelta | None = None,
                       unit_types: Mapping[str, str] | None = None) -> list[CaseFacts]:
    """Facts of every case created in [start, end) (all cases when no bounds). A recontact counts within
    `recontact_window`, by default the one window of linking and triage (outcomes.recontact.recontact_window)."""
    recontact_window = recontact_window or ruleset_recontact_window()
    stmt = select(Case).order_by(Case.id)
    if start is not None:
        stmt = stmt.where(Case.created_at >= start)
    if end is not None:
        stmt = stmt.where(Case.created_at < end)
    cases = list(session.scalars(stmt))
    if not cases:
        return []
    ids = [c.id for c in cases]
    outcomes = {o.case_id: o for o in scalars_where_in(session, Outcome, Outcome.case_id, ids,
                                                       Outcome.superseded_by.is_(None))}
    triage: dict[int, list[TriageResult]] = defaultdict(list)
    for tr in scalars_where_in(session, TriageResult, TriageResult.case_id, ids):
        triage[tr.case_id].append(tr)
    assigns: dict[int, list[Assignment]] = defaultdict(list)
    for a in scalars_where_in(session, Assignment, Assignment.case_id, ids):
        assigns[a.case_id].append(a)
    later: dict[int, set[str]] = defaultdict(set)
    for f in scalars_where_in(session, LaterFact, LaterFact.case_id, ids):
        later[f.case_id].add(f.fact)
    links: dict[int, list[datetime]] = defaultdict(list)
    for c in scalars_where_in(session, Case, Case.linked_case_id, ids, Case.link_reason.in_(RECONTACT_LINKS)):
        links[c.linked_case_id].append(c.created_at)  # type: ignore[index]
    on_scene = _on_scene_times(session, [a for lst in assigns.values() for a in lst])

    facts = []
    for c in cases:
        o = outcomes.get(c.id)
        trs = sorted(triage.get(c.id, []), key=lambda t: t.completed_at)
        latest = trs[-1] if trs else None
        priority = c.priority or (latest.override_priority or latest.priority if latest else None)
        alist = assigns.get(c.id, [])
        ref = o.recorded_at if o is not None else c.closed_at
        recontact = ref is not None and any(ref <= t <= ref + recontact_window for t in links.get(c.id, []))
        scene_times = [t for a in alist if (t := on_scene.get(a.id)) is not None]
        facts.append(CaseFacts(
            case_id=c.id, created_at=c.created_at, priority=priority,
            complaint=c.complaint or (latest.complaint if latest else None),
            endpoint_code=c.endpoint_code or (latest.endpoint_code if latest else None),
            ruleset_version=c.ruleset_version or (latest.ruleset_version if latest else None),
            outcome=OutcomeCode(o.code) if o is not None else None, outcome_at=o.recorded_at if o else None,
            resource_types=tuple(sorted({unit_type(a.unit_id, unit_types) for a in alist})),
            later_facts=frozenset(later.get(c.id, set())), recontact_within=recontact,
            triage_done_at=trs[0].completed_at if trs else None,
            first_assigned_at=min((a.assigned_at for a in alist), default=None),
            first_on_scene_at=min(scene_times, default=None),
            patient_team=o.patient_team if o is not None else None,
            plan_followed=o.plan_followed if o is not None else None))
    return facts


def _on_scene_times(session: Session, assignments: list[Assignment]) -> dict[int, datetime]:
    """Per assignment id: the first 'pa_plats' event of its unit after it was assigned (and before it ended)."""
    by_unit: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_unit[a.unit_id].append(a)
    if not by_unit:
        return {}
    units = sorted(by_unit)
    result: dict[int, datetime] = {}
    for chunk in key_chunks(units):
        events = session.execute(
            select(UnitStatusEvent.unit_id, UnitStatusEvent.event_time, UnitStatusEvent.case_id)
            .where(UnitStatusEvent.unit_id.in_(chunk),
                   UnitStatusEvent.status == UnitStatus.ON_SCENE.value)
            .order_by(UnitStatusEvent.event_time))
        for unit_id, at, case_id in events:
            for a in by_unit[unit_id]:
                if a.id in result or at < a.assigned_at or (a.ended_at is not None and at > a.ended_at):
                    continue
                if case_id is not None and case_id != a.case_id:
                    continue
                result[a.id] = at
    return result
