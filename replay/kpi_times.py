"""The time-based KPIs of one run (spec §4): response-time percentiles by priority × delregion with the share on
scene within the priority's limit, coverage gaps per delregion and day, and utilisation by unit type × hour.

Times are minutes since the replayed period's start (replay.model); a day is 1,440 of them, hours of the day are
counted from midnight (daylight saving is not modelled)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from replay.model import CallOutcome, CoverageGap, Mission

DAY_MIN = 1440.0
ALL = "Alla"  # the row over every delregion
# On scene within: the rule set's AMBULANS_P1/P2/P3 care needs' max_minutes (triage_rules/rulesets/skane-*.yaml),
# the limits the modelled severity S uses too (spec §2)
MAX_MINUTES = {"1": 20.0, "2": 60.0, "3": 120.0}
EPISODE_MIN = 10.0  # a coverage gap longer than this is an "episode" (spec §4)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation, numpy's default); None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


@dataclass(frozen=True, slots=True)
class ResponseRow:
    priority: str
    delregion: str
    n: int  # calls of this priority with a unit on scene
    p50: float | None
    p90: float | None
    p95: float | None
    within: float | None  # share of the n on scene within MAX_MINUTES[priority]
    values: tuple[float, ...]  # the response times, sorted (ECDFs in the PDF)


def response_rows(outcomes: Iterable[CallOutcome]) -> list[ResponseRow]:
    """Per priority 1–3, per delregion (sorted) and over all of them (ALL, first)."""
    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    for o in outcomes:
        if o.priority in MAX_MINUTES and o.response_min is not None:
            by[(o.priority, o.delregion)].append(o.response_min)
            by[(o.priority, ALL)].append(o.response_min)
    regions = sorted({r for _, r in by} - {ALL})
    rows = []
    for prio, limit in MAX_MINUTES.items():
        for region in (ALL, *regions):
            xs = sorted(by.get((prio, region), []))
            rows.append(ResponseRow(prio, region, len(xs), percentile(xs, 50), percentile(xs, 90), percentile(xs, 95),
                                    (sum(1 for x in xs if x <= limit) / len(xs)) if xs else None, tuple(xs)))
    return rows


@dataclass(frozen=True, slots=True)
class CoverageRow:
    delregion: str
    minutes_per_day: tuple[float, ...]  # one value per replayed day
    episodes: int  # gaps longer than EPISODE_MIN (after merging overlapping ones)

    @property
    def mean(self) -> float:
        return math.fsum(self.minutes_per_day) / len(self.minutes_per_day) if self.minutes_per_day else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.minutes_per_day, 95) or 0.0


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


def coverage_rows(gaps: Iterable[CoverageGap], days: int, delregions: Sequence[str]) -> list[CoverageRow]:
    """Minutes per day without an available ambulance, per delregion (in `delregions`' order, then any other
    the gaps name); days with no gap count as 0."""
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for g in gaps:
        spans[g.delregion].append((max(0.0, g.start_min), min(days * DAY_MIN, g.end_min)))
    rows = []
    for region in (*delregions, *sorted(set(spans) - set(delregions))):
        per_day = [0.0] * days
        merged = _merged(spans.get(region, []))
        for a, b in merged:
            d = int(a // DAY_MIN)
            while a < b and d < days:
                end = min(b, (d + 1) * DAY_MIN)
                per_day[d] += end - a
                a, d = end, d + 1
        rows.append(CoverageRow(region, tuple(per_day), sum(1 for a, b in merged if b - a > EPISODE_MIN)))
    return rows


@dataclass(frozen=True, slots=True)
class UtilisationRow:
    unit_type: str
    busy_units: tuple[float, ...]  # 24 values: mean number of units of the type on a job in that hour of the day
    units: int | None  # the type's units in the fleet, when known

    @property
    def share(self) -> tuple[float, ...] | None:
        """Busy units ÷ the type's units per hour (24 values); None when the fleet's count is not known."""
        return tuple(b / self.units for b in self.busy_units) if self.units else None


def utilisation_rows(missions: Iterable[Mission], days: int, units_by_type: Mapping[str, int] | None = None
                     ) -> list[UtilisationRow]:
    """Per unit type (sorted): the minutes its units were on a job (alerted → free again), spread over the hours of
    the day they fell in, ÷ (60 × days)."""
    busy: dict[str, list[float]] = defaultdict(lambda: [0.0] * 24)
    for m in missions:
        a, b = m.alerted_min, m.free_min
        hours = busy[m.unit_type]
        while a < b:
            end = min(b, (math.floor(a / 60) + 1) * 60.0)
            hours[int(a // 60) % 24] += end - a
            a = end
    counts = units_by_type or {}
    return [UtilisationRow(t, tuple(x / (60.0 * days) for x in busy[t]), counts.get(t))
            for t in sorted(set(busy) | set(counts))]
