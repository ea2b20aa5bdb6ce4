"""Overrides re-derive the care need (issue 14): a priority-only override gets the need that fits the new
priority, in the engine and in the command that records it, so the recommendation always finds a resource."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from triage_helpers import NOW, all_paths

from commands import CaseCreated, CompleteTriage, CreateCase, run
from commands.calls import with_override_need
from dispatch.case_input import DispatchCase
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from records.cases import CaseIntake
from records.models import Case
from records.triage_store import CompletedTriage
from resources.care_need import CareNeed
from resources.patient_context import PatientContext
from resources.vocabulary import Priority, Role, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset, ruleset_from_data, ruleset_to_data
from triage_rules.results import care_need_json

NIGHT = datetime.fromisoformat("2026-03-03T02:00:00+01:00")
MALMO = {"lat": 55.60, "lon": 13.00, "kommun": "Malmö"}
FRAIL = PatientContext(age=85, enrolled_mobile_team="Vårdcentralen Malmö", listed_vardcentral="Vårdcentralen Malmö",
                       home_care=True)


def _home_visit() -> TriageSession:
    """A finished call of the shipped rule set that ends in a Prio 2/3 home visit (no transport)."""
    rs = load_ruleset()
    for c in rs.complaints:
        for _, session in all_paths(rs, c.code, FRAIL, NOW):
            r = session.result
            if (r is not None and r.priority in (Priority.P2, Priority.P3) and r.priority == r.endpoint_priority
                    and r.care_need.transport is TransportNeed.NONE and not r.care_need.additional):
                return session
    raise AssertionError("no home-visit endpoint in the shipped rule set")


def _recommended(result: Any, at: datetime) -> str | None:
    case = DispatchCase.model_validate({"priority": result.priority.value, "care_need": care_need_json(result.care_need),
                                        "context": FRAIL.model_dump(mode="json"), **MALMO})
    part = recommend(case, default_snapshot(), at).parts[0]
    return part.recommended.type_code if part.recommended is not None else None


def test_prio1_override_of_a_home_visit_gets_transport_a_short_time_and_a_resource() -> None:
    s = _home_visit()
    own = s.result
    assert own is not None
    r = s.override(priority="1", reason="Anhörig beskriver snabb försämring")
    assert r.priority is Priority.P1 and r.override is not None
    assert r.care_need.transport is TransportNeed.AMBULANCE and r.care_need.max_minutes is not None
    assert r.care_need.max_minutes <= 20, r.care_need
    assert r.override.care_need_before == own.care_need
    assert any("regelverkets eskalering för Prio 1" in line for line in r.reasons), r.reasons
    for at in (NOW, NIGHT):
        assert _recommended(r, at) is not None, (own.endpoint, at)
    preview, source = s.care_need_for_priority("1")
    assert preview == r.care_need and "eskalering" in source


def test_lowering_keeps_what_the_patient_needs_with_the_time_of_the_new_priority() -> None:
    rs = load_ruleset()
    s = TriageSession(rs, "BRÖST", PatientContext(age=60), NOW)
    while not s.done:  # answer "ja"/first option: a Prio 1 endpoint with an ambulance
        q = s.state().next_question
        assert q is not None
        s.answer(q.id, "vet ej" if q.kind == "vital" else ("nej" if q.red_flag else q.options[0].value))
    assert s.result is not None and s.result.priority is Priority.P1
    before = s.result.care_need
    r = s.override(priority="3", reason="Smärtfri sedan två dagar, vill bara ha EKG")
    assert r.care_need.capabilities == before.capabilities and r.care_need.transport == before.transport
    assert r.care_need.max_minutes is not None and before.max_minutes is not None
    assert r.care_need.max_minutes > before.max_minutes
    assert _recommended(r, NOW) is not None


def test_override_back_to_the_endpoints_own_priority_gives_its_own_need() -> None:
    home = _home_visit()
    own = home.result
    assert own is not None
    data = ruleset_to_data(home.ruleset)
    data.setdefault("vital_scores", "vital-scores-2026.1")
    s = TriageSession(ruleset_from_data(data, "shipped+scores"), own.complaint, FRAIL, NOW)
    for qid, value in home.answers:
        s.answer(qid, value)
    s.set_vital("rr", 30)  # NEWS2: a single 3 raises to Prio 1 with the escalation need
    assert s.result is not None and s.result.priority is Priority.P1 and s.result.care_need != own.care_need
    r = s.override(priority=own.endpoint_priority, reason="Andningsfrekvensen felräknad, 18 vid ny räkning")
    assert r.priority is own.endpoint_priority and r.care_need == own.care_need
    assert r.override is not None and own.endpoint in r.override.care_need_source


def test_an_explicit_care_need_is_kept() -> None:
    s = _home_visit()
    need = CareNeed.model_validate({"capabilities": ["nurse_assessment", "ambulance_transport"],
                                    "transport": "ambulance", "max_minutes": 15})
    r = s.override(priority="1", care_need=need, reason="Läkarbedömning i telefon")
    assert r.care_need == need


@pytest.fixture
def nurse(db, make_actor):  # type: ignore[no-untyped-def]
    return make_actor(db, "ssk.anna", Role.NURSE)


def test_complete_triage_command_rederives_the_need_of_a_priority_only_override(db, nurse) -> None:  # type: ignore[no-untyped-def]
    s = _home_visit()
    r = s.result
    assert r is not None
    triage = CompletedTriage(ruleset_version=r.ruleset_version, complaint=r.complaint, endpoint_code=r.endpoint,
                             priority=r.priority, care_need=care_need_json(r.care_need), override_priority=Priority.P1,
                             override_reason="Anhörig beskriver snabb försämring")
    created = run(db, nurse, CreateCase(intake=CaseIntake(kommun="Malmö", lat=55.60, lon=13.00)))
    assert isinstance(created, CaseCreated)
    run(db, nurse, CompleteTriage(case_id=created.case_id, triage=triage))
    with db() as session:
        case = session.scalars(select(Case).where(Case.id == created.case_id)).one()
        stored = CareNeed.model_validate(case.care_need)
        assert case.priority == "1" and stored.transport is TransportNeed.AMBULANCE
        assert stored.max_minutes is not None and stored.max_minutes <= 20


def test_with_override_need_names_an_unknown_version_in_swedish() -> None:
    triage = CompletedTriage(ruleset_version="finns-inte", complaint="X", endpoint_code="X.3.01", priority=Priority.P3,
                             care_need={"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 120},
                             override_priority=Priority.P1, override_reason="Försämring")
    with pytest.raises(ValueError, match="regelverk finns-inte kan inte läsas"):
        with_override_need(triage)
    same = triage.model_copy(update={"override_priority": None})
    assert with_override_need(same) is same
