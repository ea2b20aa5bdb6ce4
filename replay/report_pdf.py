"""The comparison's PDF (Swedish): the KPI table with intervals and the report's estimates, calls per hour of the
week against the generator's target, the ambulance-mission waterfall V0 → V1 → V2 with the report's estimates
marked, triage confusion matrices, response-time ECDFs by priority, coverage-gap box plots by delregion and the
utilisation heatmap. Matplotlib through Figure and PdfPages only, never pyplot (as outcomes/report_writer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.table import Table

from replay.comparison import PDF_FILE, KpiRow, Runs, estimate_text, kpi_table, report_text, seeds_of, variants_of
from replay.estimates import ReportEstimates
from replay.kpi_times import ALL, MAX_MINUTES
from replay.kpi_triage import LEVELS
from resources.numbers import sv_number

A4_LANDSCAPE = (11.69, 8.27)
WEEKDAYS = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
COLOURS = ("#4a7ab5", "#b5544a", "#5a9a5a", "#c08a2a", "#7a5ab5", "#4aa5b5", "#8b8b8b", "#b54a8f")
WATERFALL = ("V0", "V1", "V2")


def _kpi_pages(rows: list[KpiRow], title: str, per_page: int = 36, per_table: int = 7) -> list[Figure]:
    """The KPI table, 36 KPIs a page; more than `per_table` variants are shown `per_table` at a time (V5's six
    delregions with the others do not fit one A4 width at a readable size)."""
    variants = list(dict.fromkeys(r.variant for r in rows))
    pages = []
    for first in range(0, len(variants), per_table):
        pages += _kpi_table_pages(rows, variants[first:first + per_table], title, per_page)
    return pages


def _kpi_table_pages(rows: list[KpiRow], variants: list[str], title: str, per_page: int) -> list[Figure]:
    kpis = list(dict.fromkeys(r.kpi for r in rows))
    by = {(r.kpi, r.variant): r for r in rows}
    table = []
    for k in kpis:
        first = by[(k, variants[0])]
        reports = [f"{v}: {report_text(by[(k, v)])}" for v in variants if by[(k, v)].report is not None]
        table.append([first.label, *(estimate_text(by[(k, v)].estimate, first.kind) for v in variants),
                      "; ".join(reports)])
    pages = []
    for start in range(0, len(table), per_page):
        page = Figure(figsize=A4_LANDSCAPE)
        page.suptitle(title, fontsize=11, x=0.03, ha="left")
        ax = page.add_axes((0.02, 0.06, 0.96, 0.86))
        ax.axis("off")
        t = ax.table(cellText=table[start:start + per_page], colLabels=["Mått", *variants, "Rapportens skattning"],
                     loc="upper left", cellLoc="left", colLoc="left")
        _fit_width(page, ax, t, len(variants) + 2, 6.5 if len(variants) <= 4 else 5.5)
        page.text(0.02, 0.02, "Medel över frön med 95 % konfidensintervall (t-fördelning över frön); per år = "
                  "uppräknat till 365 dygn. Rapportens skattningar visas bredvid, de används aldrig för kalibrering.",
                  fontsize=7)
        pages.append(page)
    return pages


def _fit_width(page: Figure, ax: Axes, table: Table, columns: int, fontsize: float, smallest: float = 3.5) -> None:
    """Columns as wide as their text, the font made smaller until the table fits the axes' width (six variants'
    intervals are wider than an A4 page at the usual size; the report's column last was cut off)."""
    table.auto_set_font_size(False)
    renderer = FigureCanvasAgg(page).get_renderer()  # type: ignore[no-untyped-call]
    available = ax.get_window_extent(renderer).width
    table.auto_set_column_width(list(range(columns)))  # measured again at each extent and draw
    while True:
        table.set_fontsize(fontsize)
        width = table.get_window_extent(renderer).width
        if width <= available or fontsize <= smallest:
            return
        fontsize = max(smallest, round(fontsize * available / width - 0.05, 2))


def _hour_of_week_page(runs: Runs, target_per_week: Sequence[float] | None) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    ax = page.subplots()
    first_variant = variants_of(runs)[0]
    per_seed = [np.asarray(r.calls_by_hour_of_week, dtype=float) / (r.days / 7)
                for (v, _), r in sorted(runs.items()) if v == first_variant]
    observed = np.mean(per_seed, axis=0)
    ax.step(range(168), observed, where="post", color=COLOURS[0], label="Genererade samtal (medel över frön)")
    if target_per_week is not None:
        ax.step(range(168), list(target_per_week), where="post", color=COLOURS[1], linestyle="--", label="Mål")
    ax.set_xticks([24 * d for d in range(7)], WEEKDAYS)
    ax.set_xlim(0, 168)
    ax.set_ylabel("samtal per timme och vecka")
    ax.set_title("Samtal per veckotimme mot generatorns mål", fontsize=11)
    ax.legend(fontsize=8)
    return page


