"""The KPIs of one run on hand-made records with known answers (spec §4)."""

from __future__ import annotations

import pytest
from replay_helpers import ten_calls, ten_results

from replay.kpi import KPIS, hour_of_week_counts, run_kpis
from replay.kpi_times import coverage_rows, response_rows, utilisation_rows
from replay.model import CoverageGap, Mission


def test_triage_against_truth_on_ten_calls() -> None:
    v0, v1 = ten_results()
    k = run_kpis(v1, ten_calls(), days=2, baseline=v0)
    t = k.triage
    assert (t.n, t.exact, t.over, t.under) == (10, 4, 4, 2)
    assert t.confusion[("1", "3")] == 1 and t.confusion[("H", "H")] == 1 and t.confusion[("3", "1")] == 1
    assert sum(t.confusion.values()) == 10
    v = k.values
    assert v["triage_exact"] == pytest.approx(0.4) and v["triage_over"] == pytest.approx(0.4)
    assert v["triage_under"] == pytest.approx(0.2)
    assert v["p1_sensitivity"] == pytest.approx(2 / 3)  # S1: c1, c2, c7; c7 got Prio 3
    assert v["p1_ppv"] == pytest.approx(2 / 4)  # Prio 1: c1–c4
    assert v["most_adverse"] == pytest.approx(1 / 3)
    assert v["info_error"] == pytest.approx(0.1) and v["info_lower"] == 0.0  # c3: caller 1, true facts 2
    assert v["rules_exact"] == pytest.approx(0.5)  # the 4 exact, and c3: its true facts give 2 = S2


def test_missions_moves_and_shares_scaled_to_a_year() -> None:
    v0, v1 = ten_results()
    k = run_kpis(v1, ten_calls(), days=5, baseline=v0)
    v = k.values
    per_year = 365 / 5
    assert v["calls"] == pytest.approx(10 * per_year)
    assert v["amb_missions"] == pytest.approx(7 * per_year)  # all but c5, c9, c10
    assert v["amb_missions_a"] == pytest.approx(6 * per_year) and v["amb_missions_b"] == pytest.approx(1 * per_year)
    assert v["amb_missions_vs_v0"] == pytest.approx((7 - 9) * per_year)
    assert v["prio1_of_missions"] == pytest.approx(4 / 7)
    assert v["prio1_of_calls"] == pytest.approx(0.4)
    assert v["prio1_of_calls_true_facts"] == pytest.approx(0.3)  # c3's true facts give Prio 2
    assert v["s1_of_calls"] == pytest.approx(0.3)  # c1, c2, c7
    assert v["referral_share"] == pytest.approx(0.1)
    assert v["moved_lying"] == pytest.approx(per_year) and v["moved_mobile"] == pytest.approx(per_year)
    assert v["moved_hospital_team"] == 0.0
    assert v["lying_cases"] == pytest.approx(per_year) and v["mobile_cases"] == pytest.approx(per_year)
    assert v["ed_avoided"] == pytest.approx(0.9 * per_year)  # c5: 1 → 0.1; c10 conveyed lying: 1 → 1
    assert v["ed_avoided_hospital_team"] == 0.0


def test_without_v0_the_comparisons_are_undefined_and_v0_against_itself_is_zero() -> None:
    v0, v1 = ten_results()
    alone = run_kpis(v1, ten_calls(), days=2)
    assert all(alone.values[k.key] is None for k in KPIS if k.needs_v0)
    assert alone.values["amb_missions"] is not None
    itself = run_kpis(v0, ten_calls(), days=2, baseline=v0)
    assert all(itself.values[k.key] == 0.0 for k in KPIS if k.needs_v0)


def test_a_v0_of_another_seed_is_refused() -> None:
    v0, _ = ten_results(seed=1)
    _, v1 = ten_results(seed=2)
    with pytest.raises(ValueError, match="seed"):
        run_kpis(v1, ten_calls(), days=2, baseline=v0)


def test_response_times_by_priority_and_delregion() -> None:
    _, v1 = ten_results()
    rows = {(r.priority, r.delregion): r for r in response_rows(v1.outcomes)}
    p1 = rows[("1", "Alla")]
    assert p1.n == 4 and p1.values == (4.0, 8.0, 12.0, 16.0)
    assert p1.p50 == pytest.approx(10.0) and p1.p90 == pytest.approx(14.8) and p1.within == pytest.approx(1.0)
    p3 = rows[("3", "Alla")]  # c5 (20), c7 (28), c8 (32), c10 (40): all within 120
    assert p3.n == 4 and p3.within == 1.0
    assert rows[("2", "Mellersta")].n == 1  # c6
    assert [r.delregion for r in response_rows(v1.outcomes)][:2] == ["Alla", "Mellersta"]


def test_share_within_the_limit_counts_the_limit_itself() -> None:
    _, v1 = ten_results()
    from replay_helpers import outcome
    rows = response_rows([outcome(1, "V1", "1", response=20.0), outcome(2, "V1", "1", response=20.5)])
    assert rows[0].within == 0.5


def test_coverage_gaps_split_at_midnight_merged_and_counted() -> None:
    gaps = [CoverageGap("V", "Malmö", 1430.0, 1460.0), CoverageGap("V", "Malmö", 1450.0, 1470.0),
            CoverageGap("V", "Malmö", 2000.0, 2005.0), CoverageGap("V", "Sydost", 0.0, 1440.0 * 3)]
    rows = {r.delregion: r for r in coverage_rows(gaps, 2, ("Malmö", "Sydväst", "Sydost"))}
    assert rows["Malmö"].minutes_per_day == (10.0, 35.0)  # 1430–1470 merged; 2000–2005
    assert rows["Malmö"].episodes == 1 and rows["Malmö"].mean == pytest.approx(22.5)
    assert rows["Sydväst"].minutes_per_day == (0.0, 0.0) and rows["Sydväst"].episodes == 0
    assert rows["Sydost"].minutes_per_day == (1440.0, 1440.0)  # cut at the replayed period's end
    assert rows["Malmö"].p95 == pytest.approx(10 + 0.95 * 25)


def test_utilisation_by_type_and_hour() -> None:
    ms = [Mission(1, "V", "A1", "AMBULANS", "1", 30.0, 40.0, 90.0, True),  # 00:30–01:30
          Mission(2, "V", "A2", "AMBULANS", "2", 1440.0 + 30, 1440 + 40.0, 1440.0 + 60, False)]  # day 2 00:30–01:00
    rows = {r.unit_type: r for r in utilisation_rows(ms, 2, {"AMBULANS": 2, "LIGGANDE": 1})}
    amb = rows["AMBULANS"].busy_units
    assert amb[0] == pytest.approx(60 / 120) and amb[1] == pytest.approx(30 / 120) and sum(amb[2:]) == 0
    assert rows["AMBULANS"].share is not None and rows["AMBULANS"].share[0] == pytest.approx(0.25)
    assert rows["LIGGANDE"].busy_units == (0.0,) * 24
    assert utilisation_rows(ms, 2)[0].share is None  # no fleet count: mean busy units only


def test_hour_of_week_from_the_first_days_weekday() -> None:
    from replay_helpers import call
    counts = hour_of_week_counts([call(1, "1", t_min=0.0), call(2, "1", t_min=60 * 24 * 3 + 61)], start_weekday=4)
    assert counts[4 * 24] == 1 and counts[(7 * 24 + 1) % 168] == 1 and sum(counts) == 2
