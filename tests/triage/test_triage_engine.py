"""The engine on the shipped rule set: paths, red flags, vital signs, context, recontact, override."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from triage_helpers import EVENING, NOW, all_paths, contexts

from resources.care_need import CareNeed
from resources.palette import default_palette
from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.flags import FLAG_OVERRIDE, FLAG_RECONTACT
from triage_rules.loader import load_ruleset
from triage_rules.results import TriageInputError, TriageResult
from triage_rules.schema import NO, UNKNOWN, YES

# The engine's mechanics, tested against the first shipped version (kept loadable): these tests walk its
# question ids. What the newest version does clinically is pinned by tests/triage/journeys/ and tests/clinical/.
RS = load_ruleset(version="skane-2026.1")
CODES = [c.code for c in RS.complaints]

REQUIRED = {  # the list of chief complaints -> our code
    "medvetslöshet/hjärtstopp": "MEDV", "bröstsmärta": "BRÖST", "andningsbesvär": "ANDN", "strokesymtom": "STROKE",
    "allergisk reaktion": "ALLERGI", "kramper": "KRAMP", "blödning": "BLÖDN", "trauma": "TRAUMA",
    "fall utan skada": "FALLU", "fall med skada": "FALLS", "buksmärta": "BUK", "feber hos äldre": "FEBER",
    "förvirring": "KONF", "allmän försämring": "FÖRS", "uttorkning": "UTTORK", "urinstämma/KAD": "KAD",
    "sårproblem": "SÅR", "diabetes": "DIAB", "förgiftning": "INTOX", "psykiatri": "PSYK", "LPT": "LPT",
    "palliativ": "PALL", "väntat dödsfall": "DÖD", "graviditet": "GRAV", "barn med feber": "BARNF",
    "huvudvärk": "HUVUD", "ryggsmärta": "RYGG", "yrsel": "YRSEL", "planerad liggande transport": "TRANSP",
    "övrigt": "ÖVRIGT",
}


def test_shipped_ruleset_covers_the_required_complaints() -> None:
    assert len(RS.complaints) >= 30
    assert set(REQUIRED.values()) <= set(CODES)
    assert "medicinska ledning" in RS.status


@pytest.mark.parametrize("code", CODES)
def test_every_path_ends_at_an_endpoint_with_priority_and_reasons(code: str) -> None:
    reached: set[str] = set()
    for ctx, now in [(ctx, now) for ctx in contexts() for now in (NOW, EVENING)]:
        for answers, session in all_paths(RS, code, ctx, now):
            result = session.result
            assert result is not None, f"{code}: no result after {answers}"
            assert result.endpoint_priority is not None and result.priority is not None
            assert result.reasons, f"{code}: result without reasons after {answers}"
            assert result.endpoint in result.reasons[-1] or any(result.endpoint in r for r in result.reasons)
            reached.add(result.endpoint)
    own = {e.code for e in RS.complaint(code).endpoints}
    assert own <= reached, f"{code}: endpoints never reached: {own - reached}"


@pytest.mark.parametrize("code", CODES)
def test_every_red_flag_raises_to_prio_1_wherever_asked(code: str) -> None:
    asked = 0
    for ctx in contexts()[:2]:
        for answers, _ in all_paths(RS, code, ctx):
            for i in range(len(answers) + 1):
                session = TriageSession.replay(RS, code, answers[:i], context=ctx, now=NOW)
                state = session.state()
                if state.done:
                    break
                q = state.next_question
                assert q is not None
                if q.red_flag:
                    asked += 1
                    for value in (YES, UNKNOWN):
                        s2 = TriageSession.replay(RS, code, [*answers[:i], (q.id, value)], context=ctx, now=NOW)
                        assert s2.result is not None and s2.result.priority is Priority.P1
                        assert s2.result.red_flag == q.id
                # a red flag the nurse hears at any moment also ends at Prio 1
                for rf in RS.red_flags:
                    s3 = TriageSession.replay(RS, code, answers[:i], context=ctx, now=NOW)
                    result = s3.raise_red_flag(rf.id).result
                    assert result is not None and result.priority is Priority.P1 and result.red_flag == rf.id
    assert asked >= len(RS.complaint(code).red_flags)


def test_red_flag_answer_leads_to_red_flag_endpoint_with_its_care_need() -> None:
    result = TriageSession.replay(RS, "MEDV", [("RF_HJÄRTSTOPP", "ja")], now=NOW).result
    assert result is not None
    assert result.endpoint == "RÖD.1.00" and result.priority is Priority.P1
    assert result.care_need.transport is TransportNeed.AMBULANCE
    assert [p.role for p in result.care_need.additional] == ["IVPA"]
    assert Capability.CPR_DEFIBRILLATION in result.care_need.additional[0].capabilities


def _finish(session: TriageSession, vital: object = UNKNOWN) -> TriageResult:
    """Answer 'nej' to everything (vet ej / `vital` for vital signs) until an endpoint."""
    while not session.done:
        q = session.state().next_question
        assert q is not None
        session.answer(q.id, vital if q.kind == "vital" else (q.options[0].value if q.kind == "choice" else NO))
    assert session.result is not None
    return session.result


def test_vital_signs_only_raise() -> None:
    ctx = PatientContext(age=86, enrolled_mobile_team="MVT Lund Norr")
    calm = _finish(TriageSession(RS, "FEBER", ctx, NOW))
    assert calm.priority is calm.endpoint_priority
    low_sat = TriageSession(RS, "FEBER", ctx, NOW)
    for rf in ("RF_MEDVETSLÖS", "RF_ANDNING", "RF_CHOCK"):
        low_sat.answer(rf, "nej")
    low_sat.answer("sepsis", "nej")
    low_sat.answer("af", 18)
    low_sat.answer("sat", 88)
    result = _finish(low_sat)
    assert result.endpoint == calm.endpoint
    assert result.priority is Priority.P1
    assert result.care_need.transport is TransportNeed.AMBULANCE  # escalated care need
    assert any("88 %" in r and "Prio 1" in r for r in result.reasons)


@pytest.mark.parametrize("code", CODES)
def test_normal_vitals_never_change_the_endpoint_priority(code: str) -> None:
    for answers, _ in all_paths(RS, code):
        normal = []
        for qid, value in answers:
            q = RS.complaint(code).question(qid)
            if q is not None and q.kind.value == "vital" and q.range:
                # the middle of the range between the nearest thresholds is "normal" for every vital we ship
                normal.append((qid, {"af": 16, "sat": 97, "puls": 75, "sbt": 130, "temp": 37, "glukos": 6}.get(
                    qid.split("_")[0], value)))
            else:
                normal.append((qid, value))
        result = TriageSession.replay(RS, code, normal, now=NOW).result
        assert result is not None
        assert result.priority is result.endpoint_priority


def test_out_of_range_vital_is_refused_with_a_swedish_message() -> None:
    s = TriageSession.replay(RS, "HJÄRTKL", [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("RF_CHOCK", "nej"),
                                           ("symtom", "nej")], now=NOW)
    with pytest.raises(TriageInputError, match="utanför rimligt intervall"):
        s.answer("puls", 400)
    with pytest.raises(TriageInputError, match="ska besvaras med ett tal"):
        s.answer("puls", "snabb")
    s.answer("puls", "142")
    assert s.state().provisional_priority is Priority.P1


def test_unknown_counts_as_the_riskier_answer() -> None:
    s = TriageSession.replay(RS, "BRÖST", [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("RF_CHOCK", "nej"),
                                         ("pågående", "vet ej"), ("karaktär", "vet ej")], now=NOW)
    assert s.result is not None and s.result.endpoint == "BRÖST.1.01"
    assert any("Vet ej (räknas som Ja" in r for r in s.result.reasons)


def test_back_and_change_re_evaluate_the_path() -> None:
    rf = [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("RF_CHOCK", "nej")]
    s = TriageSession.replay(RS, "BRÖST", [*rf, ("pågående", "ja"), ("karaktär", "ja")], now=NOW)
    assert s.result is not None and s.result.endpoint == "BRÖST.1.01"
    state = s.back()
    assert not state.done and state.next_question is not None and state.next_question.id == "karaktär"
    s.answer("karaktär", "nej")
    s.answer("andningsberoende", "nej")
    assert s.result is not None and s.result.endpoint == "BRÖST.2.02"
    state = s.change("pågående", "nej")
    assert state.next_question is not None and state.next_question.id == "senast"
    assert [q for q, _ in s.answers] == [*(q for q, _ in rf), "pågående"]  # answers off the path are dropped
    with pytest.raises(TriageInputError):
        s.change("karaktär", "ja")
    with pytest.raises(TriageInputError):
        s.answer("puls", 80)  # not the current question


def test_same_answers_give_the_same_result() -> None:
    answers = [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("RF_CHOCK", "nej"), ("sepsis", "nej"),
               ("af", 20), ("sat", 94), ("puls", 90), ("sbt", 120), ("temp", 38.5), ("dricker", "ja")]
    ctx = PatientContext(age=88, lives_in_saebo=True)
    a = TriageSession.replay(RS, "FEBER", answers, context=ctx, now=NOW).result
    b = TriageSession.replay(RS, "FEBER", answers, context=ctx, now=NOW).result
    assert a is not None and b is not None
    assert a.model_dump_json() == b.model_dump_json()
    assert TriageResult.model_validate_json(a.model_dump_json()) == a


def _left_at_home(hours_ago: float) -> PatientContext:
    return PatientContext(age=80, last_left_at_home=NOW - timedelta(hours=hours_ago))


def test_recontact_within_window_raises_one_step_and_flags() -> None:
    base = _finish(TriageSession(RS, "YRSEL", PatientContext(age=80), NOW))
    again = _finish(TriageSession(RS, "YRSEL", _left_at_home(20), NOW))
    assert again.endpoint == base.endpoint
    assert again.priority is base.priority.raised(1)
    assert FLAG_RECONTACT in again.flags and again.recontact
    assert any("Återkontakt" in r for r in again.reasons)


def test_recontact_outside_window_does_not_raise() -> None:
    base = _finish(TriageSession(RS, "YRSEL", PatientContext(age=80), NOW))
    late = _finish(TriageSession(RS, "YRSEL", _left_at_home(RS.recontact_window_hours + 1), NOW))
    assert late.priority is base.priority and FLAG_RECONTACT not in late.flags
    # the window is configurable per session
    wide = _finish(TriageSession(RS, "YRSEL", _left_at_home(100), NOW, recontact_window=timedelta(hours=120)))
    assert wide.priority is base.priority.raised(1)


def test_recontact_with_naive_timestamps() -> None:
    ctx = PatientContext(last_left_at_home=datetime(2026, 3, 3, 8, 0))
    result = _finish(TriageSession(RS, "RYGG", ctx, datetime(2026, 3, 3, 10, 0)))
    assert result.recontact


def test_override_needs_a_reason_and_is_recorded() -> None:
    s = TriageSession(RS, "RYGG", None, NOW)
    _finish(s)
    assert s.result is not None
    before = s.result
    with pytest.raises(TriageInputError, match="motivering"):
        s.override(priority=Priority.P2, reason="  ")
    need = CareNeed(capabilities=frozenset({Capability.NURSE_ASSESSMENT, Capability.AMBULANCE_TRANSPORT}),
                    transport=TransportNeed.AMBULANCE, max_minutes=60)
    result = s.override(priority="2", care_need=need, reason="Inringaren låter mycket påverkad")
    assert result.priority is Priority.P2 and result.care_need == need
    assert result.override is not None and result.override.reason == "Inringaren låter mycket påverkad"
    assert result.override.priority_before is before.priority
    assert FLAG_OVERRIDE in result.flags
    assert "Inringaren låter mycket påverkad" in result.reasons[-1]
    assert TriageResult.model_validate_json(result.model_dump_json()) == result
    s.back()
    assert s.result is None or s.result.override is None


def test_override_before_done_is_refused() -> None:
    with pytest.raises(TriageInputError):
        TriageSession(RS, "BUK", None, NOW).override(priority="1", reason="x")


def test_context_decides_mobile_team_versus_ambulance() -> None:
    answers = [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("RF_CHOCK", "nej"), ("sepsis", "nej"),
               ("af", 18), ("sat", 95), ("puls", 85), ("sbt", 130), ("temp", 38.4), ("dricker", "nej")]
    team = TriageSession.replay(RS, "FEBER", answers, context=PatientContext(enrolled_mobile_team="MVT"), now=NOW)
    alone = TriageSession.replay(RS, "FEBER", answers, context=PatientContext(), now=NOW)
    assert team.result is not None and alone.result is not None
    assert team.result.care_need.transport is TransportNeed.NONE
    assert alone.result.care_need.transport is TransportNeed.AMBULANCE
    assert any("Patientuppgift" in r and "MVT" in r for r in team.result.reasons)


def _care_needs():
    for c in RS.complaints:
        for e in c.endpoints:
            yield e.code, e.priority, RS.endpoint_care_need(e)
    for rf in RS.red_flags:
        yield rf.endpoint.code, rf.endpoint.priority, RS.endpoint_care_need(rf.endpoint)
    for p in (Priority.P1, Priority.P2, Priority.P3):
        yield f"eskalering {p.value}", p, RS.escalation_care_need(p)


def test_every_care_need_part_can_be_met_by_some_palette_type() -> None:
    palette = default_palette()
    for code, priority, need in _care_needs():
        assert need is not None
        for part in need.parts():
            fits = [t.code for t in palette.types
                    if not t.missing(part.capabilities) and t.provides(part.transport) and priority in t.priorities
                    and not t.reserved_against(part.requested)]
            assert fits, f"{code} ({part.role or 'primär'}): no palette type has {sorted(part.capabilities)}"


def test_referrals_have_no_transport_and_no_time_limit() -> None:
    for code, priority, need in _care_needs():
        if priority is Priority.REFERRAL:
            assert need.transport is TransportNeed.NONE and need.max_minutes is None, code
            assert need.capabilities & {Capability.PHONE_ADVICE, Capability.BOOKING}, code


def test_red_flag_reasons_say_ruled_out_or_found_and_name_the_rule() -> None:
    complaint = RS.complaint("BUK")
    first, second = (RS.red_flag(rf) for rf in complaint.red_flags[:2])
    session = TriageSession(RS, "BUK", now=NOW)
    session.answer(first.id, NO)
    assert session.state().reasons[0] == f"Röd flagga utesluten: {first.text} – Nej [{first.id}]"
    session.answer(second.id, UNKNOWN)
    assert session.state().reasons[1].startswith(f"Röd flagga: {second.text} – Vet ej (räknas som Ja")
    assert session.state().reasons[1].endswith(f"[{second.id}]") and session.state().provisional_priority is Priority.P1
