"""Specialised types and preferred capabilities (docs/care-need.md, docs/recommendation.md).

Regressions:
- the psychiatric ambulance (PAP) was recommended for somatic needs (e.g. an abdominal pain Prio 3,
  BUK.3.03) because it is a lower palette level than the ambulance and has nurse assessment plus
  ambulance transport; it is now `reserved_for: [psychiatric_assessment]`;
- at night an enrolled frail patient with fever and stable vitals (FEBER.2.02) got one of the three
  single responders because the läkarbil lacked `nurse_assessment`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dispatch.case_input import DispatchCase, load_case
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.fleet import Fleet, default_fleet
from resources.geography import default_geography
from resources.palette import default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority, UnitStatus
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO

ROOT = Path(__file__).resolve().parents[2]
RS = load_ruleset()
FLEET = default_fleet()
ALL_FREE = FleetSnapshot(states_from_fleet(FLEET))
GEO = default_geography()
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)  # PAP (12–24) closed
WEDNESDAY_14 = datetime(2026, 11, 25, 14, 0, tzinfo=LOCAL_TZ)  # PAP in service
WEDNESDAY_23 = datetime(2026, 11, 25, 23, 0, tzinfo=LOCAL_TZ)  # night: no teams in office hours
PAP_ONLY_FOR_PSYCH = "Psykiatriambulans (PAP): endast för vårdbehov med psykiatrisk bedömning"
PSYCHIATRIC_ENDPOINTS = ["PSYK.1.05", "PSYK.2.03", "LPT.1.01", "LPT.1.04", "LPT.2.02"]


def _endpoint(code: str):  # type: ignore[no-untyped-def]
    for c in RS.complaints:
        e = c.endpoint(code)
        if e is not None:
            return e
    raise KeyError(code)


def _case(priority: Priority | str, need: CareNeed, kommun: str = "Malmö",
          context: PatientContext | None = None) -> DispatchCase:
    k = GEO.kommun(kommun)
    return DispatchCase(priority=priority, care_need=need, lat=k.lat, lon=k.lon, kommun=kommun,
                        context=context or PatientContext(age=50))


def _endpoint_case(code: str, kommun: str = "Malmö", context: PatientContext | None = None) -> DispatchCase:
    e = _endpoint(code)
    return _case(e.priority, RS.endpoint_care_need(e), kommun, context)


def _triaged(complaint: str, answers: dict[str, Any], context: PatientContext, at: datetime) -> dict[str, Any]:
    """Walk the real rule set (missing answers = nej) and return the result as the case stores it (JSON)."""
    session = TriageSession(RS, complaint, context, at)
    while not session.done:
        q = session.state().next_question
        assert q is not None
        session.answer(q.id, answers.get(q.id, NO))
    assert session.result is not None
    return json.loads(session.result.model_dump_json())


def _from_triage(result: dict[str, Any], context: PatientContext, kommun: str = "Malmö") -> DispatchCase:
    k = GEO.kommun(kommun)
    return DispatchCase.model_validate({"priority": result["priority"], "care_need": result["care_need"],
                                        "lat": k.lat, "lon": k.lon, "kommun": kommun,
                                        "context": context.model_dump(mode="json")})


# --- 1. PAP only for psychiatric needs ------------------------------------------------------------

def test_abdominal_pain_prio_3_gets_an_ambulance_not_pap_while_pap_is_in_service() -> None:
    ctx = PatientContext(age=45)
    result = _triaged("BUK", {"svår": "nej", "kräkningar": "ja", "puls": 90}, ctx, WEDNESDAY_14)
    assert result["endpoint"] == "BUK.3.03" and result["care_need"]["preferred"] == []
    part = recommend(_from_triage(result, ctx), ALL_FREE, WEDNESDAY_14).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "AMBULANS"
    assert default_palette().type("PAP").in_service(WEDNESDAY_14)
    assert PAP_ONLY_FOR_PSYCH in [p.text for p in part.passed_over]
    assert "PAP" not in [o.type_code for o in part.ranking()]


def _somatic_needs() -> list[tuple[str, Priority, CareNeed]]:
    needs = []
    for c in RS.complaints:
        for e in c.endpoints:
            needs.append((e.code, e.priority, RS.endpoint_care_need(e)))
    for rf in RS.red_flags:
        needs.append((rf.endpoint.code, rf.endpoint.priority, RS.endpoint_care_need(rf.endpoint)))
    for p in (Priority.P1, Priority.P2, Priority.P3):
        needs.append((f"eskalering {p.label}", p, RS.escalation_care_need(p)))
    return [(code, prio, need) for code, prio, need in needs
            if all(Capability.PSYCHIATRIC_ASSESSMENT not in part.requested for part in need.parts())]


@pytest.mark.parametrize("at", [WEDNESDAY_14, WEDNESDAY_23], ids=["14:00", "23:00"])
def test_no_somatic_endpoint_ever_gets_pap_in_its_ranking(at: datetime) -> None:
    needs = _somatic_needs()
    assert len(needs) > 100  # nearly the whole rule set is somatic
    offenders = []
    for code, priority, need in needs:
        for part in recommend(_case(priority, need), ALL_FREE, at).parts:
            if "PAP" in [o.type_code for o in part.ranking()]:
                offenders.append(f"{code} {part.part or 'primär'}")
            if part.fallback is not None:
                assert part.fallback.option.type_code != "PAP", code
    assert offenders == []


def test_the_psychiatric_endpoints_prefer_psychiatric_assessment_in_the_rule_set() -> None:
    for code in PSYCHIATRIC_ENDPOINTS:
        need = RS.endpoint_care_need(_endpoint(code))
        assert need.preferred == {Capability.PSYCHIATRIC_ASSESSMENT}, code
        assert Capability.PSYCHIATRIC_ASSESSMENT not in need.capabilities, code  # an ambulance stays adequate


@pytest.mark.parametrize("code", PSYCHIATRIC_ENDPOINTS)
def test_psychiatric_endpoints_get_pap_in_its_hours_and_an_ambulance_outside(code: str) -> None:
    case = _endpoint_case(code)
    afternoon = recommend(case, ALL_FREE, WEDNESDAY_14).parts[0]
    assert afternoon.recommended is not None and afternoon.recommended.type_code == "PAP"
    assert afternoon.recommended.reason == "lägsta tillräckliga nivå; har önskad förmåga: Psykiatrisk bedömning"
    assert afternoon.preferred == [Capability.PSYCHIATRIC_ASSESSMENT]
    ambulance = next(p for p in afternoon.passed_over if p.type_code == "AMBULANS")
    assert ambulance.reason == "tillräcklig men högre nivå; saknar önskad förmåga: Psykiatrisk bedömning"

    morning = recommend(case, ALL_FREE, WEDNESDAY_10).parts[0]
    assert morning.recommended is not None and morning.recommended.type_code == "AMBULANS"
    assert morning.recommended.missing_preferred == [Capability.PSYCHIATRIC_ASSESSMENT]
    assert "Saknar önskad förmåga: Psykiatrisk bedömning." in morning.message
    pap = next(p for p in morning.passed_over if p.type_code == "PAP")
    assert pap.reason == "utanför tjänstetid (alla dagar 12–24)"


def test_psychiatric_emergency_gets_an_ambulance_when_every_pap_is_busy_or_late() -> None:
    case = _endpoint_case("PSYK.1.05")
    busy = FleetSnapshot([s.model_copy(update={"status": UnitStatus.ON_SCENE}) if s.type == "PAP" else s
                          for s in states_from_fleet(FLEET)])
    part = recommend(case, busy, WEDNESDAY_14).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "AMBULANS" and not part.escalated
    assert next(p for p in part.passed_over if p.type_code == "PAP").reason == "ingen ledig enhet"
    # Far from every PAP station (Båstad): PAP is late for Prio 1 (20 min), the ambulance is in time.
    far = recommend(_endpoint_case("PSYK.1.05", "Båstad"), ALL_FREE, WEDNESDAY_14).parts[0]
    assert far.recommended is not None and far.recommended.type_code == "AMBULANS" and far.recommended.in_time
    assert next(p for p in far.passed_over if p.type_code == "PAP").reason.startswith("ingen ledig inom 20 min")


def test_a_somatic_need_with_no_ambulance_left_falls_back_without_pap() -> None:
    no_ambulance = Fleet(units=tuple(u for u in FLEET.units if u.type != "AMBULANS"))
    snapshot = FleetSnapshot(states_from_fleet(no_ambulance, UnitStatus.AVAILABLE_AT_STATION))
    part = recommend(_endpoint_case("BUK.3.03"), snapshot, WEDNESDAY_14).parts[0]
    assert part.recommended is None, "PAP must not stand in for a missing ambulance on a somatic case"
    assert part.fallback is not None and part.fallback.option.type_code != "PAP"
    assert PAP_ONLY_FOR_PSYCH in [p.text for p in part.passed_over]


# --- the new field at the boundaries ----------------------------------------------------------------

def test_a_case_without_preferred_still_loads_and_one_with_it_round_trips(tmp_path: Path) -> None:
    old = {"priority": "2", "kommun": "Malmö", "lat": 55.6, "lon": 13.0,
           "care_need": {"capabilities": ["nurse_assessment", "ambulance_transport"], "transport": "ambulance",
                         "max_minutes": 60, "role": "", "additional": []}}
    path = tmp_path / "gammalt.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert load_case(path).care_need.preferred == frozenset()

    new = {**old, "care_need": {**old["care_need"], "preferred": ["psychiatric_assessment"]}}
    path.write_text(json.dumps(new), encoding="utf-8")
    case = load_case(path)
    assert case.care_need.preferred == {Capability.PSYCHIATRIC_ASSESSMENT}
    assert DispatchCase.model_validate_json(case.model_dump_json()) == case


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = ("import argparse, sys\nfrom dispatch import recommend_cli\np = argparse.ArgumentParser()\n"
            "recommend_cli.register(p.add_subparsers())\na = p.parse_args(sys.argv[1:])\nsys.exit(a.func(a))")
    return subprocess.run([sys.executable, "-c", code, "recommend", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_recommend_cli_takes_the_triage_care_need_with_preferred(tmp_path: Path) -> None:
    ctx = PatientContext(age=30)
    result = _triaged("PSYK", {"suicidplan": "nej", "hotfull": "ja"}, ctx, WEDNESDAY_14)
    assert result["endpoint"] == "PSYK.2.03"
    assert result["care_need"]["preferred"] == ["psychiatric_assessment"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"priority": result["priority"], "care_need": result["care_need"],
                                "kommun": "Malmö", "lat": 55.6, "lon": 13.0}), encoding="utf-8")
    out = _run_cli("--case", str(path), "--at", "2026-11-25T14:00")
    assert out.returncode == 0, out.stderr
    part = json.loads(out.stdout)["parts"][0]
    assert part["preferred"] == ["psychiatric_assessment"]
    assert part["recommended"]["type_code"] == "PAP" and part["recommended"]["missing_preferred"] == []
    bad = {**json.loads(path.read_text(encoding="utf-8"))}
    bad["care_need"]["preferred"] = ["tankeläsning"]
    path.write_text(json.dumps(bad), encoding="utf-8")
    out = _run_cli("--case", str(path), "--at", "2026-11-25T14:00")
    assert out.returncode == 2 and "preferred" in out.stderr


# --- 2. physician assessment implies nurse assessment -----------------------------------------------

FEVER_STABLE = {"sepsis": "nej", "af": 18, "sat": 95, "puls": 88, "sbt": 135, "temp": 38.4, "dricker": "ja"}


def _lund(kind: str) -> str:
    unit = next(u for u in FLEET.of_type(kind) if u.home_kommun == "Lund")
    assert unit.affiliation
    return unit.affiliation


def test_enrolled_frail_patient_with_fever_at_23_on_a_weekday_gets_the_lakarbil_not_a_single_responder() -> None:
    ctx = PatientContext(age=86, enrolled_mobile_team=_lund("MVT_VC"), home_care=True)
    result = _triaged("FEBER", FEVER_STABLE, ctx, WEDNESDAY_23)
    assert result["endpoint"] == "FEBER.2.02"
    part = recommend(_from_triage(result, ctx, "Lund"), ALL_FREE, WEDNESDAY_23).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "LAKARBIL" and part.recommended.in_time
    single = next(p for p in part.passed_over if p.type_code == "SINGLE_RESP")
    assert single.reason == "tillräcklig men högre nivå"
    mvt = next(p for p in part.passed_over if p.type_code == "MVT_VC")
    assert mvt.reason.startswith("utanför tjänstetid")


def test_the_same_patient_enrolled_in_asih_gets_asih_at_night() -> None:
    ctx = PatientContext(age=86, enrolled_asih=_lund("ASIH"), home_care=True)
    result = _triaged("FEBER", FEVER_STABLE, ctx, WEDNESDAY_23)
    assert result["endpoint"] == "FEBER.2.02"
    part = recommend(_from_triage(result, ctx, "Lund"), ALL_FREE, WEDNESDAY_23).parts[0]
    assert part.recommended is not None and part.recommended.type_code == "ASIH"
    assert [o.type_code for o in part.alternatives][:1] == ["LAKARBIL"]


def test_a_nurse_assessment_need_never_takes_a_single_responder_while_a_lakarbil_is_in_time() -> None:
    """Every non-ambulance nurse-assessment need of the rule set, at every night hour of a weekday."""
    needs = [(code, prio, need) for code, prio, need in _somatic_needs()
             if Capability.NURSE_ASSESSMENT in need.capabilities and "AMBULANCE" not in need.transport.name]
    assert needs
    lakarbil = default_palette().type("LAKARBIL")
    for hour in (18, 21, 23, 2, 5):
        at = WEDNESDAY_10.replace(hour=hour) + (timedelta(days=1) if hour < 8 else timedelta())
        for code, priority, need in needs:
            if lakarbil.missing(need.capabilities) or priority not in lakarbil.priorities:
                continue
            part = recommend(_case(priority, need, "Lund"), ALL_FREE, at).parts[0]
            assert part.recommended is not None, code
            assert part.recommended.type_code != "SINGLE_RESP", f"{code} {at:%H:%M}"

