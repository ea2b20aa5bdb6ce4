"""The KPIs of one replayed run (one variant, one seed), spec §4 (docs/region-replay.md, "KPIs and report").

`run_kpis` reads a VariantResult with the calls it replayed and, for the comparisons against today, the same
seed's V0 result (paired by call_id: common random numbers make the difference per call meaningful). Counts are
scaled to a year (× 365 / days replayed) so a short run reads in the report's units.

KPIS lists every scalar KPI in the order of the report's table, with its Swedish label and kind; the over-seed
means and intervals are replay.seed_stats', the table replay.report_writer's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from replay.kpi_times import (
    ALL,
    MAX_MINUTES,
    CoverageRow,
    ResponseRow,
    UtilisationRow,
    coverage_rows,
    response_rows,
    utilisation_rows,
)
from replay.kpi_triage import TriageFigures, triage_figures
from replay.model import CallOutcome, SyntheticCall, VariantResult
from resources.geography import DELREGIONER

AMBULANCE = "AMBULANS"
LYING = "LIGGANDE"
MOBILE_TEAMS = frozenset({"MVT_VC", "MT_SJH", "ASIH"})
HOSPITAL_TEAM = "MT_SJH"
REFERRALS = frozenset({"EGENVARD", "R1177", "BOKNING_VC"})  # hänvisning (spec §4)
YEAR_DAYS = 365

Kind = Literal["andel", "per år", "minuter"]


@dataclass(frozen=True, slots=True)
class KpiDef:
    key: str
    label: str
    kind: Kind
    needs_v0: bool = False  # a comparison with the paired V0 run: undefined without one
    signed: bool = False  # a difference, may be negative (every other KPI is ≥ 0, a share ≤ 1 too)

    def clip(self, x: float | None) -> float | None:
        """`x` within the KPI's range: a t-interval over few seeds can reach past it (a share above 100 %)."""
        if x is None:
            return None
        if not self.signed:
            x = max(0.0, x)
        return min(1.0, x) if self.kind == "andel" else x


KPIS: tuple[KpiDef, ...] = (
    KpiDef("calls", "Samtal", "per år"),
    KpiDef("amb_missions", "Ambulansuppdrag", "per år"),
    KpiDef("amb_missions_a", "Ambulansuppdrag, 112-samtal (ström A)", "per år"),
    KpiDef("amb_missions_b", "Ambulansuppdrag, vårdens beställningar (ström B)", "per år"),
    KpiDef("amb_missions_vs_v0", "Ambulansuppdrag, skillnad mot V0", "per år", True, signed=True),
    KpiDef("prio1_of_missions", "Andel Prio 1 av ambulansuppdragen", "andel"),
    KpiDef("prio1_of_calls", "Andel Prio 1 av alla samtal", "andel"),
    # The same rules answered with the true facts, and the modelled truth: how much of the Prio 1 share is the
    # callers' "vet ej" (a red flag not known counts as yes) rather than the rules or the patients.
    KpiDef("prio1_of_calls_true_facts", "Andel Prio 1 av alla samtal med sanna fakta", "andel"),
    KpiDef("s1_of_calls", "Andel samtal med modellerad sanning S1 (tidskritiskt)", "andel"),
    KpiDef("triage_exact", "Triage rätt nivå mot modellerad sanning", "andel"),
    KpiDef("triage_over", "Övertriage", "andel"),
    KpiDef("triage_under", "Undertriage", "andel"),
    KpiDef("p1_sensitivity", "Prio 1: sensitivitet", "andel"),
    KpiDef("p1_ppv", "Prio 1: positivt prediktivt värde", "andel"),
    KpiDef("most_adverse", "S1 triagerad Prio 3/hänvisning (andel av S1)", "andel"),
    KpiDef("rules_exact", "Regelverket med sanna fakta: rätt nivå", "andel"),
    KpiDef("info_error", "Informationsfel: annan prioritet än med sanna fakta", "andel"),
    KpiDef("info_lower", "Informationsfel som sänkte prioriteten", "andel"),
    KpiDef("under_resourced", "Sant vårdbehov inte mött (fel resurs, för sent)", "andel"),
    KpiDef("referral_share", "Andel hänvisning", "andel"),
    KpiDef("lying_cases", "Ärenden till liggande sjuktransport", "per år"),
    KpiDef("moved_lying", "Flyttade från ambulans (V0) till liggande sjuktransport", "per år", True),
    KpiDef("mobile_cases", "Ärenden till mobila team (MVT, sjukhusteam, ASIH)", "per år"),
    KpiDef("moved_mobile", "Flyttade från ambulans (V0) till mobila team", "per år", True),
    KpiDef("moved_hospital_team", "Flyttade från ambulans (V0) till sjukhusets mobila team", "per år", True),
    KpiDef("ed_avoided", "Akutbesök undvikna jämfört med V0 (antagande)", "per år", True, signed=True),
    KpiDef("ed_avoided_hospital_team", "Akutbesök undvikna av sjukhusets mobila team", "per år", True, signed=True),
    KpiDef("p1_response_p50", "Prio 1: insatstid median (min)", "minuter"),
    KpiDef("p1_response_p90", "Prio 1: insatstid 90:e percentil (min)", "minuter"),
    KpiDef("p1_within", "Prio 1: på plats inom 20 min", "andel"),
    KpiDef("p2_within", "Prio 2: på plats inom 60 min", "andel"),
    KpiDef("p3_within", "Prio 3: på plats inom 120 min", "andel"),
    KpiDef("coverage_gap", "Minuter per dygn utan ledig ambulans (medel per delregion)", "minuter"),
    KpiDef("queued", "Köade ärenden", "per år"),
    KpiDef("late", "Sena rekommendationer (inte inom maxtiden)", "per år"),
    KpiDef("no_adequate", "Utan adekvat resurstyp i paletten", "per år"),
)
KPI_BY_KEY = {k.key: k for k in KPIS}