def _waterfall_page(rows: list[KpiRow]) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    ax = page.subplots()
    by = {(r.kpi, r.variant): r for r in rows}
    present = [v for v in WATERFALL if ("amb_missions", v) in by and by[("amb_missions", v)].estimate.mean is not None]
    ax.set_title("Ambulansuppdrag per år: V0 → V1 → V2 med rapportens skattningar", fontsize=11)
    if "V0" not in present:
        ax.text(0.5, 0.5, "V0 ingår inte i jämförelsen: vattenfallet behöver den.", ha="center", transform=ax.transAxes)
        ax.axis("off")
        return page
    totals = {v: by[("amb_missions", v)].estimate for v in present}
    base = totals["V0"].mean or 0.0
    labels, x = [], 0
    previous = base
    ax.bar(x, base, color=COLOURS[0])
    labels.append("V0 i dag")
    for v in present[1:]:
        now = totals[v].mean or 0.0
        x += 1
        ax.bar(x, now - previous, bottom=previous, color=COLOURS[2] if now <= previous else COLOURS[1])
        labels.append(f"{'triage' if v == 'V1' else 'palett'} ({v})")
        x += 1
        e = totals[v]
        err = None if e.low is None or e.high is None else [[now - e.low], [e.high - now]]
        ax.bar(x, now, color=COLOURS[0], yerr=err, capsize=4)
        labels.append(f"{v}")
        report = by.get(("amb_missions_vs_v0", v))
        if report is not None and report.report is not None:
            ax.plot([x], [base + report.report], marker="D", color="black", markersize=9, linestyle="none",
                    label=f"Rapporten {v}: {sv_number(report.report, 0)}")
        previous = now
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("uppdrag per år")
    ys = [y for t in totals.values() for y in (t.low, t.mean, t.high) if y is not None]
    ys += [base + r.report for v in present if (r := by.get(("amb_missions_vs_v0", v))) and r.report is not None]
    ax.set_ylim(max(0.0, min(ys) - 0.1 * (max(ys) - min(ys) or max(ys))), max(ys) * 1.05)
    ax.yaxis.set_major_formatter(lambda y, _pos: sv_number(y, 0))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return page


def _grid(page: Figure, n: int) -> list[Axes]:
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    axes = page.subplots(rows, cols, squeeze=False)
    for a in axes.flat[n:]:
        a.axis("off")
    return list(axes.flat[:n])


def _confusion_page(runs: Runs) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    variants = variants_of(runs)
    page.suptitle("Tilldelad prioritet mot modellerad sann nivå (andel av raden, alla frön)", fontsize=11)
    names = ("1", "2", "3", "H")
    for ax, v in zip(_grid(page, len(variants)), variants, strict=True):
        m = np.zeros((4, 4))
        for (rv, _), r in runs.items():
            if rv == v:
                for i, s in enumerate(LEVELS):
                    for j, a in enumerate(LEVELS):
                        m[i, j] += r.triage.confusion[(s, a)]
        shares = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        ax.imshow(shares, vmin=0, vmax=1, cmap="Blues")
        for i in range(4):
            for j in range(4):
                ax.text(j, i, f"{sv_number(100 * shares[i, j], 0)} %", ha="center", va="center", fontsize=7,
                        color="white" if shares[i, j] > 0.6 else "black")
        ax.set_xticks(range(4), [f"P{n}" if n != "H" else "Hänv." for n in names], fontsize=7)
        ax.set_yticks(range(4), [f"S{n}" for n in names], fontsize=7)
        ax.set_xlabel("tilldelad", fontsize=7)
        ax.set_ylabel("sann nivå", fontsize=7)
        ax.set_title(v, fontsize=9)
    page.tight_layout()
    return page


