"""A vital sign that fires at the endpoint's own priority changes the care need when that care need
assumes stable vital signs (no ambulance transport), and the office-hours check.

Regression: "höjer till minst Prio 2" changed nothing at a Prio 2 endpoint, so an enrolled patient
with fever, breathing rate 26, pulse 115 and systolic 95 still got the mobile team within 2 h at
FEBER.2.02 ("stabila vitalparametrar")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from triage_helpers import NOW, answered_or_no

from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.loader import RuleSetError, load_ruleset, ruleset_from_data, ruleset_to_data
from triage_rules.render import render_complaint
from triage_rules.results import TriageResult
from triage_rules.schema import RuleSet

# The mechanics on the first shipped version (its question ids; it names no vital-sign scoring, so only the
# tree's own thresholds fire); the newest version's stable-vitals endpoints are checked below with V2.
RS = load_ruleset(version="skane-2026.1")
V2 = load_ruleset(version="skane-2026.2")
ENROLLED = PatientContext(age=86, enrolled_mobile_team="Vårdcentralen Lund Norr", home_care=True)


def _run(complaint: str, answers: dict[str, Any], ctx: PatientContext = ENROLLED, rs: RuleSet = RS,
         now: datetime = NOW) -> TriageResult:
    return answered_or_no(rs, complaint, answers, ctx, now)


FEVER_STABLE = {"af": 18, "sat": 95, "puls": 88, "sbt": 135, "temp": 38.4, "dricker": "ja"}
FEVER_SICK = {**FEVER_STABLE, "af": 26}
UNMEASURED = {"af": "vet ej", "sat": "vet ej", "puls": "vet ej", "sbt": "vet ej", "temp": "vet ej"}
"""One vital sign in the Prio 2 band. (Until combined_vitals, this was af 26, puls 115 and sbt 95 and
expected Prio 2; several Prio 2 vital signs together now give Prio 1, see test_triage_combined_vitals.py.)"""


def test_fever_with_abnormal_vitals_at_prio_2_gets_an_ambulance_not_the_mobile_team() -> None:
    stable = _run("FEBER", FEVER_STABLE)
    assert stable.endpoint == "FEBER.2.02" and stable.care_need.transport is TransportNeed.NONE

    sick = _run("FEBER", FEVER_SICK)
    assert sick.endpoint == "FEBER.2.02" and sick.priority is Priority.P2
    assert sick.care_need == RS.escalation_care_need(Priority.P2)
    assert Capability.AMBULANCE_TRANSPORT in sick.care_need.capabilities
    why = next(r for r in sick.reasons if r.startswith("Avvikande vitalparameter"))
    assert "förutsätter stabila vitalparametrar" in why and "FEBER.2.02" in why
    assert "förhöjd andningsfrekvens (26 /min)" in why


@pytest.mark.parametrize(("complaint", "answers", "endpoint"), [
    # skane-2026.2's question ids: KONF and KAD take every vital sign, FÖRS also the temperature, ANDN asks
    # whether the patient recognises the exacerbation and has a prescribed target saturation.
    ("KONF", {"akut": "ja", "glukos": 3.5, **UNMEASURED, "infektion": "ja"}, "KONF.2.01"),
    ("UTTORK", {"slö": "ja", "puls": 115, "sbt": 120}, "UTTORK.2.02"),
    ("KAD", {"feber": "ja", **UNMEASURED, "temp": 41}, "KAD.2.01"),
    ("FEBER", {**FEVER_STABLE, "dricker": "nej", "sat": 92}, "FEBER.2.04"),
    ("FÖRS", {"snabb": "ja", **UNMEASURED, "af": 20, "sat": 96, "puls": 115, "sbt": 130}, "FÖRS.2.02"),
    ("ANDN", {"plötslig": "nej", "känd_sjukdom": "ja", "känner_igen": "ja", "målsaturation": "nej", "sat_känd": 92,
              "af_känd": "vet ej"}, "ANDN.2.03"),
])
def test_every_stable_vitals_endpoint_switches_to_ambulance_care(complaint: str, answers: dict[str, Any],
                                                                  endpoint: str) -> None:
    result = _run(complaint, answers, rs=V2)
    assert result.endpoint == endpoint and result.priority is result.endpoint_priority
    assert result.care_need.transport is TransportNeed.AMBULANCE, result.reasons
    assert any("förutsätter stabila vitalparametrar" in r for r in result.reasons)


def test_an_ambulance_endpoint_keeps_its_care_need_and_a_lower_raise_changes_nothing() -> None:
    alone = _run("FEBER", {**FEVER_SICK, "dricker": "nej"}, PatientContext(age=80))
    assert alone.endpoint == "FEBER.2.05"
    assert alone.care_need == RS.endpoint_care_need(RS.complaint("FEBER").endpoint("FEBER.2.05"))
    assert not any("stabila vitalparametrar" in r for r in alone.reasons if r.startswith("Avvikande"))


def _with_if_vitals_abnormal(value: Any) -> dict[str, Any]:
    data = ruleset_to_data(RS)
    feber = next(c for c in data["complaints"] if c["code"] == "FEBER")
    next(e for e in feber["endpoints"] if e["code"] == "FEBER.2.02")["if_vitals_abnormal"] = value
    return data


def test_endpoint_specific_if_vitals_abnormal_care_need_is_used_and_shown() -> None:
    rs = ruleset_from_data(_with_if_vitals_abnormal("AMBULANS_P1"), "mem.yaml")
    result = _run("FEBER", FEVER_SICK, rs=rs)
    assert result.priority is Priority.P2
    assert Capability.IV_MEDICATION in result.care_need.capabilities
    assert result.care_need.max_minutes == 20  # the shorter of the two
    assert any("AMBULANS_P1" in r and "avvikande vitalparametrar" in r for r in result.reasons)
    assert "vid avvikande vitalparameter (if_vitals_abnormal)" in render_complaint(rs, "FEBER")


def test_unknown_if_vitals_abnormal_template_is_refused_with_the_endpoint() -> None:
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(_with_if_vitals_abnormal("SAKNAS"), "mem.yaml")
    assert any("FEBER.2.02" in p and "if_vitals_abnormal" in p and "SAKNAS" in p for p in info.value.problems)


def test_office_hours_check_decides_by_the_time_of_the_call_and_says_so() -> None:
    answers = {"feber": "nej", "har_kad": "ja"}
    day = _run("KAD", answers, PatientContext(age=80), now=NOW)
    night = _run("KAD", answers, PatientContext(age=80), now=datetime.fromisoformat("2026-03-07T02:00:00+01:00"))
    assert day.endpoint == "KAD.3.03" and night.endpoint == "KAD.3.07"
    assert any(r.startswith("Tidpunkt:") and "lördag 02:00" in r for r in night.reasons)
