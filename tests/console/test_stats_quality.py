"""The statistics workspace shows the quality report's figures: the key-figure strip, the time
intervals and the per-endpoint quality table equal outcomes.report.quality_figures on a small
hand-made data set; an endpoint below the minimum count shows no signal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from console.stats.intervals import minutes_text
from console.stats.key_figures import pct
from console.stats.quality_model import (
    COL_CONVEYED,
    COL_GROUP,
    COL_HOME,
    COL_N,
    COL_OVER,
    COL_RECONTACT,
    COL_SIGNAL,
    COL_UNDER,
    COL_VERSION,
    SIGNAL_BG,
    SORT_ROLE,
    QualityModel,
)
from console.stats.workspace import StatsWorkspace
from console.tasks import DbExecutor
from outcomes.closing import record_outcome
from outcomes.followup import record_followup_result
from outcomes.report import quality_figures
from outcomes.settings import OutcomeSettings
from records.db import transaction
from records.models import Assignment, Case, FollowUp, TriageResult, UnitStatusEvent
from resources.vocabulary import Role

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SETTINGS = OutcomeSettings(min_cases=5)
DISPLAY = Qt.ItemDataRole.DisplayRole


def _case(s, actor, n: int, priority: str, endpoint: str | None, units: tuple[str, ...], **extra):  # type: ignore[no-untyped-def]
    """A triaged case n*20 minutes after T0: triage done after 2+n min, first unit 1+n min later,
    on scene 6+2n min after that."""
    created = T0 + timedelta(minutes=20 * n)
    case = Case(status="waiting", created_at=created, updated_at=created, created_by=actor.user_id,
                priority=priority, endpoint_code=endpoint, ruleset_version="test-1",
                complaint=endpoint.split(".")[0] if endpoint else "YRSEL", address="Storgatan 1", kommun="Lund",
                flags=[], **extra)
    s.add(case)
    s.flush()
    triaged = created + timedelta(minutes=2 + n)
    s.add(TriageResult(case_id=case.id, ruleset_version="test-1", complaint=case.complaint,
                       endpoint_code=endpoint or "YRSEL.2.01", priority=priority, care_need={}, flags=[], reasons=[],
                       path=[], completed_at=triaged, user_id=actor.user_id))
    for i, unit in enumerate(units):
        assigned = triaged + timedelta(minutes=1 + n + i)
        s.add(Assignment(case_id=case.id, unit_id=unit, part=str(i) if i else "", active=True,
                         assigned_at=assigned, assigned_by=actor.user_id))
        at = assigned + timedelta(minutes=6 + 2 * n)
        s.add(UnitStatusEvent(unit_id=unit, status="pa_plats", lat=55.7, lon=13.2, case_id=case.id,
                              publisher="ambulans", seq=case.id * 10 + i, event_time=at, received_at=at))
    s.flush()
    return case


def build(factory, nurse) -> None:  # type: ignore[no-untyped-def]
    """YRSEL.1.01: six Prio 1 ambulance cases, five left at home (over-triage, enough cases).
    YRSEL.3.01: three Prio 3 cases, one died (under-triage, but fewer than min_cases).
    Plus one open Prio 2 case and a recontact linked to a left-at-home case."""
    with transaction(factory) as s:
        n = 0
        first_home = None
        for code in ("treated_left_home",) * 5 + ("transported_ed",):
            c = _case(s, nurse, n, "1", "YRSEL.1.01", ("AMB-001",))
            record_outcome(s, nurse, c.id, code, "AKM_LUND" if code == "transported_ed" else None,
                           at=c.created_at + timedelta(hours=1))
            first_home = first_home or c
            n += 1
        for code in ("deceased", "left_home_advice", "left_home_advice"):
            c = _case(s, nurse, n, "3", "YRSEL.3.01", ("MVT-001",))
            record_outcome(s, nurse, c.id, code, at=c.created_at + timedelta(hours=1))
            n += 1
        _case(s, nurse, n, "2", "YRSEL.2.01", ("AMB-002",))
        _case(s, nurse, n + 1, "2", "YRSEL.2.01", (), linked_case_id=first_home.id, link_reason="recontact")
        done = s.scalars(select(FollowUp).order_by(FollowUp.id)).first()
        record_followup_result(s, nurse, done.id, "better")


@pytest.fixture
def workspace(qtbot, factory, actor_for):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    build(factory, nurse)
    executor = DbExecutor(factory)
    w = StatsWorkspace(actor_for(Role.PHYSICIAN), executor, settings=SETTINGS)
    qtbot.addWidget(w)
    w.resize(1500, 900)
    w.show()
    w.period.setCurrentIndex(w.period.findData(-1))
    for edit in (w.date_from, w.date_to):
        edit.setDate(QDate(DAY.year, DAY.month, DAY.day))
    w.refresh()
    qtbot.waitUntil(lambda: not executor.busy and w.figures is not None, timeout=10000)
    yield w
    executor.shutdown()


@pytest.fixture
def figures(workspace, factory):  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        return quality_figures(s, DAY, DAY, settings=SETTINGS)


def test_key_figures_equal_the_reports(workspace, figures) -> None:  # type: ignore[no-untyped-def]
    tiles = workspace.key_figures.tiles
    assert figures.n_cases == 11 and tiles["cases"].value.text() == "11"
    assert (figures.prio1_share.k, figures.prio1_share.n) == (6, 11)
    assert (figures.prio1_ambulance_left_at_home.k, figures.prio1_ambulance_left_at_home.n) == (5, 6)
    for key in ("prio1_share", "prio1_ambulance_left_at_home", "followup_completion", "recontact_rate"):
        r = getattr(figures, key)
        assert tiles[key].value.text() == pct(r.value), key
        assert f"{r.k} av {r.n}" in tiles[key].detail.text(), key
        assert f"{100 * r.low:.0f}–{100 * r.high:.0f} %" in tiles[key].detail.text(), key
    assert tiles["prio1_ambulance_left_at_home"].value.text() == "83 %"
    assert figures.followup_completion.k == 1 and figures.followups_due > 1
    assert tiles["followups_overdue"].value.text() == str(figures.followups_overdue) != "0"
    assert tiles["followups_overdue"].property("alarm") is True
    assert figures.recontacts == 1 and "länkade: 1" in tiles["recontact_rate"].detail.text()
    assert figures.recontact_rate.k == 1


def test_time_intervals_equal_the_reports(workspace, figures) -> None:  # type: ignore[no-untyped-def]
    cells = workspace.quality.intervals.cells
    assert [iv.key for iv in figures.intervals] == list(cells)
    for iv in figures.intervals:
        label, n, median, p90 = cells[iv.key]
        assert (label.text(), n.text()) == (iv.label, str(iv.n))
        assert median.text() == minutes_text(iv.median_minutes) and p90.text() == minutes_text(iv.p90_minutes)
    assert {iv.key: iv.n for iv in figures.intervals} == {"call_to_triage": 11, "triage_to_assignment": 10,
                                                          "assignment_to_scene": 10}


def _row(model: QualityModel, code: str) -> int:
    row = model.row_of(code)
    assert row is not None, code
    return row


def test_endpoint_table_equals_the_reports_and_marks_only_signals_with_enough_cases(workspace, figures) -> None:  # type: ignore[no-untyped-def]
    model = workspace.quality.model
    assert model.rowCount() == len(figures.endpoints) == 2
    for g in figures.endpoints:
        row = _row(model, g.endpoint_code)
        text = lambda col: model.data(model.index(row, col), DISPLAY)  # noqa: B023, E731
        assert (text(COL_GROUP), text(COL_VERSION), text(COL_N)) == (g.endpoint_code, g.ruleset_version, str(g.n))
        for col, rate in ((COL_CONVEYED, g.conveyed), (COL_HOME, g.left_at_home), (COL_RECONTACT, g.recontact),
                          (COL_UNDER, g.under_triage), (COL_OVER, g.over_triage)):
            assert text(col) == rate.text()
            assert model.data(model.index(row, col), SORT_ROLE) == rate.value
    over = figures.endpoints[_row(model, "YRSEL.1.01")]
    assert over.n == 6 and over.enough_cases and [s.kind for s in over.signals] == ["over_triage"]
    row = _row(model, "YRSEL.1.01")
    assert "⚠ Övertriage" in model.data(model.index(row, COL_SIGNAL), DISPLAY)
    assert model.data(model.index(row, COL_OVER), Qt.ItemDataRole.BackgroundRole) == SIGNAL_BG
    assert model.data(model.index(row, COL_UNDER), Qt.ItemDataRole.BackgroundRole) is None

    # YRSEL.3.01's under-triage rate alone would raise a signal, but it has fewer than min_cases cases.
    under = figures.endpoints[_row(model, "YRSEL.3.01")]
    assert under.n == 3 < SETTINGS.min_cases and under.under_triage.k == 1 and under.under_triage.low > 0
    assert not under.enough_cases and under.signals == ()
    row = _row(model, "YRSEL.3.01")
    signal = model.data(model.index(row, COL_SIGNAL), DISPLAY)
    assert "⚠" not in signal and "Undertriage" not in signal and "för få ärenden (< 5)" in signal
    for col in range(model.columnCount()):
        assert model.data(model.index(row, col), Qt.ItemDataRole.BackgroundRole) is None


def test_quality_table_sorts_numerically_and_switches_to_resource_types(workspace, figures) -> None:  # type: ignore[no-untyped-def]
    pane = workspace.quality
    view, proxy = pane.table, pane.proxy
    view.sortByColumn(COL_N, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, COL_GROUP).data() for r in range(proxy.rowCount())] == ["YRSEL.1.01", "YRSEL.3.01"]
    view.sortByColumn(COL_SIGNAL, Qt.SortOrder.AscendingOrder)
    assert proxy.index(0, COL_GROUP).data() == "YRSEL.3.01"
    pane.group_by.setCurrentIndex(pane.group_by.findData("resource_type"))
    assert pane.model.rowCount() == len(figures.resource_types)
    assert pane.model.headerData(COL_GROUP, Qt.Orientation.Horizontal) == "Resurstyp"
    for g in figures.resource_types:
        row = _row(pane.model, g.resource_type)
        assert pane.model.data(pane.model.index(row, COL_N), DISPLAY) == str(g.n)


def test_quality_model_passes_qtmodeltester(qtmodeltester, figures) -> None:  # type: ignore[no-untyped-def]
    model = QualityModel()
    model.set_groups(figures.endpoints, figures.min_cases)
    qtmodeltester.check(model)


def test_workspace_renders_every_tab(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(i)
        image = workspace.grab()
        assert not image.isNull() and image.save(str(tmp_path / f"stats-{i}.png"))
    assert [workspace.tabs.tabText(i) for i in range(workspace.tabs.count())] == ["Översikt", "Kvalitet per ändpunkt",
                                                                                      "Per team"]
