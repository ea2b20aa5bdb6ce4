"""A comparison: the runs of several variants over several seeds, aggregated into the KPI table (mean and 95 %
t-interval over seeds beside the report's estimate), and read back from a finished comparison directory (the
console's Planering view reads only what replay.report_writer wrote)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from replay.comparison_files import MANIFEST_FORMAT as MANIFEST_FORMAT  # the runner writes it
from replay.comparison_files import ComparisonFileError, read_kpi_rows, read_manifest
from replay.estimates import ReportEstimates
from replay.kpi import KPI_BY_KEY, KPIS, RunKpis
from replay.seed_stats import Estimate, over_seeds
from resources.numbers import sv_number

KPI_FILE = "kpi.csv"
MANIFEST_FILE = "manifest.json"
PDF_FILE = "jämförelse.pdf"


@dataclass(frozen=True, slots=True)
class KpiRow:
    variant: str
    kpi: str
    label: str
    kind: str
    estimate: Estimate
    report: float | None = None
    report_low: float | None = None
    report_high: float | None = None
    report_text: str = ""


Runs = Mapping[tuple[str, int], RunKpis]  # (variant, seed) → the run's KPIs


def variants_of(runs: Runs) -> list[str]:
    """The variants in the order their first run was added."""
    return list(dict.fromkeys(v for v, _ in runs))


def seeds_of(runs: Runs) -> list[int]:
    return sorted({s for _, s in runs})


def kpi_table(runs: Runs, estimates: ReportEstimates | None = None) -> list[KpiRow]:
    """One row per KPI (in KPIS' order) and variant (in the runs' order); the intervals are clipped to the KPI's
    range (a share within 0–100 %, a count at or above 0)."""
    rows = []
    for k in KPIS:
        for variant in variants_of(runs):
            e = over_seeds([r.values[k.key] for (v, _), r in sorted(runs.items()) if v == variant])
            est = Estimate(e.mean, k.clip(e.low), k.clip(e.high), e.n)
            rep = estimates.for_kpi(k.key, variant) if estimates else None
            rows.append(KpiRow(variant, k.key, k.label, k.kind, est,
                               rep.value if rep else None, rep.low if rep else None, rep.high if rep else None,
                               rep.text if rep else ""))
    return rows


class NoComparison(ValueError):
    """The directory holds no finished comparison; the message says why, in Swedish."""


@dataclass(frozen=True, slots=True)
class FinishedComparison:
    directory: Path
    manifest: dict[str, object]
    rows: list[KpiRow]

    @property
    def variants(self) -> list[str]:
        return list(dict.fromkeys(r.variant for r in self.rows))

    @property
    def pdf(self) -> Path | None:
        p = self.directory / PDF_FILE
        return p if p.is_file() else None


def read_comparison(directory: Path) -> FinishedComparison:
    """The KPI table and manifest a `replay compare` (or `run`) wrote into `directory`, checked complete
    (replay.comparison_files); NoComparison says in Swedish what is missing or wrong."""
    kpi, manifest = directory / KPI_FILE, directory / MANIFEST_FILE
    missing = [p.name for p in (kpi, manifest) if not p.is_file()]
    if missing:
        raise NoComparison(f"{directory} innehåller ingen färdig jämförelse ({' och '.join(missing)} saknas)")
    try:
        meta = read_manifest(manifest)
        rows = []
        for r in read_kpi_rows(kpi, meta):
            k = KPI_BY_KEY.get(r["kpi"])
            rows.append(KpiRow(r["variant"], r["kpi"], k.label if k else r["mått"], r["enhet"],
                               Estimate(r["medel"], r["ki_låg"], r["ki_hög"], r["frön"]),
                               r["rapportens_skattning"], r["rapportens_låg"], r["rapportens_hög"],
                               r["rapportens_text"]))
    except ComparisonFileError as exc:
        raise NoComparison(f"Jämförelsen kan inte läsas: {exc}") from exc
    return FinishedComparison(directory, meta, rows)


def latest_comparison(root: Path) -> Path | None:
    """The most recently written comparison directory under `root` (a directory holding kpi.csv and
    manifest.json, at any depth up to two), or None."""
    if not root.is_dir():
        return None
    found = [p.parent for pattern in (f"*/{MANIFEST_FILE}", f"*/*/{MANIFEST_FILE}", MANIFEST_FILE)
             for p in root.glob(pattern) if (p.parent / KPI_FILE).is_file()]
    return max(found, key=lambda d: ((d / MANIFEST_FILE).stat().st_mtime, str(d)), default=None)


def seeds_text(seeds: Sequence[int]) -> str:
    """Seeds as the CLI takes them: "1-5" for a run of them, else "1,3,7"."""
    s = sorted(seeds)
    if len(s) > 1 and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}-{s[-1]}"
    return ",".join(map(str, s))


def value_text(x: float | None, kind: str) -> str:
    """A KPI's value as people read it: a share in per cent with one decimal, a count a year whole, minutes with
    one decimal; "–" for none. Swedish numbers (resources.numbers)."""
    if x is None:
        return "–"
    if kind == "andel":
        return f"{sv_number(100 * x, 1)} %"
    return sv_number(x, 0 if kind == "per år" else 1)


def estimate_text(e: Estimate, kind: str) -> str:
    """"47,3 % (46,1–48,5)", "−4 198 (−5 104 till −3 291)": the mean and, with two seeds or more, its 95 %
    interval."""
    if e.mean is None:
        return "–"
    if e.low is None or e.high is None:
        return value_text(e.mean, kind)
    lo, hi = value_text(e.low, kind).removesuffix(" %"), value_text(e.high, kind).removesuffix(" %")
    sep = "–" if e.low >= 0 else " till "  # "−5 104 till −3 291", not "−5 104–−3 291"
    return f"{value_text(e.mean, kind)} ({lo}{sep}{hi})"


def report_text(r: KpiRow) -> str:
    """The report's estimate in the KPI's unit as the report gives it ("40–42 %", "−16 000"), or "" where it
    gives none."""
    if r.report is None:
        return ""

    def one(x: float) -> str:  # the report's own precision: whole per cent, whole counts
        return sv_number(round(100 * x, 1)) if r.kind == "andel" else sv_number(x, 0)

    unit = " %" if r.kind == "andel" else ""
    if r.report_low is not None and r.report_high is not None:
        return f"{one(r.report_low)}–{one(r.report_high)}{unit}"
    return f"{one(r.report)}{unit}"
