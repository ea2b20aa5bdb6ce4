"""The comparison's CSV files (`;`-separated, decimal point, as outcomes/report_writer.py writes the quality
report's) and the per-run outcome dumps. Rows come in a fixed order and every float is written with four decimals,
so the same runs give byte-identical files (the determinism test hashes them). The PDF is replay.report_pdf's.

kpi.csv: variant;kpi;mått;enhet;medel;ki_låg;ki_hög;frön;rapportens_skattning;rapportens_låg;rapportens_hög;
rapportens_text — one row per KPI and variant; ki_* empty with one seed, rapportens_* empty without an estimate."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from replay.comparison import KPI_FILE, Runs, kpi_table, seeds_of, variants_of
from replay.estimates import ReportEstimates
from replay.kpi_times import ALL, MAX_MINUTES
from replay.model import SyntheticCall, VariantResult
from replay.seed_stats import Estimate, over_seeds

RESPONSE_FILE = "response_times.csv"
COVERAGE_FILE = "coverage.csv"
UTILISATION_FILE = "utilisation.csv"


def fmt(x: float | None) -> str:
    """Four decimals, decimal point; "" for none; never "-0.0000"."""
    if x is None or math.isnan(x):
        return ""
    s = f"{x:.4f}"
    return "0.0000" if s == "-0.0000" else s


def _write(path: Path, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(head)
        w.writerows(rows)
    return path


def write_kpi_csv(runs: Runs, out: Path, estimates: ReportEstimates | None = None) -> Path:
    return _write(out / KPI_FILE, ("variant", "kpi", "mått", "enhet", "medel", "ki_låg", "ki_hög", "frön",
                                   "rapportens_skattning", "rapportens_låg", "rapportens_hög", "rapportens_text"),
                  ((r.variant, r.kpi, r.label, r.kind, fmt(r.estimate.mean), fmt(r.estimate.low),
                    fmt(r.estimate.high), r.estimate.n, fmt(r.report), fmt(r.report_low), fmt(r.report_high),
                    r.report_text) for r in kpi_table(runs, estimates)))


def _clipped(e: Estimate, low: float, high: float | None) -> Estimate:
    """A t-interval over few seeds reaches past what the value can be (a share over 1, minutes below 0): cut to its
    range, as kpi.csv's intervals are."""
    def cut(x: float | None) -> float | None:
        return None if x is None else min(max(x, low), high) if high is not None else max(x, low)
    return Estimate(e.mean, cut(e.low), cut(e.high), e.n)


def write_response_csv(runs: Runs, out: Path) -> Path:
    """Per variant, priority and delregion ("Alla" first): each percentile's mean over seeds (with the p90's
    interval), and the share on scene within the priority's limit with its interval."""
    rows = []
    for variant in variants_of(runs):
        mine = [r for (v, _), r in sorted(runs.items()) if v == variant]
        regions = sorted({x.delregion for r in mine for x in r.response} - {ALL})
        for prio, limit in MAX_MINUTES.items():
            for region in (ALL, *regions):
                cells = [next((x for x in r.response if x.priority == prio and x.delregion == region), None)
                         for r in mine]
                got = [c for c in cells if c is not None]
                p90 = _clipped(over_seeds([c.p90 for c in got]), 0.0, None)  # minutes never below 0
                within = _clipped(over_seeds([c.within for c in got]), 0.0, 1.0)  # a share within 0–1
                n = over_seeds([float(c.n) for c in got])
                rows.append((variant, prio, region, len(mine), fmt(n.mean), fmt(over_seeds([c.p50 for c in got]).mean),
                             fmt(p90.mean), fmt(p90.low), fmt(p90.high), fmt(over_seeds([c.p95 for c in got]).mean),
                             fmt(limit), fmt(within.mean), fmt(within.low), fmt(within.high)))
    return _write(out / RESPONSE_FILE, ("variant", "prioritet", "delregion", "frön", "n_per_frö", "p50_min",
                                        "p90_min", "p90_ki_låg", "p90_ki_hög", "p95_min", "max_min", "andel_inom",
                                        "andel_inom_ki_låg", "andel_inom_ki_hög"), rows)


