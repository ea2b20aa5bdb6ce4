"""The patient's own plan in the dispatcher's case panel, through the real widgets offscreen: the limitation with who
decided and when (named in the section's title), the current plan's items with their hours, the standing order, an
expired plan listed and marked "utgången"; read by the register's audited read for the case's personnummer. The
recommendation as shown says what it did with the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from console.dispatch.case_panel import CasePanel
from console.dispatch.case_sections import sections
from console.dispatch.recommendation_tree import PLAN_ROLE, RecommendationTree
from records.care_plans import (
    CarePlanInput,
    LimitationInput,
    StandingOrderInput,
    limitation_row,
    local_today,
    order_row,
    plan_row,
)
from records.case_detail import CaseDetail
from records.cases import CaseView
from records.db import transaction
from records.models import AuditEntry, Case
from resources.care_plan import LimitationKind, PlanItem, PlanItemKind
from resources.fleet import default_fleet
from resources.vocabulary import Role
from tests.console_dispatch.test_workspace import _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture
from tests.dispatch.test_recommend_care_plan import LUND_TEAMS

PNR = "19121212-1212"  # test series
TEAM, OLD_TEAM = "Vårdcentralen Lund Norr", "ASIH Lund"


def _store_plan(factory, today: date) -> None:  # type: ignore[no-untyped-def]
    at = datetime.now(UTC)
    with transaction(factory) as s:
        s.add(plan_row(CarePlanInput(
            personnummer=PNR, team=TEAM, author="Maja Exempel", written_on=today - timedelta(days=40),
            valid_until=today + timedelta(days=100), free_text="Hjärtsvikt NYHA III.",
            items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8),
                            hours_to=time(17)),
                   PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Extra furosemid enligt ordination")]),
            "vardplaner.csv", at))
        s.add(plan_row(CarePlanInput(
            personnummer=PNR, team=OLD_TEAM, author="Per Prov", written_on=today - timedelta(days=300),
            valid_until=today - timedelta(days=3),
            items=[PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill dö hemma")]), "vardplaner.csv", at))
        s.add(limitation_row(LimitationInput(
            personnummer=PNR, kind=LimitationKind.NO_CPR, decided_by="Sigrid Demoläkare", decided_on=date(2026, 2, 1),
            documented_in="Journal VC Lund Norr", note="Beslutat med patienten"), "vardplaner.csv", at))
        s.add(order_row(StandingOrderInput(personnummer=PNR, team=TEAM, text="IV-furosemid 40 mg",
                                           valid_until=today + timedelta(days=100)), "vardplaner.csv", at))


def test_the_case_panel_shows_the_patients_plan_read_audited(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    today = local_today()
    _store_plan(sqlite_db, today)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=5)
    with transaction(sqlite_db) as s:
        s.get(Case, case_id).personnummer = PNR  # type: ignore[union-attr]
    ws = _workspace(qtbot, dispatcher, executor)
    panel = ws.findChild(CasePanel)
    try:
        qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is not None, timeout=10000)
        with qtbot.waitSignal(panel.shown, timeout=10000):
            ws.select_case_id(case_id)
        _wait_idle(qtbot, executor)
        top = next(panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())
                   if panel.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "care_plan")
        assert top.text(0) == "Patientens plan – Ej HLR"
        rows = panel.section_rows("care_plan")
        valid, expired = (today + timedelta(days=100)).isoformat(), (today - timedelta(days=3)).isoformat()
        assert rows[0] == ("Ej HLR", "beslut Sigrid Demoläkare 2026-02-01, dokumenterat i Journal VC Lund Norr – "
                                     "Beslutat med patienten")
        assert (f"Plan {TEAM}", f"skriven {(today - timedelta(days=40)).isoformat()} av Maja Exempel, "
                                f"gäller till {valid}") in rows
        assert ("  Ring teamet 08–17", "Ring teamet dagtid") in rows
        assert ("  Behandling i hemmet", "Extra furosemid enligt ordination") in rows
        assert ("  Planens text", "Hjärtsvikt NYHA III.") in rows
        assert (f"Plan {OLD_TEAM} (utgången)", f"skriven {(today - timedelta(days=300)).isoformat()} av Per Prov, "
                                               f"utgången {expired}") in rows
        assert ("  Vill inte till sjukhus", "Vill dö hemma") in rows  # shown, under the expired plan
        assert (f"Ordination ({TEAM})", f"IV-furosemid 40 mg – gäller till {valid}") in rows
        labels = [r[0] for r in rows]
        assert labels.index(f"Plan {TEAM}") < labels.index(f"Plan {OLD_TEAM} (utgången)")  # current first
    finally:
        ws.shutdown()
    with sqlite_db() as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "patient.care_plan.read",
                                                   AuditEntry.user_id == dispatcher.user_id)).all()
    assert reads and all(r.detail["patient"] == PNR for r in reads)


def test_a_case_without_a_personnummer_has_no_plan_section(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=5)
    ws = _workspace(qtbot, dispatcher, executor)
    panel = ws.findChild(CasePanel)
    try:
        qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is not None, timeout=10000)
        with qtbot.waitSignal(panel.shown, timeout=10000):
            ws.select_case_id(case_id)
        assert panel.section_rows("care_plan") == []
        assert panel.detail is not None and panel.detail.care_plan is None
    finally:
        ws.shutdown()


def test_the_recommendation_as_shown_says_what_it_did_with_the_plan() -> None:
    at = datetime.now(UTC)
    case = CaseView.model_validate(dict(
        id=3, status="assigned", created_at=at, updated_at=at, caller_name="", callback_phone="", address="x",
        kommun="Lund", lat=55.7, lon=13.2, patient_name="", personnummer=PNR, patient_age=84, complaint=None,
        priority="2", care_need=None, endpoint_code=None, ruleset_version=None, flags=[], waiting_since=at,
        closed_at=None, linked_case_id=None, link_reason=None))
    shown = {"at": at.isoformat(), "priority": "2", "kommun": "Lund", "delregion": "Mellersta", "lat": 55.7,
             "lon": 13.2, "palette_version": "2026.1", "parts": [
                 {"part": "", "capabilities": [], "transport": "none", "max_minutes": 120, "recommended": None,
                  "alternatives": [], "passed_over": [], "message": "x"}],
             "plan": {"followed": False, "team": TEAM, "written_on": "2026-10-01",
                      "text": f"Kan inte följa planen ({TEAM}, 2026-10-01): teamet är utanför tjänstetid (08–17)",
                      "notes": [f"Planen ({TEAM}): Vill helst inte till sjukhus"]}}
    detail = CaseDetail(case=case, triage_priority=None, override_priority=None, override_reason=None,
                        endpoint_code=None, triaged_at=None, triaged_by=None, answers=[], red_flags=[], vitals={},
                        notes=[], recommendation_shown=shown, recommendation_shown_at=at, units=[])
    rec = next(s for s in sections(detail) if s.key == "recommendation")
    row = next(r for r in rec.rows if r.label == "Patientens plan")
    assert row.value.startswith("Kan inte följa planen") and "Vill helst inte till sjukhus" in row.tooltip


def test_the_dispatchers_recommendation_tree_says_what_the_star_did_with_the_plan(qtbot) -> None:  # type: ignore[no-untyped-def]
    from dispatch.fleet_view import FleetSnapshot, states_from_fleet
    from dispatch.recommend import recommend
    from tests.dispatch.test_recommend_care_plan import CALL_DAYTIME, NOT_HOSPITAL, WEDNESDAY_10, case, context
    from tests.dispatch.test_recommend_care_plan import plan as plan_entry

    tree = RecommendationTree()
    qtbot.addWidget(tree)
    team = LUND_TEAMS[1]
    rec = recommend(case(context(plan_entry(team, CALL_DAYTIME, NOT_HOSPITAL), enrolled_mobile_team=team)),
                    FleetSnapshot(states_from_fleet(default_fleet())), WEDNESDAY_10)
    tree.show_recommendation(rec, {}, lambda _u: None)
    last = tree.topLevelItem(tree.topLevelItemCount() - 1)
    assert last.data(0, PLAN_ROLE) is True
    assert last.text(0) == (f"Följer patientens plan ({team}, 2026-10-01): Ring teamet dagtid. "
                            f"Planen ({team}): Vill helst inte till sjukhus.")
    assert tree.topLevelItem(1).text(0).startswith("★ ")  # the ★ option still right under its part
