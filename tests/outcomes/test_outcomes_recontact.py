"""Recontacts: within the window linked, raised (through the real triage engine) and flagged; outside not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outcomes_helpers import AMB, T0, add_case
from sqlalchemy import select

from outcomes.closing import correct_outcome, record_outcome
from outcomes.recontact import (
    RECONTACT_FLAG,
    check_and_link,
    complaint_name,
    find_recontact,
    recontact_context,
)
from records.models import Case, Review
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.flags import FLAG_RECONTACT
from triage_rules.loader import load_ruleset

PNR = "19121212-1212"


def test_recontact_within_window_is_linked_raised_and_flagged(db, make_actor, rules_dir) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        earlier = add_case(s, actor, personnummer=PNR, complaint="YRSEL", units=(AMB,))
        record_outcome(s, actor, earlier.id, "treated_left_home", at=T0)
        call_at = T0 + timedelta(hours=30)
        new = add_case(s, actor, created_at=call_at, personnummer=PNR, status="draft")

        match = check_and_link(s, actor, new.id, at=call_at)
        assert match is not None and match.case_id == earlier.id and match.matched_by == "personnummer"
        assert "för 30 timmar sedan" in match.summary()
        row = s.get(Case, new.id)
        assert (row.linked_case_id, row.link_reason) == (earlier.id, "recontact")
        assert RECONTACT_FLAG in row.flags
        review = s.scalars(select(Review).where(Review.case_id == new.id)).one()
        assert review.reason == "recontact" and str(earlier.id) in review.detail

        context, _ = recontact_context(s, PatientContext(personnummer=PNR), at=call_at, exclude_case_id=new.id)
        assert context.last_case_id == earlier.id and context.last_left_at_home == T0
        # The triage engine raises the priority one step and flags the case for RLS review.
        rs = load_ruleset(version="test-1", directory=rules_dir)
        plain = TriageSession.replay(rs, "YRSEL", [("svimmat", "nej"), ("kan_ga", "ja")], now=call_at).result
        raised = TriageSession.replay(rs, "YRSEL", [("svimmat", "nej"), ("kan_ga", "ja")], context=context,
                                      now=call_at).result
        assert plain.priority is Priority.P3
        assert raised.priority is Priority.P2 and FLAG_RECONTACT in raised.flags


def test_outside_window_or_other_outcome_is_not_a_recontact(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        earlier = add_case(s, actor, personnummer=PNR, units=(AMB,))
        record_outcome(s, actor, earlier.id, "left_home_advice", at=T0)
        late = add_case(s, actor, created_at=T0 + timedelta(hours=73), personnummer=PNR, status="draft")
        assert check_and_link(s, actor, late.id, at=T0 + timedelta(hours=73)) is None
        assert s.get(Case, late.id).linked_case_id is None
        assert RECONTACT_FLAG not in s.get(Case, late.id).flags
        assert not list(s.scalars(select(Review)))
        # Within the window, but the outcome in force is now "conveyed": no recontact.
        correct_outcome(s, actor, earlier.id, "transported_ed", "AKM_LUND")
        assert find_recontact(s, personnummer=PNR, at=T0 + timedelta(hours=2)) is None
        context, match = recontact_context(s, PatientContext(personnummer=PNR), at=T0 + timedelta(hours=2))
        assert match is None and context.last_left_at_home is None


def test_without_personnummer_phone_and_address_must_both_match(sqlite_db, make_actor) -> None:
    actor = make_actor(sqlite_db)
    with sqlite_db() as s, s.begin():
        earlier = add_case(s, actor, callback_phone="070-123 45 67", address="Storgatan 1, Ystad", units=(AMB,))
        record_outcome(s, actor, earlier.id, "treated_left_home", at=T0)
        at = T0 + timedelta(hours=5)
        hit = find_recontact(s, callback_phone="+46701234567", address="storgatan 1 ystad", at=at)
        assert hit is not None and hit.case_id == earlier.id and hit.matched_by == "phone_address"
        assert find_recontact(s, callback_phone="0701234567", address="Storgatan 3, Ystad", at=at) is None
        assert find_recontact(s, callback_phone="0709999999", address="Storgatan 1, Ystad", at=at) is None
        assert find_recontact(s, window=timedelta(hours=4), callback_phone="0701234567",
                              address="Storgatan 1, Ystad", at=at) is None


def test_summary_names_the_complaint_in_swedish_and_shows_swedish_local_time(db, make_actor) -> None:
    """Regression: the nurse saw the complaint code ("FEBER"); times must be Swedish local time, not UTC."""
    actor = make_actor(db)
    winter = T0  # 08:00 UTC on 2 March = 09:00 in Sweden (CET)
    summer = datetime(2026, 7, 1, 20, 30, tzinfo=UTC)  # 22:30 in Sweden (CEST)
    with db() as s, s.begin():
        for pnr, at, complaint, version in ((PNR, winter, "FEBER", "skane-2026.1"),
                                            ("19800101-0001", summer, "FEBER", "finns-inte-1"),
                                            ("19900202-0007", winter, "OKÄND", "skane-2026.1")):
            earlier = add_case(s, actor, created_at=at, personnummer=pnr, complaint=complaint,
                               ruleset_version=version, units=(AMB,))
            record_outcome(s, actor, earlier.id, "treated_left_home", at=at)
        fever = find_recontact(s, personnummer=PNR, at=winter + timedelta(hours=5))
        assert fever is not None and fever.complaint == "FEBER"
        assert fever.complaint_name == "Feber/infektion hos äldre"
        text = fever.summary()
        assert "(Feber/infektion hos äldre, Prio 2)" in text and "FEBER" not in text
        assert "lämnad hemma 2/3 kl 09:00" in text and "08:00" not in text
        # an unknown rule-set version: the name comes from the newest shipped version
        later = find_recontact(s, personnummer="19800101-0001", at=summer + timedelta(hours=2))
        assert later is not None and "Feber/infektion hos äldre" in later.summary()
        assert "lämnad hemma 1/7 kl 22:30" in later.summary() and "20:30" not in later.summary()
        # a code no rule set knows is shown as it is
        unknown = find_recontact(s, personnummer="19900202-0007", at=winter + timedelta(hours=1))
        assert unknown is not None and unknown.complaint_name is None and "(OKÄND, Prio 2)" in unknown.summary()


def test_complaint_name_prefers_the_cases_own_rule_set_version(rules_dir) -> None:
    assert complaint_name("YRSEL", "test-1", rules_dir) == "Yrsel"
    assert complaint_name("FEBER", "skane-2026.1") == "Feber/infektion hos äldre"
    assert complaint_name(None, "skane-2026.1") is None
    assert complaint_name("FINNSINTE", "skane-2026.1") is None


def test_showing_the_earlier_case_to_the_nurse_is_an_audited_read(db, make_actor) -> None:
    """The recontact summary shows another case's complaint, priority and outcome: with the actor
    passed, that is audited as a read of the earlier case by that user."""
    from records.audit import audit_trail

    recorder = make_actor(db)
    nurse = make_actor(db, "ssk.berit")
    with db() as s, s.begin():
        earlier = add_case(s, recorder, personnummer=PNR, units=(AMB,))
        record_outcome(s, recorder, earlier.id, "treated_left_home", at=T0)
        call_at = T0 + timedelta(hours=5)
        new = add_case(s, nurse, created_at=call_at, personnummer=PNR, status="draft")
        _, match = recontact_context(s, PatientContext(personnummer=PNR), at=call_at, exclude_case_id=new.id,
                                     actor=nurse)
        assert match is not None
        reads = [e for e in audit_trail(s, earlier.id) if e.action == "case.read"]
        assert [(e.user_id, e.detail["via"], e.detail["for_case_id"]) for e in reads] == [
            (nurse.user_id, "recontact", new.id)]
        check_and_link(s, nurse, new.id, at=call_at)  # linking reads it again, as the nurse
        reads = [e for e in audit_trail(s, earlier.id) if e.action == "case.read"]
        assert len(reads) == 2 and all(e.user_id == nurse.user_id for e in reads)
        # no match, no read
        assert recontact_context(s, PatientContext(personnummer="19800101-0001"), at=call_at, actor=nurse)[1] is None
        assert len([e for e in audit_trail(s, earlier.id) if e.action == "case.read"]) == 2
