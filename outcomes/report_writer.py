"""Writing the quality report: CSV files (`;`-separated, decimal point) and a PDF with plots.

Matplotlib is used through `Figure` objects and PdfPages only (the Agg-based PDF backend), never
pyplot, so writing a report changes no global backend state in a running console.
"""

from __future__ import annotations

import csv
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from outcomes.report import QualityFigures
from outcomes.stats import GroupStats, Rate
from resources.numbers import sv_number

CSV_FILES = ("sammanfattning.csv", "andpunkter.csv", "resurstyper.csv", "resursmix.csv", "tidsintervall.csv")
PDF_FILE = "kvalitetsrapport.pdf"


def _r(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def summary_rows(fig: QualityFigures) -> list[tuple[str, Rate | int]]:
    return [
        ("Antal ärenden", fig.n_cases), ("Triagerade ärenden", fig.n_triaged), ("Avslutade ärenden", fig.n_closed),
        ("Andel Prio 1", fig.prio1_share),
        ("Andel lämnade hemma av Prio 1-ambulansuppdrag", fig.prio1_ambulance_left_at_home),
        ("Telefonuppföljningar som förfallit", fig.followups_due),
        ("Genomförda uppföljningar", fig.followup_completion),
        ("Försenade uppföljningar (alla ärenden, när rapporten skapades)", fig.followups_overdue),
        ("Återkontakter (länkade ärenden)", fig.recontacts),
        ("Återkontakt inom 72 h efter lämnad hemma", fig.recontact_rate),
    ]


def write_csv(fig: QualityFigures, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in CSV_FILES]
    with paths[0].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["mått", "värde", "k", "n", "ki_låg", "ki_hög", "period_från", "period_till"])
        for label, v in summary_rows(fig):
            if isinstance(v, Rate):
                w.writerow([label, _r(v.value), v.k, v.n, _r(v.low), _r(v.high), fig.period_from, fig.period_to])
            else:
                w.writerow([label, v, "", "", "", "", fig.period_from, fig.period_to])
        for prio, n in fig.priority_counts.items():
            w.writerow([f"Antal med prioritet {prio}", n, "", "", "", "", fig.period_from, fig.period_to])
    for path, groups, key in ((paths[1], fig.endpoints, "ändpunkt"), (paths[2], fig.resource_types, "resurstyp")):
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            head = [key, "regelverk", "prioritet", "n"]
            for name in ("transporterad", "lämnad_hemma", "återkontakt_72h", "undertriage", "övertriage"):
                head += [name, f"{name}_k", f"{name}_ki_låg", f"{name}_ki_hög"]
            w.writerow([*head, "tillräckligt_underlag", "signaler"])
            for g in groups:
                row: list[object] = [g.endpoint_code or g.resource_type, g.ruleset_version or "", g.priority or "", g.n]
                for r in (g.conveyed, g.left_at_home, g.recontact, g.under_triage, g.over_triage):
                    row += [_r(r.value), r.k, _r(r.low), _r(r.high)]
                w.writerow([*row, "ja" if g.enough_cases else "nej", ", ".join(s.label for s in g.signals)])
    with paths[3].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["resurstyp", "namn", "ärenden", "andel", "ki_låg", "ki_hög"])
        for m in fig.resource_mix:
            w.writerow([m.resource_type, m.label, m.cases, _r(m.share.value), _r(m.share.low), _r(m.share.high)])
    with paths[4].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["intervall", "namn", "n", "median_min", "p90_min", "medel_min"])
        for i in fig.intervals:
            w.writerow([i.key, i.label, i.n, _r(i.median_minutes), _r(i.p90_minutes), _r(i.mean_minutes)])
    return paths


def _pct(r: Rate) -> str:
    return r.text()


