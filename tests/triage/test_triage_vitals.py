"""Vital signs at any time of the call (issue 14): TriageSession.set_vital, NEWS2 (RCP 2017), qSOFA for the
elderly with suspected infection, children's ranges and glucose; all as data, all only ever raising."""

from __future__ import annotations

from typing import Any

import pytest
from triage_helpers import NOW, minimal_ruleset_data

from resources.patient_context import PatientContext
from resources.vocabulary import Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset, ruleset_from_data, ruleset_to_data
from triage_rules.results import TriageInputError
from triage_rules.schema import UNKNOWN, RuleSet

SCORES = "vital-scores-2026.1"


def _rs(**top: Any) -> RuleSet:
    data = minimal_ruleset_data()
    data.update(vital_scores=SCORES, **top)
    return ruleset_from_data(data, "mem.yaml")


def _to_referral(s: TriageSession) -> None:
    s.answer("RF_X", "nej")
    s.answer("ont", "nej")


def test_vitals_before_during_and_after_the_questions_raise_and_clearing_restores() -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=50), NOW)
    state = s.set_vital("rr", 30)  # before the first question: NEWS2 3 in one parameter
    assert state.provisional_priority is Priority.P1 and state.news2 == 3 and state.vitals == {"rr": 30.0}
    _to_referral(s)
    assert s.result is not None and s.result.endpoint == "TEST.H.02" and s.result.priority is Priority.P1
    assert s.result.care_need.transport is TransportNeed.AMBULANCE  # the escalation care need for Prio 1
    assert s.result.news2 == 3 and s.result.vitals == {"rr": 30.0}
    assert any(r.startswith("NEWS2 3 (Andningsfrekvens 30 /min: 3") and "Prio 1" in r for r in s.result.reasons)
    state = s.set_vital("rr", None)  # after the endpoint: cleared → back to the endpoint's own
    assert state.done and state.result is not None and state.result.priority is Priority.REFERRAL
    assert state.news2 is None and s.vitals == {}


@pytest.mark.parametrize(("vitals", "expected", "news2"), [
    ({"rr": 22, "pulse": 115, "temp": 38.5}, Priority.P2, 5),  # 2 + 2 + 1: medium risk → Prio 2
    ({"rr": 22, "pulse": 95}, Priority.REFERRAL, 3),  # low, no single 3: the tree decides
    ({"rr": 24, "spo2": 93, "pulse": 108, "sbp": 102, "temp": 37.8, "avpu": "A"}, Priority.P2, 6),
    ({"rr": 24, "spo2": 93, "pulse": 108, "sbp": 102, "temp": 39.2, "avpu": "A"}, Priority.P1, 8),
    ({"sbp": 86}, Priority.P1, 3),  # one red parameter is enough (bleeding with SBP 86, NEWS2 total 6)
    ({"avpu": "C"}, Priority.P1, 3),  # new confusion scores 3
    ({"temp": 38.4}, Priority.REFERRAL, 1),
])
def test_news2_response(vitals: dict[str, Any], expected: Priority, news2: int) -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=40), NOW)
    _to_referral(s)
    for name, value in vitals.items():
        s.set_vital(name, value)
    assert s.result is not None and s.result.priority is expected and s.result.news2 == news2, s.result.reasons


def test_spo2_scale2_and_supplemental_oxygen() -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=76), NOW)
    _to_referral(s)
    s.set_vital("spo2", 90)
    assert s.state().news2 == 3 and s.state().provisional_priority is Priority.P1  # scale 1: 90 % scores 3
    state = s.set_oxygen(spo2_scale2=True)  # prescribed target 88–92 %: 90 % scores 0
    assert state.news2 == 0 and state.provisional_priority is Priority.REFERRAL
    state = s.set_oxygen(supplemental=True)  # oxygen scores 2
    assert state.news2 == 2 and any("syrgas: 2" in r for r in state.reasons)
    s.set_vital("spo2", 97)  # scale 2 on oxygen: 97 % scores 3
    assert s.state().news2 == 5 and s.state().provisional_priority is Priority.P1


