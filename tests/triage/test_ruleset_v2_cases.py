"""What skane-2026.2 must no longer do (issue 14): the flags and texts that 2026.1 got wrong when a caller
said "vet ej", and every question of the new version carrying its "vet ej" decision."""

from __future__ import annotations

from triage_helpers import NOW

from resources.patient_context import PatientContext
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import QuestionKind, UnknownPolicy
from triage_rules.validate import check_ruleset

V2 = load_ruleset(version="skane-2026.2")


def _result(complaint: str, answers: list[tuple[str, object]], age: int):  # type: ignore[no-untyped-def]
    session = TriageSession.replay(V2, complaint, answers, context=PatientContext(age=age), now=NOW)
    assert session.result is not None
    return session.result


def test_the_newest_shipped_version_is_2026_3_and_the_older_ones_still_load() -> None:
    """2026.3 (the patient's own plan, issue 20) is 2026.2 with plan checks added; 2026.2 and 2026.1 stay loadable
    for the cases triaged with them."""
    assert load_ruleset().version == "skane-2026.3"
    assert load_ruleset(version="skane-2026.2").version == "skane-2026.2"
    assert load_ruleset(version="skane-2026.1").version == "skane-2026.1"


def test_every_yes_no_and_choice_question_says_what_vet_ej_means() -> None:
    assert not check_ruleset(V2, "skane-2026.2", require_unknown_decision=True)
    for c in V2.complaints:
        for q in c.questions:
            if q.kind in (QuestionKind.YES_NO, QuestionKind.CHOICE):
                assert q.unknown is not None, f"{c.code}/{q.id}"
                if q.unknown is UnknownPolicy.ASK:
                    assert c.question(q.unknown_follow_up or "") is not None, f"{c.code}/{q.id}"


def test_new_confusion_with_unknown_focal_signs_is_no_stroke_alert() -> None:
    answers = [("RF_MEDVETSLÖS", "nej"), ("halvsidig", "vet ej"), ("akut", "ja"), ("glukos", 6.2), ("af", 16),
               ("sat", 96), ("puls", 80), ("sbt", 140), ("temp", 37.1), ("infektion", "nej")]
    result = _result("KONF", answers, 84)
    assert not any("Strokelarm" in f for f in result.flags)
    assert result.red_flag is None


def test_unknown_intent_in_an_overdose_raises_no_police_flag() -> None:
    for tail in ([("högrisk", "nej"), ("mängd", "ja")], [("högrisk", "ja"), ("mängd_högrisk", "vet ej")]):
        answers = [("RF_MEDVETSLÖS", "nej"), ("RF_ANDNING", "nej"), ("avsikt", "vet ej"), ("ämne", "läkemedel"), *tail]
        result = _result("INTOX", answers, 30)
        assert not any("Polis" in f for f in result.flags), result.flags


def test_the_breathing_red_flag_is_worded_for_every_age() -> None:
    rf = V2.red_flag("RF_ANDNING")
    assert rf is not None and "hela meningar" not in rf.text
    assert "indragningar" in rf.help and "hela meningar" in rf.help  # the adult sign, said as such, in the help
