"""The quality report: the figures (plain data, also shown by the console), CSV files and a PDF.

`quality_figures` computes everything from the database; `write_report` writes it. Both use the
same figures, so the console's statistics view and the report always agree. Definitions are in
docs/outcomes.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outcomes.codes import LEFT_AT_HOME_CODES
from outcomes.facts import CaseFacts, collect_case_facts
from outcomes.followup import overdue_followups
from outcomes.settings import OutcomeSettings, outcome_settings
from outcomes.stats import (
    NO_UNIT,
    GroupStats,
    Rate,
    TeamStats,
    endpoint_stats,
    resource_type_label,
    resource_type_stats,
    team_stats,
)
from records.audit import now
from records.models import Case, FollowUp
from resources.clock import LOCAL_TZ
from resources.vocabulary import Priority

INTERVAL_LABELS = {
    "call_to_triage": "Samtal → triage klar",
    "triage_to_assignment": "Triage → dirigering",
    "assignment_to_scene": "Dirigering → på plats",
}


class IntervalStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    n: int
    median_minutes: float | None
    p90_minutes: float | None
    mean_minutes: float | None
    values_minutes: tuple[float, ...]


class ResourceMixRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    resource_type: str
    label: str
    cases: int
    share: Rate


class QualityFigures(BaseModel):
    """Every figure of the quality report for the period [period_from, period_to] (local dates)."""

    model_config = ConfigDict(frozen=True)

    period_from: date
    period_to: date
    generated_at: datetime
    n_cases: int
    n_triaged: int
    n_closed: int
    priority_counts: dict[str, int]
    prio1_share: Rate
    prio1_ambulance_left_at_home: Rate
    resource_mix: tuple[ResourceMixRow, ...]
    followups_due: int
    followup_completion: Rate
    followups_overdue: int  # outcomes.followup.overdue_followups at generated_at: every case's, not the period's
    recontacts: int
    recontact_rate: Rate
    endpoints: tuple[GroupStats, ...]
    resource_types: tuple[GroupStats, ...]
    intervals: tuple[IntervalStats, ...]
    min_cases: int
    teams: tuple[TeamStats, ...] = ()  # per team of the enrolled patients (outcomes.stats.team_stats)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in Swedish local time, as UTC datetimes."""
    if end < start:
        raise ValueError(f"slutdatum {end} är före startdatum {start}")
    lo = datetime.combine(start, time.min, LOCAL_TZ).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
    return lo, hi


def _interval(key: str, pairs: list[tuple[datetime | None, datetime | None]]) -> IntervalStats:
    vals = sorted(round((b - a).total_seconds() / 60, 2) for a, b in pairs if a is not None and b is not None
                  and b >= a)
    arr = np.asarray(vals, dtype=float)
    return IntervalStats(key=key, label=INTERVAL_LABELS[key], n=len(vals),
                         median_minutes=float(np.median(arr)) if vals else None,
                         p90_minutes=float(np.percentile(arr, 90)) if vals else None,
                         mean_minutes=float(arr.mean()) if vals else None, values_minutes=tuple(vals))


def intervals_of(facts: list[CaseFacts]) -> tuple[IntervalStats, ...]:
    return (_interval("call_to_triage", [(f.created_at, f.triage_done_at) for f in facts]),
            _interval("triage_to_assignment", [(f.triage_done_at, f.first_assigned_at) for f in facts]),
            _interval("assignment_to_scene", [(f.first_assigned_at, f.first_on_scene_at) for f in facts]))


def quality_figures(session: Session, period_from: date, period_to: date, *,
                    settings: OutcomeSettings | None = None, at: datetime | None = None,
                    unit_types: Mapping[str, str] | None = None) -> QualityFigures:
    """The report's figures for cases created in the period (local dates, both inclusive)."""
    settings = settings or outcome_settings()
    at = at or now()
    lo, hi = period_bounds(period_from, period_to)
    facts = collect_case_facts(session, lo, hi, unit_types=unit_types)
    triaged = [f for f in facts if f.priority]
    closed = [f for f in facts if f.outcome is not None]
    prio1_amb = [f for f in closed if f.priority == Priority.P1.value and f.had_type(settings.ambulance_types)]
    mix = Counter(t for f in closed for t in (f.resource_types or (NO_UNIT,)))
    left_home = [f for f in closed if f.outcome in LEFT_AT_HOME_CODES]
    ids = [f.case_id for f in facts]
    followups = list(session.scalars(select(FollowUp).where(FollowUp.case_id.in_(ids), FollowUp.status != "cancelled",
                                                            FollowUp.due_at < at))) if ids else []
    recontacts = session.scalar(
        select(func.count()).select_from(Case)
        .where(Case.created_at >= lo, Case.created_at < hi, Case.link_reason == "recontact")) or 0
    return QualityFigures(
        period_from=period_from, period_to=period_to, generated_at=at, n_cases=len(facts),
        n_triaged=len(triaged), n_closed=len(closed),
        priority_counts=dict(sorted(Counter(f.priority for f in triaged if f.priority).items())),
        prio1_share=Rate.of(sum(1 for f in triaged if f.priority == Priority.P1.value), len(triaged)),
        prio1_ambulance_left_at_home=Rate.of(sum(1 for f in prio1_amb if f.outcome in LEFT_AT_HOME_CODES),
                                             len(prio1_amb)),
        resource_mix=tuple(ResourceMixRow(resource_type=t, label=resource_type_label(t), cases=c,
                                          share=Rate.of(c, len(closed))) for t, c in mix.most_common()),
        followups_due=len(followups),
        followup_completion=Rate.of(sum(1 for f in followups if f.status == "done"), len(followups)),
        followups_overdue=overdue_followups(session, at),
        recontacts=int(recontacts),
        recontact_rate=Rate.of(sum(1 for f in left_home if f.recontact_within), len(left_home)),
        endpoints=tuple(endpoint_stats(facts, settings)), resource_types=tuple(resource_type_stats(facts, settings)),
        intervals=intervals_of(facts), min_cases=settings.min_cases, teams=tuple(team_stats(facts)))