def test_qsofa_for_the_elderly_with_suspected_infection() -> None:
    rs = _rs(suspected_infection=["TEST"])
    s = TriageSession(rs, "TEST", PatientContext(age=84), NOW)
    _to_referral(s)
    s.set_vital("rr", 22)  # NEWS2 2 alone raises nothing; one qSOFA criterion: assessed on site, Prio 3
    assert s.result is not None and s.result.priority is Priority.P3, s.result.reasons
    assert any(r.startswith("qSOFA 1 av 3 vid misstänkt infektion (kontaktorsaken) hos 84-åring") for r in s.result.reasons)
    s.set_vital("sbp", 100)  # NEWS2 4 (no raise) but qSOFA 2 → Prio 1
    assert s.result is not None and s.result.priority is Priority.P1 and s.result.news2 == 4
    young = TriageSession(rs, "TEST", PatientContext(age=40), NOW)
    _to_referral(young)
    young.set_vital("rr", 22)
    young.set_vital("sbp", 100)
    assert young.result is not None and young.result.priority is Priority.REFERRAL  # qSOFA is for 65+
    fever = TriageSession(_rs(), "TEST", PatientContext(age=84), NOW)  # not an infection complaint …
    _to_referral(fever)
    fever.set_vital("rr", 22)
    assert fever.result is not None and fever.result.priority is Priority.REFERRAL
    fever.set_vital("temp", 38.6)  # … but a fever makes infection suspected
    assert fever.result is not None and fever.result.priority is Priority.P3


@pytest.mark.parametrize(("age", "vitals", "expected"), [
    (3, {"rr": 45}, Priority.P3),  # NICE NG143 amber for 2–5 years (an adult would score 3 → Prio 1)
    (3, {"rr": 65}, Priority.P2),  # NICE NG143 red
    (0, {"rr": 64, "avpu": "V"}, Priority.P1),
    (0, {"rr": 75}, Priority.P1),  # NICE NG9
    (7, {"pulse": 110, "rr": 22}, Priority.REFERRAL),  # within the APLS ranges for 5–12 years
    (7, {"sbp": 75}, Priority.P1),  # PALS hypotension
    (14, {"spo2": 91}, Priority.P1),
    (40, {"rr": 45}, Priority.P1),
])
def test_children_use_age_bands_not_news2(age: int, vitals: dict[str, Any], expected: Priority) -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=age), NOW)
    _to_referral(s)
    for name, value in vitals.items():
        s.set_vital(name, value)
    assert s.result is not None and s.result.priority is expected, s.result.reasons
    assert (s.result.news2 is None) == (age < 16)


def test_glucose_raises_at_any_age() -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(), NOW)
    _to_referral(s)
    s.set_vital("glucose", "2,6")
    assert s.result is not None and s.result.priority is Priority.P2
    assert s.result.news2 is None  # glucose is not part of NEWS2


