"""The statistics workspace's "Per team" tab shows the report's per-team figures (outcomes.stats.team_stats): where
the enrolled patients' calls ended — at home, at the ED, admitted — and how often their plan was followed, per team
of the time; the same counts as the database holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy import func, select

from console.stats.team_pane import COL_ADMITTED, COL_ED, COL_HOME, COL_N, COL_PLAN, COL_TEAM, SORT_ROLE, TeamModel
from console.stats.workspace import StatsWorkspace
from console.tasks import DbExecutor
from outcomes.closing import record_outcome
from outcomes.report import quality_figures
from records.db import transaction
from records.demo import demo_personnummer
from records.models import CarePlanRow, Case, LaterFact, Outcome, Patient
from resources.vocabulary import Role

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NORR, ASIH = "Vårdcentralen Lund Norr", "ASIH Lund"
DISPLAY = Qt.ItemDataRole.DisplayRole


def build(factory, nurse) -> None:  # type: ignore[no-untyped-def]
    """Lund Norr (a plan): home ×2 (plan followed), ED then admitted (plan not followed), to a ward (n/a).
    ASIH Lund (enrolled, no plan): home, ED. A patient of no team: not a row."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    planned, asih, nobody = (demo_personnummer(date(1930 + i, 2, 3), i) for i in range(3))
    with transaction(factory) as s:
        s.add_all([Patient(personnummer=planned, name="A", enrolled_mobile_team=NORR, updated_at=at, source="t"),
                   Patient(personnummer=asih, name="B", enrolled_asih=ASIH, updated_at=at, source="t"),
                   Patient(personnummer=nobody, name="C", updated_at=at, source="t"),
                   CarePlanRow(personnummer=planned, team=NORR, author="Maja Exempel", written_on=date(2026, 1, 5),
                               valid_until=date(2026, 12, 31), items=[], free_text="", source="t", updated_at=at)])
        rows = [(planned, "treated_left_home", "yes"), (planned, "left_home_advice", "yes"),
                (planned, "transported_ed", "no"), (planned, "to_ward", "not_applicable"),
                (asih, "handed_over_team", None), (asih, "transported_ed", None), (nobody, "transported_ed", None)]
        for n, (pnr, code, followed) in enumerate(rows):
            created = T0 + timedelta(minutes=30 * n)
            case = Case(status="waiting", created_at=created, updated_at=created, created_by=nurse.user_id,
                        priority="2", personnummer=pnr, kommun="Lund", flags=[])
            s.add(case)
            s.flush()
            record_outcome(s, nurse, case.id, code, "AKM_LUND" if code == "transported_ed" else None,
                           at=created + timedelta(hours=1), plan_followed=followed,
                           plan_reason="Teamet nåddes inte" if followed == "no" else None)
            if pnr == planned and code == "transported_ed":
                s.add(LaterFact(case_id=case.id, fact="inlagd", fact_date=created + timedelta(days=1), source="t",
                                imported_at=created))


@pytest.fixture
def workspace(qtbot, factory, actor_for):  # type: ignore[no-untyped-def]
    build(factory, actor_for(Role.NURSE))
    executor = DbExecutor(factory)
    w = StatsWorkspace(actor_for(Role.PHYSICIAN), executor)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.period.setCurrentIndex(w.period.findData(-1))
    for edit in (w.date_from, w.date_to):
        edit.setDate(QDate(DAY.year, DAY.month, DAY.day))
    w.refresh()
    qtbot.waitUntil(lambda: not executor.busy and w.figures is not None, timeout=10000)
    yield w
    executor.shutdown()


def test_the_per_team_tab_shows_the_reports_figures(workspace, factory) -> None:  # type: ignore[no-untyped-def]
    tabs = workspace.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())][-1] == "Per team"
    tabs.setCurrentWidget(workspace.teams)
    model = workspace.teams.model
    with transaction(factory) as s:
        figures = quality_figures(s, DAY, DAY)
        in_db = dict(s.execute(select(Outcome.patient_team, func.count()).where(Outcome.patient_team.is_not(None))
                               .group_by(Outcome.patient_team)).all())
    assert model.teams() == list(figures.teams)
    assert {t.team: t.n for t in figures.teams} == in_db == {NORR: 4, ASIH: 2}
    cells = {model.data(model.index(r, COL_TEAM), DISPLAY): [model.data(model.index(r, c), DISPLAY)
                                                            for c in (COL_N, COL_HOME, COL_ED, COL_ADMITTED, COL_PLAN)]
             for r in range(model.rowCount())}
    norr = next(t for t in figures.teams if t.team == NORR)
    assert (norr.at_home.k, norr.emergency_department.k, norr.admitted.k) == (2, 1, 2)  # ED then admitted; a ward
    assert (norr.plan_followed.k, norr.plan_followed.n, norr.plan_not_applicable) == (2, 3, 1)
    assert cells[NORR] == ["4", norr.at_home.text(), norr.emergency_department.text(), norr.admitted.text(),
                           norr.plan_followed.text()]
    asih = next(t for t in figures.teams if t.team == ASIH)
    assert (asih.at_home.k, asih.emergency_department.k, asih.plan_not_asked) == (1, 1, 2)
    assert cells[ASIH][-1] == "–"  # nobody answered: no rate
    assert workspace.teams.empty.isHidden()
    proxy = workspace.teams.proxy
    workspace.teams.table.sortByColumn(COL_N, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, COL_TEAM).data() == NORR
    assert model.data(model.index(0, COL_HOME), SORT_ROLE) == model.teams()[0].at_home.value


def test_team_model_passes_qtmodeltester(qtmodeltester, workspace) -> None:  # type: ignore[no-untyped-def]
    model = TeamModel()
    model.set_teams(workspace.figures.teams)
    qtmodeltester.check(model)
