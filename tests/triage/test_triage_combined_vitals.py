"""Several abnormal vital signs together raise further than each alone (`combined_vitals`).

Regression: breathing rate 26, pulse 115 and systolic 95 (qSOFA 2 territory) each raised only "to at
least Prio 2", so a feverish patient with all three stayed Prio 2 — for an enrolled patient with the
ambulance P2 care need within 60 minutes instead of Prio 1."""

from __future__ import annotations

from typing import Any

import pytest
from triage_helpers import NOW, answered_or_no

from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import RuleSetError, load_ruleset, ruleset_from_data, ruleset_to_data
from triage_rules.render import render_complaint
from triage_rules.results import TriageResult
from triage_rules.schema import NO, UNKNOWN, RuleSet

# The engine's mechanics, tested against the first shipped version (kept loadable): these tests walk its
# question ids. What the newest version does clinically is pinned by tests/triage/journeys/ and tests/clinical/.
RS = load_ruleset(version="skane-2026.1")
ENROLLED = PatientContext(age=86, enrolled_mobile_team="Vårdcentralen Lund Norr", home_care=True)
STABLE = {"af": 18, "sat": 95, "puls": 88, "sbt": 135, "temp": 38.4, "dricker": "ja"}
SEPTIC = {**STABLE, "af": 26, "puls": 115, "sbt": 95}
PRIO2_VALUES = {"af": 26, "sat": 92, "puls": 115, "sbt": 95, "temp": 41}
"""A value in the Prio 2 band (not the Prio 1 band) for each vital sign the shipped rule counts."""


def _run(complaint: str, answers: dict[str, Any], ctx: PatientContext = ENROLLED, rs: RuleSet = RS) -> TriageResult:
    return answered_or_no(rs, complaint, answers, ctx)


def _combined(result: TriageResult) -> list[str]:
    return [r for r in result.reasons if r.startswith("Kombinerade avvikande vitalparametrar")]


def _with_rules(rules: list[dict[str, Any]], unknown_puls: float | None = None) -> RuleSet:
    data = ruleset_to_data(RS)
    data["combined_vitals"] = rules
    if unknown_puls is not None:
        feber = next(c for c in data["complaints"] if c["code"] == "FEBER")
        next(q for q in feber["questions"] if q["id"] == "puls")["unknown_as"] = unknown_puls
    return ruleset_from_data(data, "mem.yaml")


def test_the_septic_looking_patient_ends_prio_1_with_an_ambulance_and_the_reason_names_the_combination() -> None:
    result = _run("FEBER", SEPTIC)
    assert result.endpoint == "FEBER.2.02" and result.endpoint_priority is Priority.P2
    assert result.priority is Priority.P1
    assert result.care_need.transport is TransportNeed.AMBULANCE
    assert Capability.AMBULANCE_TRANSPORT in result.care_need.capabilities
    assert result.care_need == RS.escalation_care_need(Priority.P1)
    [why] = _combined(result)
    for finding in ("förhöjd andningsfrekvens (26 /min)", "hög puls (115 /min)", "lågt blodtryck för en vuxen (95 mmHg)"):
        assert finding in why
    assert "3 vitalparametrar" in why and "minst 2" in why and "Prio 1" in why and "sepsis" in why


def test_the_raise_shows_in_the_provisional_priority_as_soon_as_the_second_vital_is_abnormal() -> None:
    session = TriageSession(RS, "FEBER", ENROLLED, NOW)
    for qid, value in [("RF_MEDVETSLÖS", NO), ("RF_ANDNING", NO), ("RF_CHOCK", NO), ("sepsis", NO), ("af", 26)]:
        state = session.answer(qid, value)
    assert state.provisional_priority is Priority.P2
    state = session.answer("sat", 95)
    assert state.provisional_priority is Priority.P2
    state = session.answer("puls", 115)
    assert state.provisional_priority is Priority.P1
    assert any(r.startswith("Kombinerade") for r in state.reasons)


def test_not_enrolled_ambulance_endpoint_is_raised_too() -> None:
    result = _run("FEBER", {**SEPTIC, "dricker": "nej"}, PatientContext(age=80))
    assert result.endpoint == "FEBER.2.05" and result.priority is Priority.P1
    assert result.care_need == RS.escalation_care_need(Priority.P1)


def test_a_single_abnormal_vital_sign_does_not_combine() -> None:
    for vital in ("af", "puls", "sbt"):
        result = _run("FEBER", {**STABLE, vital: SEPTIC[vital]})
        assert result.priority is Priority.P2, vital
        assert not _combined(result)
        assert result.care_need == RS.escalation_care_need(Priority.P2)  # the same-priority rule still applies


def test_vet_ej_vital_signs_do_not_count() -> None:
    result = _run("FEBER", {**SEPTIC, "puls": UNKNOWN, "sbt": UNKNOWN})
    assert result.priority is Priority.P2 and not _combined(result)