def test_the_complaints_own_vital_question_is_answered_by_a_taken_vital_sign() -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=50), NOW)
    s.set_vital("pulse", 140)
    s.answer("RF_X", "nej")
    state = s.answer("ont", "ja")  # 'puls' is not asked: the taken pulse answers it
    assert state.done and state.result is not None and state.result.priority is Priority.P1
    step = next(p for p in state.path if p.question_id == "puls")
    assert step.automatic and step.answer == "140" and "(vitalparameter)" in step.answer_label
    assert s.answers == [("RF_X", "nej"), ("ont", "ja")]
    other = TriageSession(_rs(), "TEST", PatientContext(age=50), NOW)
    other.answer("RF_X", "nej")
    other.answer("ont", "ja")
    other.answer("puls", 80)
    assert other.result is not None and other.result.priority is Priority.P2
    other.set_vital("pulse", 135)  # a newer measurement replaces the answer given in the tree
    assert other.result is not None and other.result.priority is Priority.P1 and other.vitals == {"pulse": 135.0}
    assert other.answers == [("RF_X", "nej"), ("ont", "ja")]
    other.set_vital("pulse", None)  # cleared: the question is open again
    assert other.state().next_question is not None and other.state().next_question.id == "puls"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("bp", 120, "Okänd vitalparameter 'bp'"),
    ("avpu", "X", "Medvetandegrad (ACVPU) ska vara A, C, V, P eller U"),
    ("rr", 500, "Andningsfrekvens 500 /min ligger utanför rimligt intervall 0–80 /min"),
    ("temp", "hög", "Temperatur ska anges som ett tal i °C, inte 'hög'"),
])
def test_bad_vital_input_is_refused_in_swedish(name: str, value: Any, message: str) -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(), NOW)
    with pytest.raises(TriageInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        s.set_vital(name, value)


def test_with_context_keeps_vitals_answers_and_red_flags() -> None:
    s = TriageSession(_rs(), "TEST", PatientContext(age=50), NOW)
    s.set_vital("rr", 26)
    s.set_oxygen(supplemental=True)
    _to_referral(s)
    child = s.with_context(PatientContext(age=3))
    assert child.vitals == {"rr": 26.0} and child.oxygen == (True, False) and child.answers == s.answers
    assert child.result is not None and child.result.priority is Priority.REFERRAL  # 26 is normal at 3 years
    assert s.result is not None and s.result.priority is Priority.P1


def _finish_with_no(s: TriageSession) -> None:
    while not s.done:
        q = s.state().next_question
        assert q is not None
        s.answer(q.id, UNKNOWN if q.kind == "vital" else ("nej" if q.kind == "yes_no" else q.options[0].value))


def test_every_shipped_complaint_takes_vitals_and_a_high_news2_gives_prio1_with_an_ambulance() -> None:
    base = load_ruleset()
    data = ruleset_to_data(base)
    data.setdefault("vital_scores", SCORES)
    rs = ruleset_from_data(data, "shipped+scores")
    for complaint in rs.complaints:
        for when in ("before", "after"):
            s = TriageSession(rs, complaint.code, PatientContext(age=70), NOW)
            if when == "before":
                s.set_vital("rr", 28)
                s.set_vital("spo2", 88)
                state = s.set_vital("sbp", 85)
                assert state.provisional_priority is Priority.P1 and state.news2 == 9, complaint.code
            _finish_with_no(s)
            if when == "after":
                s.set_vital("rr", 28)
                s.set_vital("spo2", 88)
                s.set_vital("sbp", 85)
            r = s.result
            assert r is not None and r.priority is Priority.P1, (complaint.code, when, r and r.reasons)
            assert r.care_need.transport is TransportNeed.AMBULANCE and r.care_need.max_minutes is not None, \
                (complaint.code, r.endpoint, r.care_need)
            assert r.care_need.max_minutes <= 30, (complaint.code, r.endpoint)


def test_a_confirmed_target_saturation_in_the_tree_scores_spo2_on_scale_2() -> None:
    """The COPD patient whose caller confirms a prescribed target of 88–92 % is not raised for 90 % (NEWS2 scale
    2, A26 of the acceptance set); an unknown target keeps scale 1, the stricter."""
    rs = load_ruleset(version="skane-2026.2")
    before = [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("plötslig", "nej"), ("känd_sjukdom", "ja"),
              ("känner_igen", "ja")]
    for target, news2 in (("ja", 0), (UNKNOWN, 3), ("nej", 3)):
        s = TriageSession.replay(rs, "ANDN", [*before, ("målsaturation", target)],
                                 context=PatientContext(age=72), now=NOW)
        state = s.set_vital("spo2", 90)
        assert state.news2 == news2, (target, state.reasons)
