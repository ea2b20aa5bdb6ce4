"""A triage result's priority and care need drop straight into the recommendation (docs/care-need.md),
and the endpoints reviewed for this release get a resource at the hours that matter.

Regressions: the fallback listed "Ambulanstransport" twice (capability and transport need); a
patient enrolled and listed at the same vårdcentral was named twice in the reason."""

from __future__ import annotations

import json
from datetime import datetime

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, default_snapshot, states_from_fleet
from dispatch.recommend import recommend
from resources.fleet import Fleet, default_fleet
from resources.patient_context import PatientContext
from resources.vocabulary import Capability, UnitStatus
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO

WEEKDAY_10 = datetime.fromisoformat("2026-03-03T10:00:00+01:00")
WEEKDAY_14 = datetime.fromisoformat("2026-03-03T14:00:00+01:00")
MALMO = {"lat": 55.60, "lon": 13.00, "kommun": "Malmö"}


def _triage_json(complaint: str, answers: dict[str, object], context: PatientContext) -> dict[str, object]:
    session = TriageSession(load_ruleset(), complaint, context, WEEKDAY_10)
    while not session.done:
        q = session.state().next_question
        assert q is not None
        session.answer(q.id, answers.get(q.id, NO))
    assert session.result is not None
    return json.loads(session.result.model_dump_json())


def _case(result: dict[str, object], context: PatientContext, where: dict[str, object]) -> DispatchCase:
    # verbatim: the triage JSON's priority and care_need, the intake's position and the register's context
    return DispatchCase.model_validate({"priority": result["priority"], "care_need": result["care_need"],
                                        "context": context.model_dump(mode="json"), **where})


def test_suicidal_with_plan_gets_pap_in_its_hours_and_an_ambulance_outside() -> None:
    ctx = PatientContext(age=34)
    case = _case(_triage_json("PSYK", {"suicidplan": "ja"}, ctx), ctx, MALMO)
    morning = recommend(case, default_snapshot(), WEEKDAY_10).parts[0]
    afternoon = recommend(case, default_snapshot(), WEEKDAY_14).parts[0]
    assert morning.recommended is not None and morning.recommended.type_code == "AMBULANS"
    assert afternoon.recommended is not None and afternoon.recommended.type_code == "PAP"


def test_enrolled_frail_patient_with_fever_gets_own_team() -> None:
    team = "Vårdcentralen Lund Norr"
    ctx = PatientContext(age=86, enrolled_mobile_team=team, listed_vardcentral=team, home_care=True)
    answers = {"sepsis": "nej", "af": 18, "sat": 95, "puls": 88, "sbt": 135, "temp": 38.4, "dricker": "ja"}
    case = _case(_triage_json("FEBER", answers, ctx), ctx, {"lat": 55.72, "lon": 13.19, "kommun": "Lund"})
    part = recommend(case, default_snapshot(), WEEKDAY_10).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "MVT_VC"
    assert "Lund Norr" in (part.recommended.unit_name or "")


def test_reasons_name_each_team_and_each_missing_capability_once() -> None:
    team = "Vårdcentralen Ingenstans"
    ctx = PatientContext(age=86, enrolled_mobile_team=team, listed_vardcentral=team)
    answers = {"sepsis": "nej", "af": 18, "sat": 95, "puls": 88, "sbt": 135, "temp": 38.4, "dricker": "ja"}
    case = _case(_triage_json("FEBER", answers, ctx), ctx, MALMO)
    part = recommend(case, default_snapshot(), WEEKDAY_10).parts[0]
    mvt = next(p for p in part.passed_over if p.type_code == "MVT_VC")
    assert mvt.reason.count(team) == 1

    no_ambulance = Fleet(units=tuple(u for u in default_fleet().units if u.type != "AMBULANS"))
    snapshot = FleetSnapshot(states_from_fleet(no_ambulance, UnitStatus.AVAILABLE_AT_STATION))
    p1 = _case(_triage_json("BRÖST", {"pågående": "ja", "karaktär": "ja"}, ctx), ctx, MALMO)
    assert Capability.AMBULANCE_TRANSPORT in p1.care_need.capabilities
    fallback = recommend(p1, snapshot, WEEKDAY_10).parts[0].fallback
    assert fallback is not None
    assert len(fallback.missing) == len(set(fallback.missing)) and "Ambulanstransport" in fallback.missing
