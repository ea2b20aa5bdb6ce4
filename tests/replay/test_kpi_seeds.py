"""Means and 95 % t-intervals over seeds, and the report's estimates file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from replay.estimates import report_estimates
from replay.kpi import KPI_BY_KEY
from replay.seed_stats import over_seeds, t975
from resources.datafile import DataFileError


def test_t_interval_over_five_seeds() -> None:
    e = over_seeds([0.46, 0.47, 0.48, 0.47, 0.47])
    sd = math.sqrt(0.0002 / 4)
    assert e.n == 5 and e.mean == pytest.approx(0.47)
    assert e.low == pytest.approx(0.47 - 2.7764 * sd / math.sqrt(5))
    assert e.high == pytest.approx(0.47 + 2.7764 * sd / math.sqrt(5))


def test_one_seed_has_no_interval_and_undefined_seeds_are_left_out() -> None:
    assert over_seeds([0.5]) == over_seeds([0.5, None]) and over_seeds([0.5]).low is None
    assert over_seeds([None, float("nan")]).mean is None
    same = over_seeds([3.0, 3.0, 3.0])
    assert (same.low, same.high) == (3.0, 3.0)


def test_t_quantiles_table_and_expansion() -> None:
    assert t975(1) == pytest.approx(12.706, abs=1e-3) and t975(30) == pytest.approx(2.042, abs=1e-3)
    assert t975(40) == pytest.approx(2.021, abs=1e-3) and t975(120) == pytest.approx(1.980, abs=1e-3)
    with pytest.raises(ValueError):
        t975(0)


def test_the_reports_estimates_name_known_kpis_and_a_source() -> None:
    est = report_estimates()
    assert {e.kpi for e in est.estimates} <= KPI_BY_KEY.keys()
    assert est.for_kpi("prio1_of_missions", "V0").value == 0.47  # type: ignore[union-attr]
    p1 = est.for_kpi("prio1_of_missions", "V1")
    assert p1 is not None and (p1.low, p1.high) == (0.40, 0.42)
    assert est.for_kpi("amb_missions_vs_v0", "V1").value == -16000  # type: ignore[union-attr]
    assert all(e.source for e in est.estimates)


def test_a_bad_estimates_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "e.yaml"
    bad.write_text("sources: {}\nestimates:\n  - {kpi: prio9, variants: [V1], value: 1, text: x, source: y}\n",
                   encoding="utf-8")
    with pytest.raises(DataFileError, match="prio9"):
        report_estimates(bad)


def test_intervals_are_clipped_to_the_kpis_range() -> None:
    from replay_helpers import ten_calls, ten_results

    from replay.comparison import kpi_table
    from replay.kpi import run_kpis

    runs = {}
    for seed in (1, 2):
        v0, v1 = ten_results(seed)
        if seed == 2:
            v1.outcomes[:] = [o.__class__(**{**{f: getattr(o, f) for f in o.__slots__}, "priority": "1"})
                              for o in v1.outcomes]  # every call Prio 1: sensitivity 1 vs 2/3
        runs[("V1", seed)] = run_kpis(v1, ten_calls(), days=2, baseline=v0)
    rows = {r.kpi: r.estimate for r in kpi_table(runs)}
    # 2/3 and 1 over two seeds: 5/6 ± 12.7 · 0.167 reaches past both ends
    assert (rows["p1_sensitivity"].low, rows["p1_sensitivity"].high) == (0.0, 1.0)
    assert rows["triage_under"].low == 0.0 and rows["calls"].low == rows["calls"].mean  # 0.2 and 0; same calls
    assert rows["amb_missions_vs_v0"].low is not None and rows["amb_missions_vs_v0"].low < 0  # a difference is not
