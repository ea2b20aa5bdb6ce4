"""Outcome statistics per triage endpoint (code + rule-set version), per resource type, and per team of the
enrolled patients (where their calls ended, and whether their plans were followed).

Every rate comes with a Wilson 95% interval; a signal is only raised at or above the minimum number
of cases (settings.min_cases). Definitions are in docs/outcomes.md.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from outcomes.codes import CONVEYED_CODES, LEFT_AT_HOME_CODES, OutcomeCode
from outcomes.facts import CaseFacts, collect_case_facts
from outcomes.settings import OutcomeSettings, outcome_settings
from resources.palette import default_palette
from resources.vocabulary import Priority

Z95 = 1.959963984540054
LOW_PRIORITIES = frozenset({Priority.P3.value, Priority.REFERRAL.value})
SEVERE_LATER_FACTS = frozenset({"inlagd", "inlagd_iva", "tidskritisk", "avliden_30d"})
ADMITTED_FACTS = frozenset({"inlagd", "inlagd_iva"})
ED_CODES = frozenset({OutcomeCode.TRANSPORTED_ED, OutcomeCode.TO_PSYCH_ED})
NO_UNIT = "INGEN"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class Rate(BaseModel):
    model_config = ConfigDict(frozen=True)

    k: int
    n: int
    value: float | None
    low: float
    high: float

    @classmethod
    def of(cls, k: int, n: int) -> Rate:
        lo, hi = wilson(k, n)
        return cls(k=k, n=n, value=(k / n if n else None), low=lo, high=hi)

    def text(self) -> str:
        if self.value is None:
            return "–"
        return f"{self.value:.0%} ({self.low:.0%}–{self.high:.0%}, {self.k}/{self.n})".replace(".", ",")


SignalKind = Literal["under_triage", "over_triage"]
SIGNAL_LABELS = {"under_triage": "Undertriage", "over_triage": "Övertriage"}


class Signal(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: SignalKind
    label: str
    rate: Rate
    threshold: float


class GroupStats(BaseModel):
    """Outcome figures of one endpoint (code + rule-set version) or one resource type."""

    model_config = ConfigDict(frozen=True)

    group_by: Literal["endpoint", "resource_type"]
    endpoint_code: str | None = None
    ruleset_version: str | None = None
    resource_type: str | None = None
    label: str
    priority: str | None  # the most common priority of the group's cases
    n: int
    conveyed: Rate
    left_at_home: Rate
    recontact: Rate
    under_triage: Rate
    over_triage: Rate
    prio1_ambulance: int
    enough_cases: bool
    signals: tuple[Signal, ...]
    outcome_counts: dict[str, int]


def is_under_triage(f: CaseFacts) -> bool:
    """Low priority (Prio 3 or hänvisning) and later admitted, time-critical, or died."""
    return f.priority in LOW_PRIORITIES and (bool(f.later_facts & SEVERE_LATER_FACTS)
                                             or f.outcome is OutcomeCode.DECEASED)


def is_over_triage(f: CaseFacts, settings: OutcomeSettings) -> bool:
    """Prio 1, an ambulance sent, and the patient left at home."""
    return (f.priority == Priority.P1.value and f.had_type(settings.ambulance_types)
            and f.outcome in LEFT_AT_HOME_CODES)


def group_stats(facts: Iterable[CaseFacts], settings: OutcomeSettings, *, group_by: Literal["endpoint", "resource_type"],
                label: str, endpoint_code: str | None = None, ruleset_version: str | None = None,
                resource_type: str | None = None) -> GroupStats:
    rows = [f for f in facts if f.outcome is not None]
    n = len(rows)

    def rate(pred: Callable[[CaseFacts], bool]) -> Rate:
        return Rate.of(sum(1 for f in rows if pred(f)), n)

    under = rate(is_under_triage)
    over = rate(lambda f: is_over_triage(f, settings))
    enough = n >= settings.min_cases
    signals = []
    if enough:
        checks: tuple[tuple[SignalKind, Rate, float], ...] = (
            ("under_triage", under, settings.under_triage_signal_rate),
            ("over_triage", over, settings.over_triage_signal_rate))
        for kind, r, thr in checks:
            if r.k > 0 and r.low > thr:
                signals.append(Signal(kind=kind, label=SIGNAL_LABELS[kind], rate=r, threshold=thr))
    prios = Counter(f.priority for f in rows if f.priority)
    return GroupStats(
        group_by=group_by, endpoint_code=endpoint_code, ruleset_version=ruleset_version,
        resource_type=resource_type, label=label, priority=prios.most_common(1)[0][0] if prios else None, n=n,
        conveyed=rate(lambda f: f.outcome in CONVEYED_CODES),
        left_at_home=rate(lambda f: f.outcome in LEFT_AT_HOME_CODES),
        recontact=rate(lambda f: f.recontact_within),
        under_triage=under, over_triage=over,
        prio1_ambulance=sum(1 for f in rows if f.priority == Priority.P1.value
                            and f.had_type(settings.ambulance_types)),
        enough_cases=enough, signals=tuple(signals),
        outcome_counts=dict(sorted(Counter(f.outcome.value for f in rows if f.outcome).items())))


def endpoint_stats(facts: Iterable[CaseFacts], settings: OutcomeSettings | None = None) -> list[GroupStats]:
    """Per (endpoint code, rule-set version), for closed cases with an endpoint; sorted by code, version."""
    settings = settings or outcome_settings()
    groups: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
    for f in facts:
        if f.endpoint_code and f.outcome is not None:
            groups[(f.endpoint_code, f.ruleset_version or "?")].append(f)
    return [group_stats(rows, settings, group_by="endpoint", label=f"{code} (v {version})",
                        endpoint_code=code, ruleset_version=version)
            for (code, version), rows in sorted(groups.items())]


def resource_type_label(code: str) -> str:
    if code == NO_UNIT:
        return "Ingen enhet (hänvisning)"
    palette = default_palette()
    return palette.type(code).name if palette.has(code) else code


def resource_type_stats(facts: Iterable[CaseFacts], settings: OutcomeSettings | None = None) -> list[GroupStats]:
    """Per resource type of the units assigned (a case counts once for every type it had)."""
    settings = settings or outcome_settings()
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        if f.outcome is None:
            continue
        for t in f.resource_types or (NO_UNIT,):
            groups[t].append(f)
    return [group_stats(rows, settings, group_by="resource_type", label=resource_type_label(t), resource_type=t)
            for t, rows in sorted(groups.items())]


class TeamStats(BaseModel):
    """Where the calls of one team's patients ended (docs/outcomes.md, "Per team"): the cases whose outcome in force
    was recorded with the team as the patient's (`patient_team`)."""

    model_config = ConfigDict(frozen=True)

    team: str
    n: int
    at_home: Rate  # outcome in the left_at_home group
    emergency_department: Rate  # conveyed to an emergency department (somatic or psychiatric)
    admitted: Rate  # straight to a ward, or admitted later (later fact inlagd / inlagd_iva)
    plan_followed: Rate  # k: "yes"; n: answered yes or no
    plan_not_applicable: int
    plan_not_asked: int  # no answer recorded (a unit's outcome on its feed, no current plan at closing)
    outcome_counts: dict[str, int]