def _ecdf_page(runs: Runs) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    axes = page.subplots(1, 3)
    page.suptitle("Insatstid (samtal till första enhet på plats), kumulativ andel per prioritet", fontsize=11)
    probs = np.linspace(0, 1, 201)
    for ax, (prio, limit) in zip(axes, MAX_MINUTES.items(), strict=True):
        for i, v in enumerate(variants_of(runs)):
            values = [x for (rv, _), r in runs.items() if rv == v for row in r.response
                      if row.priority == prio and row.delregion == ALL for x in row.values]
            if values:  # the ECDF drawn through 201 quantiles: a year's hundred thousand points look the same
                ax.plot(np.quantile(values, probs), probs, color=COLOURS[i % len(COLOURS)], label=v)
        ax.axvline(limit, color="black", linestyle=":", linewidth=1)
        ax.set_xlim(0, 2 * limit)
        ax.set_ylim(0, 1)
        ax.set_title(f"Prio {prio} (mål {int(limit)} min)", fontsize=9)
        ax.set_xlabel("minuter", fontsize=8)
        ax.set_ylabel("andel på plats", fontsize=8)
        if ax.get_legend_handles_labels()[0]:  # a priority no run reached (a short run, one variant): no legend
            ax.legend(fontsize=7)
    page.tight_layout()
    return page


def _coverage_page(runs: Runs) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    ax = page.subplots()
    variants = variants_of(runs)
    regions = list(dict.fromkeys(c.delregion for r in runs.values() for c in r.coverage))
    width = 0.8 / max(1, len(variants))
    for i, v in enumerate(variants):
        data = [[m for (rv, _), r in runs.items() if rv == v for c in r.coverage if c.delregion == region
                 for m in c.minutes_per_day] or [0.0] for region in regions]
        pos = [k + (i - (len(variants) - 1) / 2) * width for k in range(len(regions))]
        bp = ax.boxplot(data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False)
        for box in bp["boxes"]:
            box.set_facecolor(COLOURS[i % len(COLOURS)])
        ax.plot([], [], color=COLOURS[i % len(COLOURS)], linewidth=8, label=v)
    ax.set_xticks(range(len(regions)), regions)
    ax.set_ylabel("minuter per dygn")
    ax.set_ylim(bottom=0)  # minutes are never negative (an all-zero chart drew a negative axis)
    ax.set_title("Minuter per dygn utan ledig ambulans per delregion (dygnen över alla frön)", fontsize=11)
    ax.legend(fontsize=8)
    return page


def _utilisation_page(runs: Runs) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    variants = variants_of(runs)
    known = all(u.units for r in runs.values() for u in r.utilisation)
    what = "beläggning (andel av typens enheter)" if known else "upptagna enheter (medel)"
    page.suptitle(f"Resursutnyttjande per typ och timme: {what}", fontsize=11)
    grids = {}
    for v in variants:
        mine = [r for (rv, _), r in sorted(runs.items()) if rv == v]
        types = sorted({u.unit_type for r in mine for u in r.utilisation})
        grid = np.zeros((len(types), 24))
        for r in mine:
            for u in r.utilisation:
                grid[types.index(u.unit_type)] += np.asarray(u.share if known and u.share else u.busy_units)
        grids[v] = (types, grid / max(1, len(mine)))
    top = 1.0 if known else max((float(g.max()) for _, g in grids.values() if g.size), default=1.0) or 1.0
    for ax, v in zip(_grid(page, len(variants)), variants, strict=True):
        types, grid = grids[v]
        im = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=top)  # one scale: variants compare
        ax.set_yticks(range(len(types)), types, fontsize=6)
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)], fontsize=6)
        ax.set_title(v, fontsize=9)
        page.colorbar(im, ax=ax, shrink=0.8)
    page.tight_layout()
    return page


def write_pdf(runs: Runs, out: Path, estimates: ReportEstimates | None = None, *,
              target_per_week: Sequence[float] | None = None, title: str = "") -> Path:
    """jämförelse.pdf in `out`; `target_per_week` is the generator's expected calls per hour of the week (168)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / PDF_FILE
    rows = kpi_table(runs, estimates)
    seeds = seeds_of(runs)
    heading = title or (f"Regionens år i simulering (replay): {', '.join(variants_of(runs))}, "
                        f"{'frö' if len(seeds) == 1 else 'frön'} {', '.join(map(str, seeds))}")
    # No creation date: the same runs give the same file (apart from matplotlib's own ids)
    with PdfPages(path, metadata={"Title": heading, "CreationDate": None}) as pdf:
        for page in (*_kpi_pages(rows, heading), _hour_of_week_page(runs, target_per_week), _waterfall_page(rows),
                     _confusion_page(runs), _ecdf_page(runs), _coverage_page(runs), _utilisation_page(runs)):
            pdf.savefig(page)
    return path
