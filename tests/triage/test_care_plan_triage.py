"""The patient's own plan in triage (issue 20, skane-2026.3): the plan and limitation checks answer from the
care-plan register with their source and date, an expired plan never counts, "ring teamet" counts only in its
hours; a documented ej HLR plus an expected death leads to death confirmation, not without it; a current
"ring teamet" leads a rapidly worse breathing to the team's need instead of an ambulance (and the recommendation
then sends the plan's team), while abnormal vital signs take it beyond the plan; and a limitation never changes a
cardiac-arrest path — it is reported for the nurse to decide."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from triage_helpers import EVENING, NOW, minimal_ruleset_data

from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, states_from_fleet
from dispatch.recommend import recommend
from dispatch.recommendation_model import ResourceRecommendation
from resources.care_plan import (
    CarePlanEntry,
    CarePlanView,
    LimitationKind,
    PlanItem,
    PlanItemKind,
    TreatmentLimitation,
)
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.patient_context import PatientContext
from resources.vocabulary import Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import RuleSetError, load_ruleset, ruleset_from_data
from triage_rules.plan_checks import evaluate
from triage_rules.render import render_complaint
from triage_rules.results import TriageResult, care_need_json
from triage_rules.schema import NO, YES, ContextCheck

RS = load_ruleset(version="skane-2026.3")
TEAM = "Vårdcentralen Lund Norr"
UPDATED = datetime(2026, 3, 1, 2, 0, tzinfo=LOCAL_TZ)
PLAN_SOURCE = f"vårdplan från {TEAM}, skriven av Maja Exempel 2026-01-10, giltig till 2026-06-30"
NO_CPR_TEXT = ("Ej HLR, beslutat av Sigrid Demoläkare 2026-02-01, dokumenterat i Journal VC Lund Norr "
               "(Beslutat med patienten)")


def _plan(valid_until: date = date(2026, 6, 30), *, expired: bool = False, items: list[PlanItem] | None = None,
          team: str = TEAM) -> CarePlanEntry:
    items = items if items is not None else [
        PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Vid andnöd: extra furosemid enligt ordination"),
        PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8), hours_to=time(17)),
        PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill helst inte till sjukhus")]
    return CarePlanEntry(team=team, author="Maja Exempel", written_on=date(2026, 1, 10), valid_until=valid_until,
                         expired=expired, items=items, free_text="Hjärtsvikt.", source="export.csv", updated_at=UPDATED)


def _limitation(kind: LimitationKind = LimitationKind.NO_CPR) -> TreatmentLimitation:
    return TreatmentLimitation(kind=kind, decided_by="Sigrid Demoläkare", decided_on=date(2026, 2, 1),
                               documented_in="Journal VC Lund Norr", note="Beslutat med patienten", source="export.csv",
                               updated_at=UPDATED)


def _view(plans: list[CarePlanEntry] | None = None, limitations: list[TreatmentLimitation] | None = None,
          read_for: date = date(2026, 3, 3)) -> CarePlanView:
    return CarePlanView(personnummer="191212121212", read_for=read_for, plans=plans or [],
                        limitations=limitations or [])


def _context(view: CarePlanView | None, **fields: Any) -> PatientContext:
    return PatientContext(personnummer="191212121212", age=84, enrolled_mobile_team=TEAM, care_plan=view, **fields)


def _walk(complaint: str, context: PatientContext, answers: dict[str, Any], now: datetime = NOW) -> TriageResult:
    """Answer each question as it is asked (red flags not listed: 'nej'); every question asked needs an answer."""
    session = TriageSession(RS, complaint, context, now)
    while not session.done:
        q = session.state().next_question
        assert q is not None
        if q.id not in answers and not q.red_flag:
            raise AssertionError(f"{complaint}: '{q.id}' asked ({q.text}) without an answer")
        session.answer(q.id, answers.get(q.id, NO))
    assert session.result is not None
    return session.result


# --- the checks --------------------------------------------------------------------------------------------------

def test_each_check_answers_from_the_plan_naming_its_source_and_date() -> None:
    view = _view([_plan()], [_limitation()])
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, view, NOW) == (
        YES, f"'Ring teamet dagtid', 08:00–17:00 ({PLAN_SOURCE})")
    assert evaluate(ContextCheck.LIMITATION_NO_CPR, view, NOW) == (YES, NO_CPR_TEXT)
    assert evaluate(ContextCheck.CARE_PLAN_CURRENT, view, NOW) == (YES, PLAN_SOURCE)
    assert evaluate(ContextCheck.PLAN_NO_HOSPITAL, view, NOW) == (YES, f"'Vill helst inte till sjukhus' ({PLAN_SOURCE})")
    assert evaluate(ContextCheck.LIMITATION_NO_HOSPITAL, view, NOW) == (
        NO, "inget dokumenterat beslut om ej sjukhusvård i registret")
    assert evaluate(ContextCheck.LIMITATION_NO_HOSPITAL, _view(limitations=[_limitation(LimitationKind.NO_HOSPITAL)]),
                    NOW)[0] == YES


def test_ring_teamet_counts_only_in_its_hours_and_round_the_clock_without_hours() -> None:
    view = _view([_plan()])
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, view, EVENING) == (
        NO, f"'Ring teamet dagtid' ({TEAM}) gäller 08:00–17:00, inte nu (tis 22:00)")
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, view, NOW.replace(hour=17))[0] == NO  # the end is outside
    night = _view([_plan(items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring ASIH dygnet runt")],
                         team="ASIH Lund")])
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, night, EVENING)[0] == YES
    assert "dygnet runt" in evaluate(ContextCheck.PLAN_CALL_TEAM, night, EVENING)[1]


def test_an_expired_plan_never_counts_and_is_judged_on_the_call_s_own_date() -> None:
    expired = _view([_plan(date(2026, 2, 28), expired=True)])
    gone = f"vårdplanen från {TEAM} gick ut 2026-02-28 (visas men räknas inte)"
    for check in (ContextCheck.CARE_PLAN_CURRENT, ContextCheck.PLAN_CALL_TEAM, ContextCheck.PLAN_NO_HOSPITAL):
        answer, detail = evaluate(check, expired, NOW)
        assert answer == NO and gone in detail, check
    # Read the evening before, when it was still valid (expired=False), but the call is on the next day.
    read_before = _view([_plan(date(2026, 3, 2))], read_for=date(2026, 3, 2))
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, read_before, NOW)[0] == NO
    assert evaluate(ContextCheck.PLAN_CALL_TEAM, read_before, datetime(2026, 3, 2, 10, tzinfo=LOCAL_TZ))[0] == YES


def test_no_plan_read_counts_as_nej_and_a_plan_check_is_never_asked() -> None:
    assert evaluate(ContextCheck.LIMITATION_NO_CPR, None, NOW) == (
        NO, "patientens plan är inte läst (patienten är inte identifierad)")
    unknown = TriageSession(RS, "DÖD", PatientContext(register_known=False), NOW)
    assert unknown.state().next_question.id == "väntat"  # type: ignore[union-attr]  # not the ej_hlr check


# --- expected death -----------------------------------------------------------------------------------------------

# The caller: the death was expected, she knows of no documented decision, and there are no signs of death yet.
EXPECTED_DEATH = {"väntat_enligt_beslut": "ja", "väntat": "vet ej", "säkra_tecken": "nej"}


def test_a_documented_no_cpr_and_an_expected_death_lead_to_death_confirmation() -> None:
    result = _walk("DÖD", _context(_view([_plan()], [_limitation()])), EXPECTED_DEATH)
    assert (result.endpoint, result.priority) == ("DÖD.3.04", Priority.P3)
    assert "death_confirmation" in care_need_json(result.care_need)["capabilities"]
    assert ("Patientens plan: Finns ett dokumenterat beslut om att avstå hjärt-lungräddning (ej HLR) i patientens "
            f"plan? – Ja ({NO_CPR_TEXT}) [DÖD/ej_hlr]") in result.reasons


def test_without_the_documented_decision_the_same_call_is_a_cardiac_arrest() -> None:
    for view in (None, _view([_plan()]), _view(limitations=[_limitation(LimitationKind.NO_ICU)])):
        result = _walk("DÖD", _context(view), EXPECTED_DEATH)
        assert (result.endpoint, result.priority) == ("DÖD.1.01", Priority.P1), view


def test_with_the_decision_an_unexpected_death_without_signs_is_still_a_cardiac_arrest_and_reported() -> None:
    result = _walk("DÖD", _context(_view(limitations=[_limitation()])),
                   {"väntat_enligt_beslut": "vet ej", "säkra_tecken": "nej"})
    assert (result.endpoint, result.priority) == ("DÖD.1.01", Priority.P1)
    [notice] = result.limitations
    assert notice.applies and notice.text == NO_CPR_TEXT and "hjärtstoppsväg (DÖD.1.01)" in notice.why


# --- the plan's team ---------------------------------------------------------------------------------------------

# Heart failure worse over the last day, no chest pain, breathing rate and saturation normal.
WORSE_BREATHING = {"plötslig": "ja", "bröstsmärta": "nej", "af": 18, "sat": 96}
LUND = default_geography().kommun("Lund")
SNAPSHOT = FleetSnapshot(states_from_fleet(default_fleet()))


def _recommended(result: TriageResult, context: PatientContext, now: datetime) -> ResourceRecommendation:
    """The recommendation for the triaged call (the default fleet, every unit free), as the console asks for it."""
    case = DispatchCase(priority=result.priority, care_need=result.care_need, lat=LUND.lat, lon=LUND.lon,
                        kommun="Lund", context=context)
    return recommend(case, SNAPSHOT, now)


def test_ring_teamet_in_its_hours_gives_the_team_s_need_and_the_team_goes_per_plan() -> None:
    ctx = _context(_view([_plan()]))
    result = _walk("ANDN", ctx, WORSE_BREATHING)
    assert (result.endpoint, result.priority) == ("ANDN.2.06", Priority.P2)
    assert result.care_need.transport is TransportNeed.NONE and result.care_need.max_minutes == 60
    assert ("Patientens plan: Säger patientens gällande vårdplan 'ring teamet' vid den här tiden? – Ja ('Ring teamet "
            f"dagtid', 08:00–17:00 ({PLAN_SOURCE})) [ANDN/plan_teamet]") in result.reasons
    rec = _recommended(result, ctx, NOW)
    assert rec.plan is not None and rec.plan.followed and rec.plan.team == TEAM
    chosen = rec.parts[0].recommended
    assert chosen is not None and chosen.unit_id is not None
    assert default_fleet().by_id()[chosen.unit_id].affiliation == TEAM


@pytest.mark.parametrize(("view", "now"), [
    (None, NOW), (_view([_plan()]), EVENING), (_view([_plan(date(2026, 2, 28), expired=True)]), NOW),
], ids=["no plan", "out of its hours", "expired"])
def test_without_a_current_ring_teamet_the_call_goes_as_before(view: CarePlanView | None, now: datetime) -> None:
    result = _walk("ANDN", _context(view), WORSE_BREATHING, now)
    assert (result.endpoint, result.care_need.transport) == ("ANDN.2.02", TransportNeed.AMBULANCE)


def test_abnormal_vital_signs_take_the_call_beyond_the_plan() -> None:
    ctx = _context(_view([_plan()]))
    result = _walk("ANDN", ctx, {**WORSE_BREATHING, "sat": 91})  # below 93: the Prio 2 band
    assert result.endpoint == "ANDN.2.06" and result.care_need.transport is TransportNeed.AMBULANCE  # escalation
    rec = _recommended(result, ctx, NOW)
    assert rec.plan is not None and rec.plan.followed is False and rec.plan.text.startswith("Behovet går utöver planen")


# --- cardiac arrest ------------------------------------------------------------------------------------------------

def test_ej_hlr_never_changes_a_cardiac_arrest_path_it_is_reported_for_the_nurse() -> None:
    plain = _walk("MEDV", _context(None), {"RF_HJÄRTSTOPP": "ja"})
    limited = _walk("MEDV", _context(_view([_plan()], [_limitation()])), {"RF_HJÄRTSTOPP": "ja"})
    assert (limited.endpoint, limited.priority, limited.care_need, limited.flags) == \
        (plain.endpoint, plain.priority, plain.care_need, plain.flags) == \
        ("RÖD.1.00", Priority.P1, plain.care_need, ("Telefon-HLR",))
    assert plain.limitations == ()
    [notice] = limited.limitations
    assert (notice.kind, notice.label, notice.text, notice.applies) == ("no_cpr", "Ej HLR", NO_CPR_TEXT, True)
    assert "ändrar inte vägen" in notice.why and "hjärtstoppsväg (RÖD.1.00)" in notice.why
    assert f"Behandlingsbegränsning i patientens plan: {NO_CPR_TEXT}. {notice.why}" in limited.reasons


def test_before_an_endpoint_a_limitation_is_listed_but_applies_to_nothing() -> None:
    session = TriageSession(RS, "MEDV", _context(_view(limitations=[_limitation()])), NOW)
    [notice] = session.limitation_notices()
    assert notice.text == NO_CPR_TEXT and not notice.applies
    assert session.state().limitations == (notice,)
    session.raise_red_flag("RF_HJÄRTSTOPP")  # raised by hand at any moment: now it applies
    assert session.limitation_notices()[0].applies and session.state().limitations[0].applies


def test_ej_sjukhusvard_applies_when_the_need_includes_transport_and_ej_hlr_does_not() -> None:
    view = _view(limitations=[_limitation(), _limitation(LimitationKind.NO_HOSPITAL)])
    result = _walk("ANDN", _context(view), WORSE_BREATHING)  # no plan: ANDN.2.02, ambulance
    by_kind = {n.kind: n for n in result.limitations}
    assert by_kind["no_hospital"].applies and "Ambulanstransport" in by_kind["no_hospital"].why
    assert not by_kind["no_cpr"].applies


# --- the rule file ------------------------------------------------------------------------------------------------

def _with_plan_check(if_yes: str) -> dict[str, Any]:
    data = minimal_ruleset_data()
    data["care_needs"]["HLR"] = {"capabilities": ["cpr_defibrillation", "ambulance_transport"],
                                 "transport": "ambulance", "max_minutes": 10}
    test = data["complaints"][0]
    test["start"] = "ej_hlr"
    test["questions"].insert(0, {"id": "ej_hlr", "kind": "context", "check": "limitation_no_cpr", "text": "Ej HLR?",
                                 "if_yes": if_yes, "if_no": "andas"})
    test["questions"].append({"id": "andas", "kind": "yes_no", "text": "Andas?", "unknown": "raise",
                              "unknown_as": "nej", "if_yes": "ont", "if_no": "TEST.1.03"})
    test["endpoints"].append({"code": "TEST.1.03", "priority": 1, "care_need": "HLR", "reason": "Hjärtstopp."})
    return data


def test_rules_check_refuses_a_limitation_that_leads_away_from_a_cardiac_arrest() -> None:
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(_with_plan_check(if_yes="ont"), "test.yaml")
    assert any("fråga 'ej_hlr': 'limitation_no_cpr' får inte leda bort från en hjärtstoppsväg: 'nej' kan nå "
               "TEST.1.03 men 'ja' inte" in p for p in info.value.problems), info.value.problems
    ruleset_from_data(_with_plan_check(if_yes="andas"), "test.yaml")  # the nurse's answer still decides: accepted


def test_rules_show_says_what_the_plan_decides() -> None:
    text = render_complaint(RS, "ANDN")
    assert "[plan_teamet] Säger patientens gällande vårdplan 'ring teamet' vid den här tiden? (avgörs automatiskt " \
           "ur patientens plan: plan_call_team; ingen känd plan räknas som nej, en utgången plan räknas aldrig)" in text