def is_admitted(f: CaseFacts) -> bool:
    return f.outcome is OutcomeCode.TO_WARD or bool(f.later_facts & ADMITTED_FACTS)


def team_stats(facts: Iterable[CaseFacts]) -> list[TeamStats]:
    """Per team of the patient at the time (the outcome's `patient_team`), closed cases only; sorted by team."""
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        if f.outcome is not None and f.patient_team:
            groups[f.patient_team].append(f)
    out = []
    for team, rows in sorted(groups.items()):
        n = len(rows)
        answered = [f for f in rows if f.plan_followed in ("yes", "no")]
        out.append(TeamStats(
            team=team, n=n,
            at_home=Rate.of(sum(1 for f in rows if f.outcome in LEFT_AT_HOME_CODES), n),
            emergency_department=Rate.of(sum(1 for f in rows if f.outcome in ED_CODES), n),
            admitted=Rate.of(sum(1 for f in rows if is_admitted(f)), n),
            plan_followed=Rate.of(sum(1 for f in answered if f.plan_followed == "yes"), len(answered)),
            plan_not_applicable=sum(1 for f in rows if f.plan_followed == "not_applicable"),
            plan_not_asked=sum(1 for f in rows if f.plan_followed is None),
            outcome_counts=dict(sorted(Counter(f.outcome.value for f in rows if f.outcome).items()))))
    return out


class OutcomeStatistics(BaseModel):
    """What the console's statistics view shows: per endpoint, per resource type and per team."""

    model_config = ConfigDict(frozen=True)

    start: datetime | None
    end: datetime | None
    min_cases: int
    endpoints: tuple[GroupStats, ...]
    resource_types: tuple[GroupStats, ...]
    teams: tuple[TeamStats, ...] = ()


def outcome_statistics(session: Session, start: datetime | None = None, end: datetime | None = None, *,
                       settings: OutcomeSettings | None = None,
                       unit_types: Mapping[str, str] | None = None) -> OutcomeStatistics:
    """Statistics of the cases created in [start, end) (all cases when no bounds)."""
    settings = settings or outcome_settings()
    facts = collect_case_facts(session, start, end, unit_types=unit_types)
    return OutcomeStatistics(start=start, end=end, min_cases=settings.min_cases,
                             endpoints=tuple(endpoint_stats(facts, settings)),
                             resource_types=tuple(resource_type_stats(facts, settings)),
                             teams=tuple(team_stats(facts)))
