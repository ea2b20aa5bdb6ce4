"""The comparison's CSV files are byte-identical for the same runs, in a fixed order and format; the PDF is
written and readable; a finished comparison reads back as the console shows it."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from replay_helpers import ten_calls, ten_results

from replay.comparison import (
    NoComparison,
    estimate_text,
    kpi_table,
    latest_comparison,
    read_comparison,
    report_text,
    value_text,
)
from replay.estimates import report_estimates
from replay.kpi import KPIS, run_kpis
from replay.report_pdf import write_pdf
from replay.report_writer import fmt, write_calls_csv, write_csv
from replay.seed_stats import Estimate


def _runs(seeds: tuple[int, ...] = (1, 2, 3)):  # type: ignore[no-untyped-def]
    runs = {}
    for seed in seeds:
        v0, v1 = ten_results(seed)
        if seed == 2:  # another seed, another year: one more V1 ambulance at Prio 1 (c5 not to MVT)
            v1.missions.append(v0.missions[4].__class__(5, "V1", "A5", "AMBULANS", "1", 500.0, 510.0, 530.0, True))
        runs[("V0", seed)] = run_kpis(v0, ten_calls(), days=2, baseline=v0)
        runs[("V1", seed)] = run_kpis(v1, ten_calls(), days=2, baseline=v0)
    return runs


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))


def _hashes(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.glob("*.csv"))}


def test_same_runs_give_byte_identical_csv(tmp_path: Path) -> None:
    write_csv(_runs(), tmp_path / "a", report_estimates())
    write_csv(_runs(), tmp_path / "b", report_estimates())
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b and set(a) == {"kpi.csv", "response_times.csv", "coverage.csv", "utilisation.csv"}
    write_csv(_runs((1, 2)), tmp_path / "c", report_estimates())
    assert _hashes(tmp_path / "c")["kpi.csv"] != a["kpi.csv"]  # the hash does see a change


def test_kpi_csv_rows_values_and_report_estimates(tmp_path: Path) -> None:
    write_csv(_runs(), tmp_path, report_estimates())
    text = (tmp_path / "kpi.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    assert len(rows) == 2 * len(KPIS) and [r["kpi"] for r in rows[:4]] == ["calls", "calls", "amb_missions",
                                                                             "amb_missions"]
    by = {(r["variant"], r["kpi"]): r for r in rows}
    p1 = by[("V1", "prio1_of_missions")]  # 4/7, 5/8, 4/7 over three seeds
    assert p1["frön"] == "3" and float(p1["medel"]) == pytest.approx((4 / 7 + 5 / 8 + 4 / 7) / 3, abs=1e-4)
    assert float(p1["ki_låg"]) < float(p1["medel"]) < float(p1["ki_hög"])
    assert (p1["rapportens_skattning"], p1["rapportens_låg"], p1["rapportens_hög"]) == ("0.4100", "0.4000", "0.4200")
    assert by[("V0", "prio1_of_missions")]["rapportens_skattning"] == "0.4700"
    assert by[("V0", "triage_exact")]["rapportens_skattning"] == ""
    numbers = [r[c] for r in rows for c in ("medel", "ki_låg", "ki_hög", "rapportens_skattning", "rapportens_låg")]
    assert all(re.fullmatch(r"(-?\d+\.\d{4})?", x) for x in numbers)  # decimal point, four decimals


def test_one_seed_has_empty_intervals(tmp_path: Path) -> None:
    write_csv(_runs((1,)), tmp_path)
    row = _rows(tmp_path / "kpi.csv")[0]
    assert (row["frön"], row["ki_låg"], row["ki_hög"]) == ("1", "", "")


def test_response_coverage_utilisation_files(tmp_path: Path) -> None:
    write_csv(_runs(), tmp_path)
    resp = _rows(tmp_path / "response_times.csv")
    assert [(r["variant"], r["prioritet"], r["delregion"]) for r in resp[:2]] == [("V0", "1", "Alla"),
                                                                                 ("V0", "1", "Mellersta")]
    cov = {(r["variant"], r["delregion"]): r for r in
           _rows(tmp_path / "coverage.csv")}
    assert cov[("V1", "Mellersta")]["min_per_dygn"] == "15.0000"  # 10 and 20 minutes on the two days
    assert cov[("V1", "Sydväst")]["min_per_dygn"] == "0.0000"
    util = _rows(tmp_path / "utilisation.csv")
    assert len(util) == 2 * 24 and {r["resurstyp"] for r in util} == {"AMBULANS"}


def test_calls_dump_one_row_per_call_in_id_order(tmp_path: Path) -> None:
    _, v1 = ten_results()
    v1.outcomes.reverse()
    path = write_calls_csv(v1, ten_calls(), tmp_path)
    assert path.name == "calls_V1_s1.csv"
    rows = _rows(path)
    assert [int(r["samtal"]) for r in rows] == list(range(1, 11))
    assert (rows[6]["sann_nivå"], rows[6]["prioritet"], rows[9]["resurs"]) == ("1", "3", "LIGGANDE")


def test_fmt_is_fixed_and_never_minus_zero() -> None:
    assert (fmt(1 / 3), fmt(-1e-9), fmt(None), fmt(170802.0)) == ("0.3333", "0.0000", "", "170802.0000")


def test_pdf_is_written_and_readable(tmp_path: Path) -> None:
    path = write_pdf(_runs(), tmp_path, report_estimates(), target_per_week=[1.0] * 168)
    reader = PdfReader(path)
    assert len(reader.pages) == 7
    text = "\n".join(p.extract_text() for p in reader.pages)
    for wanted in ("Andel Prio 1 av ambulansuppdragen", "Rapportens skattning", "40–42 %",
                   "Ambulansuppdrag per år: V0 → V1 → V2", "Tilldelad prioritet", "Insatstid",
                   "utan ledig ambulans", "Resursutnyttjande"):
        assert wanted in text, wanted


def test_a_finished_comparison_reads_back(tmp_path: Path) -> None:
    assert latest_comparison(tmp_path) is None
    with pytest.raises(NoComparison, match="ingen färdig jämförelse"):
        read_comparison(tmp_path)
    old, new = tmp_path / "a", tmp_path / "b"
    for d in (old, new):
        write_csv(_runs(), d, report_estimates())
        (d / "manifest.json").write_text(json.dumps({"variants": ["V0", "V1"], "seeds": [1, 2, 3]}), encoding="utf-8")
    import os
    os.utime(old / "manifest.json", (1, 1))
    assert latest_comparison(tmp_path) == new
    done = read_comparison(new)
    assert done.variants == ["V0", "V1"] and done.pdf is None and len(done.rows) == 2 * len(KPIS)
    p1 = next(r for r in done.rows if r.kpi == "prio1_of_missions" and r.variant == "V1")
    assert estimate_text(p1.estimate, p1.kind).startswith("58,9 % (") and report_text(p1) == "40–42 %"
    assert value_text(-16000, "per år") == "\u221216\u00a0000"
    assert estimate_text(Estimate(-2.0, -3.0, -1.0, 3), "per år") == "\u22122 (\u22123 till \u22121)"
    (new / "kpi.csv").write_text("variant;kpi\nV0\n", encoding="utf-8")
    with pytest.raises(NoComparison, match="kan inte läsas"):
        read_comparison(new)


@pytest.mark.parametrize(("extra", "tables"), [
    (("V2", "V3", "V4", "V6"), [["V0", "V1", "V2", "V3", "V4", "V6"]]),
    (("V2", "V3", "V4", "V5-Malmo", "V5-Sydvast", "V5-Sydost", "V5-Nordost", "V5-Nordvast", "V5-Mellersta", "V6",
      "V7-halv"), [["V0", "V1", "V2", "V3", "V4", "V5-Malmo", "V5-Sydvast"],
                   ["V5-Sydost", "V5-Nordost", "V5-Nordvast", "V5-Mellersta", "V6", "V7-halv"]])])
def test_kpi_table_fits_the_page(extra: tuple[str, ...], tables: list[list[str]]) -> None:
    """Six variants' intervals at the usual font were wider than A4: the report's column, last, was cut off; every
    variant (thirteen) did not fit at any readable size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from replay.report_pdf import _kpi_pages

    runs = _runs()
    for code in extra:
        runs.update({(code, seed): kpis for (v, seed), kpis in list(runs.items()) if v == "V1"})
    pages = _kpi_pages(kpi_table(runs, report_estimates()), "Varianter")
    shown = []
    for page in pages:
        renderer = FigureCanvasAgg(page).get_renderer()
        table = page.axes[0].tables[0]
        box, width = table.get_window_extent(renderer), page.bbox.width
        assert 0 <= box.x0 and box.x1 <= width, (box, width)
        columns = 2 + max(c for _, c in table.get_celld()) - 1
        header = [table[0, c].get_text().get_text() for c in range(columns)]
        assert header[0] == "Mått" and header[-1] == "Rapportens skattning"
        assert table[1, 1].get_text().get_fontsize() >= 4.5  # readable
        shown.append(header[1:-1])
    assert shown == tables