def test_a_vet_ej_counted_as_an_abnormal_number_does_not_combine_either() -> None:
    rs = _with_rules(ruleset_to_data(RS)["combined_vitals"], unknown_puls=120)
    result = _run("FEBER", {**STABLE, "af": 26, "puls": UNKNOWN}, rs=rs)
    assert result.priority is Priority.P2  # puls counted as 120 raises alone, but is not measured
    assert not _combined(result)
    measured = _run("FEBER", {**STABLE, "af": 26, "puls": 120}, rs=rs)
    assert measured.priority is Priority.P1 and _combined(measured)


def test_only_the_listed_vital_signs_count() -> None:
    rs = _with_rules([{"min_count": 2, "of_priority": 2, "raise_to": 1, "vitals": ["af", "sat"],
                       "reason": "andningspåverkan"}])
    assert _run("FEBER", SEPTIC, rs=rs).priority is Priority.P2  # puls and sbt do not count here
    both = _run("FEBER", {**SEPTIC, "sat": 92}, rs=rs)
    assert both.priority is Priority.P1
    assert "sänkt syremättnad (92 %)" in _combined(both)[0] and "hög puls" not in _combined(both)[0]


def test_a_rule_at_the_endpoints_own_priority_switches_a_stable_vitals_care_need() -> None:
    rs = _with_rules([{"min_count": 2, "of_priority": 3, "raise_to": 2, "reason": "test"}])
    result = _run("FEBER", SEPTIC, rs=rs)  # the members are at Prio 2 themselves: still Prio 2
    assert result.priority is Priority.P2 and _combined(result)
    assert result.care_need.transport is TransportNeed.AMBULANCE


def _vital_paths(complaint: str) -> list[tuple[list[tuple[str, Any]], TriageSession, int]]:
    """Every branch of a complaint with every vital sign answered in its Prio 2 band (or vet ej if the
    shipped rule does not count it), and how many counted vital signs the path measured."""
    out = []
    stack: list[list[tuple[str, Any]]] = [[]]
    while stack:
        answers = stack.pop()
        session = TriageSession.replay(RS, complaint, answers, ENROLLED, NOW)
        state = session.state()
        if state.done:
            out.append((answers, session, sum(1 for q, v in answers if q in PRIO2_VALUES and v != UNKNOWN)))
            continue
        q = state.next_question
        assert q is not None
        if q.kind == "vital":
            stack.append([*answers, (q.id, PRIO2_VALUES.get(q.id, UNKNOWN))])
        else:
            stack.extend([*answers, (q.id, o.value)] for o in q.options if o.value != UNKNOWN)
    return out


@pytest.mark.parametrize("complaint", [c.code for c in RS.complaints])
def test_every_path_with_two_prio_2_vitals_ends_prio_1_with_an_ambulance(complaint: str) -> None:
    for answers, session, counted in _vital_paths(complaint):
        result = session.result
        assert result is not None
        if counted >= 2:
            assert result.priority is Priority.P1, answers
            assert result.care_need.transport is TransportNeed.AMBULANCE, answers
            assert result.red_flag or _combined(result), answers
        elif counted < 2 and not result.red_flag and result.endpoint_priority is not Priority.P1:
            assert not _combined(result), answers


def test_rules_show_prints_the_combination_rule() -> None:
    text = render_complaint(RS, "FEBER")
    assert "Kombinerade vitalparametrar" in text and "af, sat, puls, sbt, temp" in text
    assert "Kombinerade vitalparametrar" not in render_complaint(RS, "KONF")  # only glukos: cannot combine


@pytest.mark.parametrize(("rule", "message"), [
    ({"min_count": 1, "of_priority": 2, "raise_to": 1, "reason": "x"}, "'min_count' måste vara minst 2"),
    ({"of_priority": 2, "reason": "x"}, "saknar 'raise_to'"),
    ({"raise_to": 1, "reason": "x"}, "saknar 'of_priority'"),
    ({"of_priority": 2, "raise_to": 2, "reason": "x"}, "måste vara mer brådskande"),
    ({"of_priority": 2, "raise_to": "hänvisning", "reason": "x"}, "kan inte vara hänvisning"),
    ({"of_priority": 2, "raise_to": 1}, "saknar motivering"),
    ({"of_priority": 2, "raise_to": 1, "reason": "x", "vitals": ["af", "pulss"]}, "'pulss'"),
    ({"of_priority": 2, "raise_to": 1, "reason": "x", "vitals": ["glukos_lågt", "af", "af"]}, "två gånger"),
    ({"min_count": 3, "of_priority": 2, "raise_to": 1, "reason": "x", "vitals": ["af", "puls"]}, "kan aldrig uppfyllas"),
])
def test_broken_combination_rules_are_refused_with_a_message(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleSetError) as info:
        _with_rules([rule])
    assert any("combined_vitals, regel 1" in p and message in p for p in info.value.problems), info.value.problems
