"""Recontacts: within the window linked, raised (through the real triage engine) and flagged; outside not."""

from __future__ import annotations

from datetime import timedelta

from outcomes_helpers import AMB, T0, add_case
from sqlalchemy import select

from outcomes.closing import correct_outcome, record_outcome
from outcomes.recontact import (
    RECONTACT_FLAG,
    check_and_link,
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