@dataclass(frozen=True, slots=True)
class RunKpis:
    variant: str
    seed: int
    days: int
    values: dict[str, float | None]  # every KPIS key
    triage: TriageFigures
    response: list[ResponseRow]
    coverage: list[CoverageRow]
    utilisation: list[UtilisationRow]
    calls_by_hour_of_week: tuple[int, ...]  # 168, Monday 00 first


def ambulance_calls(result: VariantResult) -> set[int]:
    """Calls that went to an ambulance: served by one, or an ambulance alerted for them."""
    return ({o.call_id for o in result.outcomes if o.disposition == AMBULANCE}
            | {m.call_id for m in result.missions if m.unit_type == AMBULANCE})


def hour_of_week_counts(calls: Iterable[SyntheticCall], start_weekday: int) -> tuple[int, ...]:
    """Calls per hour of the week (Monday 00–01 first); `start_weekday` is the first replayed day's (0 = Monday)."""
    counts = [0] * 168
    for c in calls:
        counts[(int(c.t_min // 60) + 24 * start_weekday) % 168] += 1
    return tuple(counts)


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def run_kpis(result: VariantResult, calls: Sequence[SyntheticCall], *, days: int,
             baseline: VariantResult | None = None, units_by_type: Mapping[str, int] | None = None,
             delregions: Sequence[str] = DELREGIONER, start_weekday: int = 0) -> RunKpis:
    """The KPIs of `result` over `days` replayed days; `baseline` is the same seed's V0 run (None: the comparisons
    with V0 are undefined)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    per_year = YEAR_DAYS / days
    call_by_id = {c.call_id: c for c in calls}
    outcomes = result.outcomes
    n = len(outcomes)
    triage = triage_figures(outcomes, {c.call_id: c.severity for c in calls})
    amb = [m for m in result.missions if m.unit_type == AMBULANCE]
    streams = Counter(call_by_id[m.call_id].stream for m in amb)
    disp = Counter(o.disposition for o in outcomes)
    response = response_rows(outcomes)
    coverage = coverage_rows(result.gaps, days, delregions)
    overall = {r.priority: r for r in response if r.delregion == ALL}
    v: dict[str, float | None] = {
        "calls": n * per_year,
        "amb_missions": len(amb) * per_year,
        "amb_missions_a": streams["A"] * per_year,
        "amb_missions_b": streams["B"] * per_year,
        "prio1_of_missions": _share(sum(1 for m in amb if m.priority == "1"), len(amb)),
        "prio1_of_calls": _share(sum(1 for o in outcomes if o.priority == "1"), n),
        "prio1_of_calls_true_facts": _share(sum(1 for o in outcomes if o.oracle_priority == "1"), n),
        "s1_of_calls": _share(sum(1 for o in outcomes if call_by_id[o.call_id].severity == "1"), n),
        "triage_exact": triage.share(triage.exact), "triage_over": triage.share(triage.over),
        "triage_under": triage.share(triage.under),
        "p1_sensitivity": triage.sensitivity_p1, "p1_ppv": triage.ppv_p1,
        "most_adverse": triage.share(triage.most_adverse, triage.s1),
        "rules_exact": triage.share(triage.oracle_exact),
        "info_error": triage.share(triage.info_differs), "info_lower": triage.share(triage.info_lower),
        "under_resourced": _share(sum(1 for o in outcomes if o.under_resourced), n),
        "referral_share": _share(sum(disp[d] for d in REFERRALS), n),
        "lying_cases": disp[LYING] * per_year,
        "mobile_cases": sum(disp[d] for d in MOBILE_TEAMS) * per_year,
        "p1_response_p50": overall["1"].p50, "p1_response_p90": overall["1"].p90,
        "p1_within": overall["1"].within, "p2_within": overall["2"].within, "p3_within": overall["3"].within,
        "coverage_gap": (sum(r.mean for r in coverage) / len(coverage)) if coverage else None,
        "queued": sum(1 for o in outcomes if o.queued_min > 0) * per_year,
        "late": sum(1 for o in outcomes if o.late) * per_year,
        "no_adequate": sum(1 for o in outcomes if o.no_adequate_type) * per_year,
    }
    v.update(_versus_v0(result, baseline, per_year))
    assert set(v) == set(KPI_BY_KEY), set(v) ^ set(KPI_BY_KEY)
    return RunKpis(result.variant, result.seed, days, {k.key: v[k.key] for k in KPIS}, triage, response, coverage,
                   utilisation_rows(result.missions, days, units_by_type), hour_of_week_counts(calls, start_weekday))


def _versus_v0(result: VariantResult, baseline: VariantResult | None, per_year: float) -> dict[str, float | None]:
    keys = [k.key for k in KPIS if k.needs_v0]
    if baseline is None:
        return dict.fromkeys(keys)
    if baseline.seed != result.seed:
        raise ValueError(f"V0 of seed {baseline.seed} paired with seed {result.seed}")
    was_ambulance = ambulance_calls(baseline)
    before: dict[int, CallOutcome] = {o.call_id: o for o in baseline.outcomes}

    def moved(types: frozenset[str]) -> float:
        return sum(1 for o in result.outcomes if o.disposition in types and o.call_id in was_ambulance) * per_year

    def ed_avoided(only: frozenset[str] | None = None) -> float:
        return sum(before[o.call_id].ed_visit - o.ed_visit for o in result.outcomes
                   if o.call_id in before and (only is None or o.disposition in only)) * per_year

    amb_now = sum(1 for m in result.missions if m.unit_type == AMBULANCE)
    amb_then = sum(1 for m in baseline.missions if m.unit_type == AMBULANCE)
    return {"amb_missions_vs_v0": (amb_now - amb_then) * per_year,
            "moved_lying": moved(frozenset({LYING})), "moved_mobile": moved(MOBILE_TEAMS),
            "moved_hospital_team": moved(frozenset({HOSPITAL_TEAM})),
            "ed_avoided": ed_avoided(), "ed_avoided_hospital_team": ed_avoided(frozenset({HOSPITAL_TEAM}))}


__all__ = ["KPIS", "KPI_BY_KEY", "MAX_MINUTES", "KpiDef", "RunKpis", "ambulance_calls", "hour_of_week_counts",
           "run_kpis"]
