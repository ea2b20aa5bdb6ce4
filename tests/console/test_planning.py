"""The Planering view shows a finished region-replay comparison that replay's own writer wrote: the KPI table with
the variants as columns and the report's estimates, the PDF a click away; a directory without one says so in
Swedish. Only the RLS physician and the administrator get the view."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from pytestqt.modeltest import ModelTester

from console.planning.model import PlanningModel
from console.planning.workspace import PlanningWorkspace
from replay.comparison import estimate_text, read_comparison
from replay.estimates import report_estimates
from replay.kpi import KPI_BY_KEY, KPIS, run_kpis
from replay.model import CallOutcome, CoverageGap, Mission, SyntheticCall, VariantResult
from replay.report_pdf import write_pdf
from replay.report_writer import write_csv
from resources.vocabulary import Role

SHOTS = Path(os.environ.get("PLANNING_SHOT_DIR", "/tmp"))


def _calls() -> list[SyntheticCall]:
    return [SyntheticCall(call_id=i, stream="A" if i % 4 else "B", t_min=60.0 * i, kommun="Lund", lat=55.7,
                          lon=13.2, age=70, caller="public", complaint="BRÖST", severity="1" if i % 3 == 0 else "3",
                          need="x", facts={}, told={}, rng_key=i) for i in range(1, 41)]


def _result(variant: str, seed: int) -> VariantResult:
    """V0 sends an ambulance to every call, Prio 1 to every other; V2 sends LIGGANDE to the S3 calls from the
    seed-th on and triages Prio 1 only S1 calls."""
    r = VariantResult(variant, seed)
    for c in _calls():
        prio = ("1" if c.call_id % 2 == 0 else "2") if variant == "V0" else ("1" if c.severity == "1" else "3")
        disp = "LIGGANDE" if variant == "V2" and c.severity == "3" and c.call_id >= seed * 3 else "AMBULANS"
        r.outcomes.append(CallOutcome(c.call_id, variant, prio, prio, disp, "Mellersta",
                                      response_min=8.0 + c.call_id % 7 + seed, ed_visit=1.0))
        r.missions.append(Mission(c.call_id, variant, f"U{c.call_id % 5}", disp, prio, c.t_min, c.t_min + 8,
                                  c.t_min + 50, True))
    r.gaps.append(CoverageGap(variant, "Malmö", 100.0, 100.0 + 10 * seed))
    return r


def write_comparison(out: Path, *, pdf: bool = True) -> Path:
    runs = {}
    for v in ("V0", "V2"):
        for seed in (1, 2, 3):
            runs[(v, seed)] = run_kpis(_result(v, seed), _calls(), days=2, baseline=_result("V0", seed))
    write_csv(runs, out, report_estimates())
    if pdf:
        write_pdf(runs, out, report_estimates())
    (out / "manifest.json").write_text(json.dumps({"variants": ["V0", "V2"], "seeds": [1, 2, 3], "days": 2,
                                                   "ruleset_version": "skane-2026.3",
                                                   "created_at": "2026-12-01T08:00:00+00:00"}), encoding="utf-8")
    return out


@pytest.fixture
def view(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    opened: list[QUrl] = []
    w = PlanningWorkspace(root=tmp_path / "replay", open_url=lambda url: opened.append(url) or True)
    w.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    w.resize(1280, 760)
    w.show()
    return w


def _cell(w: PlanningWorkspace, kpi: str, column: int) -> str:
    row = w.model.row_of(kpi)
    assert row is not None
    return str(w.model.data(w.model.index(row, column)))


def test_no_comparison_is_said_in_swedish(view) -> None:  # type: ignore[no-untyped-def]
    view.open_latest()
    assert "Ingen färdig jämförelse finns under" in view.source.text() and "replay compare" in view.source.text()
    assert view.model.rowCount() == 0 and not view.pdf.isEnabled()
    (view.root() / "tom").mkdir(parents=True)
    view.open_directory(view.root() / "tom")
    assert "innehåller ingen färdig jämförelse" in view.source.text() and view.model.rowCount() == 0


def test_the_latest_comparison_variants_as_columns_with_the_reports_estimates(view, qtmodeltester, request) -> None:  # type: ignore[no-untyped-def]
    write_comparison(view.root() / "äldre", pdf=False)
    os.utime(view.root() / "äldre" / "manifest.json", (1, 1))
    newest = write_comparison(view.root() / "2026-12-01")
    view.open_latest()
    assert view.comparison is not None and view.comparison.directory == newest
    m = view.model
    assert m.rowCount() == len(KPIS) and m.columnCount() == 4
    assert [m.headerData(i, Qt.Orientation.Horizontal) for i in range(4)] == ["Mått", "Rapportens skattning",
                                                                              "V0", "V2"]
    done = read_comparison(newest)
    p1 = next(r for r in done.rows if r.kpi == "prio1_of_missions" and r.variant == "V2")
    assert _cell(view, "prio1_of_missions", 0) == KPI_BY_KEY["prio1_of_missions"].label
    assert _cell(view, "prio1_of_missions", 3) == estimate_text(p1.estimate, "andel")
    assert _cell(view, "prio1_of_missions", 2) == "50,0 % (50,0–50,0)"  # every other call, every seed
    assert _cell(view, "prio1_of_missions", 1) == "V0: 47 %; V2: 40–42 %"  # beside the name, in view at 1366 px
    assert _cell(view, "moved_lying", 1) == "V2: 20\u00a0000"
    assert "2026-12-01" in view.source.text() and "frön 1-3" in view.source.text()
    assert view.pdf.isEnabled()
    view.pdf.click()
    assert view.opened == [QUrl.fromLocalFile(str(newest / "jämförelse.pdf"))]
    qtmodeltester.check(m)
    proxy_tester = ModelTester(request.config)  # the sort proxy too, with a tester of its own
    proxy_tester.check(view.proxy)
    view.proxy.sort(2, Qt.SortOrder.DescendingOrder)  # numbers sort as numbers: the largest count first
    top = view.proxy.data(view.proxy.index(0, 0))
    assert top in (KPI_BY_KEY["calls"].label, KPI_BY_KEY["amb_missions"].label, KPI_BY_KEY["amb_missions_a"].label)
    view.open_directory(view.root() / "äldre")  # another directory: its own rows, no PDF there
    assert not view.pdf.isEnabled() and "PDF:en saknas" in view.note.text()
    view.proxy.sort(0, Qt.SortOrder.AscendingOrder)
    view.table.resizeColumnsToContents()
    view.open_directory(newest)
    view.grab().save(str(SHOTS / "planering.png"))
    proxy_tester._cleanup()


def test_an_unreadable_table_is_no_comparison(view) -> None:  # type: ignore[no-untyped-def]
    d = write_comparison(view.root() / "trasig", pdf=False)
    (d / "kpi.csv").write_text("variant;kpi\nV0;calls\n", encoding="utf-8")
    view.open_directory(d)
    assert "kan inte läsas" in view.source.text() and view.model.rowCount() == 0


def test_only_the_physician_and_the_admin_get_planering(make_window, actor_for, data_dir) -> None:  # type: ignore[no-untyped-def]
    write_comparison(data_dir / "replay" / "k1", pdf=False)
    for role, wanted in ((Role.PHYSICIAN, True), (Role.ADMIN, True), (Role.NURSE, False), (Role.DISPATCHER, False)):
        w = make_window(actor_for(role))
        assert ("planning" in w.workspaces) is wanted, role
        if wanted:
            pane = w.workspaces["planning"]
            assert pane.model.rowCount() == len(KPIS)  # the latest under <data dir>/replay, opened at start
            assert any(a.shortcut().toString() == "Ctrl+7" for a in w.actions())
            assert w.docks["planningDock"].windowTitle() == "Planering"


def test_model_is_empty_before_a_comparison(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    m = PlanningModel()
    qtmodeltester.check(m)
    assert m.rowCount() == 0 and m.columnCount() == 2