def test_intervals_in_the_response_and_coverage_files_stay_in_range(tmp_path: Path) -> None:
    """Over two seeds a t-interval is wide: a share on scene in time reached 1.44 and minutes went below 0 in
    response_times.csv and coverage.csv (kpi.csv's were clipped already)."""
    from dataclasses import replace

    runs = {}
    for seed in (1, 2):
        v0, v1 = ten_results(seed)
        if seed == 2:  # two of four Prio 1 calls late in one seed, none in the other: a wide interval
            v1.outcomes[:2] = [replace(o, response_min=35.0 + o.call_id) for o in v1.outcomes[:2]]
        runs[("V1", seed)] = run_kpis(v1, ten_calls(), days=2, baseline=v0)
    write_csv(runs, tmp_path, report_estimates())
    response = _rows(tmp_path / "response_times.csv")
    spread = [r for r in response if r["andel_inom_ki_låg"] and r["andel_inom_ki_låg"] != r["andel_inom_ki_hög"]]
    assert spread  # the data has intervals to clip
    for r in response:
        for col in ("andel_inom_ki_låg", "andel_inom_ki_hög"):
            assert r[col] == "" or 0.0 <= float(r[col]) <= 1.0, (col, r)
        for col in ("p90_ki_låg", "p90_ki_hög"):
            assert r[col] == "" or float(r[col]) >= 0.0, (col, r)
    for r in _rows(tmp_path / "coverage.csv"):
        assert all(r[c] == "" or 0.0 <= float(r[c]) <= 1440.0 for c in ("ki_låg", "ki_hög")), r