def write_coverage_csv(runs: Runs, out: Path) -> Path:
    """Per variant and delregion: minutes a day without an available ambulance (mean with interval over seeds),
    the p95 day and the episodes over 10 minutes a year (means over seeds)."""
    rows = []
    for variant in variants_of(runs):
        mine = [r for (v, _), r in sorted(runs.items()) if v == variant]
        regions = list(dict.fromkeys(c.delregion for r in mine for c in r.coverage))
        for region in regions:
            got = [(r, c) for r in mine for c in r.coverage if c.delregion == region]
            mean = _clipped(over_seeds([c.mean for _, c in got]), 0.0, 24 * 60.0)  # minutes of a day
            rows.append((variant, region, len(got), fmt(mean.mean), fmt(mean.low), fmt(mean.high),
                         fmt(over_seeds([c.p95 for _, c in got]).mean),
                         fmt(over_seeds([c.episodes * 365 / r.days for r, c in got]).mean)))
    return _write(out / COVERAGE_FILE, ("variant", "delregion", "frön", "min_per_dygn", "ki_låg", "ki_hög",
                                        "p95_dygn_min", "episoder_över_10_min_per_år"), rows)


def write_utilisation_csv(runs: Runs, out: Path) -> Path:
    """Per variant, unit type and hour of the day: the mean number of busy units and, where the fleet's count is
    known, the share of the type's units (means over seeds)."""
    rows = []
    for variant in variants_of(runs):
        mine = [r for (v, _), r in sorted(runs.items()) if v == variant]
        types = sorted({u.unit_type for r in mine for u in r.utilisation})
        for t in types:
            got = [u for r in mine for u in r.utilisation if u.unit_type == t]
            units = next((u.units for u in got if u.units), None)
            for h in range(24):
                busy = over_seeds([u.busy_units[h] for u in got]).mean
                rows.append((variant, t, h, fmt(busy), units if units else "",
                             fmt(busy / units) if units and busy is not None else ""))
    return _write(out / UTILISATION_FILE, ("variant", "resurstyp", "timme", "upptagna_enheter", "enheter",
                                           "beläggning"), rows)


def calls_file_name(variant: str, seed: int) -> str:
    return f"calls_{variant}_s{seed}.csv"


def write_calls_csv(result: VariantResult, calls: Sequence[SyntheticCall], out: Path) -> Path:
    """One run's outcome per call (sorted by call id), beside the call's stream and true severity."""
    by_id = {c.call_id: c for c in calls}
    rows = []
    for o in sorted(result.outcomes, key=lambda o: o.call_id):
        c = by_id[o.call_id]
        rows.append((o.call_id, c.stream, c.complaint, c.severity, o.priority, o.oracle_priority, o.disposition,
                     o.delregion, " ".join(o.units), fmt(o.dispatched_min), fmt(o.response_min), fmt(o.queued_min),
                     int(o.late), int(o.no_adequate_type), int(o.under_resourced), int(o.conveyed),
                     o.destination or "", fmt(o.ed_visit)))
    return _write(out / calls_file_name(result.variant, result.seed),
                  ("samtal", "ström", "kontaktorsak", "sann_nivå", "prioritet", "prioritet_sanna_fakta", "resurs",
                   "delregion", "enheter", "larmad_min", "insatstid_min", "köad_min", "sen", "ingen_adekvat_typ",
                   "underförsörjt", "transporterad", "destination", "p_akutbesök"), rows)


def write_csv(runs: Runs, out: Path, estimates: ReportEstimates | None = None) -> list[Path]:
    """kpi.csv, response_times.csv, coverage.csv and utilisation.csv of the runs into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    return [write_kpi_csv(runs, out, estimates), write_response_csv(runs, out), write_coverage_csv(runs, out),
            write_utilisation_csv(runs, out)]


__all__ = ["COVERAGE_FILE", "RESPONSE_FILE", "UTILISATION_FILE", "calls_file_name", "fmt", "seeds_of",
           "write_calls_csv", "write_csv"]