def _summary_page(fig: QualityFigures) -> Figure:
    page = Figure(figsize=(8.27, 11.69))
    lines = [f"Kvalitetsrapport larmcentralen {fig.period_from} – {fig.period_to}",
             f"Skapad {fig.generated_at:%Y-%m-%d %H:%M} UTC", ""]
    for label, v in summary_rows(fig):
        lines.append(f"{label}: {_pct(v) if isinstance(v, Rate) else v}")
    lines += ["", "Tidsintervall (minuter, median / 90:e percentil, n):"]
    for i in fig.intervals:
        med = "–" if i.median_minutes is None else f"{sv_number(i.median_minutes, 1)} / {sv_number(i.p90_minutes or 0, 1)}"
        lines.append(f"  {i.label}: {med} (n={i.n})")
    lines += ["", f"Signaler per ändpunkt (visas först vid minst {fig.min_cases} ärenden):"]
    signals = [f"  {g.label}: {s.label} {s.rate.text()}" for g in fig.endpoints for s in g.signals]
    lines += signals or ["  inga"]
    page.text(0.06, 0.96, "\n".join(lines), va="top", ha="left", fontsize=9, family="DejaVu Sans")
    return page


def _bars(ax, labels: list[str], rates: list[Rate], title: str) -> None:  # type: ignore[no-untyped-def]
    vals = [r.value or 0.0 for r in rates]
    err = [[v - r.low for v, r in zip(vals, rates, strict=True)], [r.high - v for v, r in zip(vals, rates, strict=True)]]
    ax.barh(range(len(vals)), vals, xerr=err, color="#4a7ab5", ecolor="#333333", capsize=2)
    ax.set_yticks(range(len(vals)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(title, fontsize=10)


def _plots_page(fig: QualityFigures) -> Figure:
    page = Figure(figsize=(8.27, 11.69))
    ax1, ax2 = page.subplots(2, 1)
    prios = list(fig.priority_counts)
    ax1.bar([f"Prio {p}" if p.isdigit() else p.capitalize() for p in prios], [fig.priority_counts[p] for p in prios],
            color="#b5544a")
    ax1.set_title("Prioritetsfördelning", fontsize=10)
    mix = list(fig.resource_mix)
    _bars(ax2, [m.label for m in mix], [m.share for m in mix], "Resursmix (andel av avslutade ärenden, 95% KI)")
    page.tight_layout()
    return page


def _endpoint_page(groups: tuple[GroupStats, ...]) -> Figure:
    page = Figure(figsize=(8.27, 11.69))
    ax1, ax2 = page.subplots(2, 1)
    top = sorted(groups, key=lambda g: -g.n)[:25]
    labels = [f"{g.label} n={g.n}" for g in top]
    _bars(ax1, labels, [g.left_at_home for g in top], "Lämnad hemma per ändpunkt (95% KI)")
    _bars(ax2, labels, [g.over_triage for g in top], "Övertriage per ändpunkt (Prio 1-ambulans, lämnad hemma)")
    page.tight_layout()
    return page


def _interval_page(fig: QualityFigures) -> Figure:
    page = Figure(figsize=(8.27, 11.69))
    axes = page.subplots(len(fig.intervals), 1)
    for ax, i in zip(axes, fig.intervals, strict=True):
        if i.values_minutes:
            ax.hist(i.values_minutes, bins=min(30, max(5, i.n // 3)), color="#5a9a5a")
        ax.set_title(f"{i.label} (n={i.n})", fontsize=10)
        ax.set_xlabel("minuter", fontsize=8)
    page.tight_layout()
    return page


def write_pdf(fig: QualityFigures, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / PDF_FILE
    with PdfPages(path) as pdf:
        for page in (_summary_page(fig), _plots_page(fig), _endpoint_page(fig.endpoints), _interval_page(fig)):
            pdf.savefig(page)
        info = pdf.infodict()
        info["Title"] = f"Kvalitetsrapport {fig.period_from} – {fig.period_to}"
    return path


def write_report(fig: QualityFigures, out: Path) -> list[Path]:
    return [*write_csv(fig, out), write_pdf(fig, out)]
