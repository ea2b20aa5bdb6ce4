"""One case through every domain step a user takes — intake, triage, väntrummet, assignment, recall,
reassignment with a deviation, the physician's change, a feed outcome, a correction by hand, the
follow-up call and the RLS sign-off — and the audit log has each write with its user and role.

Every row that records a clinical fact names its user, and that user has the matching audit entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from dispatch.assignment import assign, reassign, recall
from dispatch.case_input import DispatchCase
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from outcomes.closing import FeedOutcome, correct_outcome
from outcomes.followup import followup_queue, record_followup_result
from outcomes.system_jobs import feed_actor
from records.audit import audit_trail
from records.cases import CaseIntake, create_case, get_case
from records.models import Assignment, FollowUp, Outcome, Review, TriageResult
from records.review_queue import change_case_triage, open_reviews, sign_off
from records.triage_store import AnswerRecord, CompletedTriage, send_to_waiting_room
from resources.clock import LOCAL_TZ
from resources.vocabulary import Priority, Role
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset

AT = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)


def _completed() -> CompletedTriage:
    """A fall without injury through the shipped rule set: "nej" to every question."""
    session = TriageSession(load_ruleset(), "FALLU", None, AT)
    answers = []
    while (q := session.state().next_question) is not None:
        session.answer(q.id, "nej")
        answers.append((q.id, "nej"))
    r = session.result
    assert r is not None and r.endpoint.startswith("FALLU.3")
    return CompletedTriage(ruleset_version=r.ruleset_version, complaint=r.complaint, endpoint_code=r.endpoint,
                           priority=r.priority, care_need=r.care_need.model_dump(mode="json"), flags=list(r.flags),
                           reasons=list(r.reasons), path=[p.model_dump(mode="json") for p in r.path],
                           answers=[AnswerRecord(question_id=q, value=v) for q, v in answers])


def test_every_step_of_a_case_is_audited_with_its_user(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    usk = make_actor(db, "usk.bo", Role.DISPATCHER)
    rls = make_actor(db, "lak.cecilia", Role.PHYSICIAN)
    snap = default_snapshot()
    with db() as s, s.begin():
        case_id = create_case(s, nurse, CaseIntake(caller_name="Karin", callback_phone="0701234567",
                                                   address="Storgatan 1", kommun="Malmö", lat=55.60, lon=13.00,
                                                   patient_name="Tolvan", personnummer="19121212-1212")).id
        triage = _completed()
        shown = recommend(DispatchCase(priority=triage.priority, care_need=triage.care_need, lat=55.60, lon=13.00,
                                       kommun="Malmö", case_id=case_id), snap, AT)
        send_to_waiting_room(s, nurse, case_id, triage, recommendation_shown=shown.model_dump(mode="json"))
    with db() as s, s.begin():
        get_case(s, usk, case_id)
        first = shown.parts[0].recommended.unit_id
        assign(s, usk, case_id, first, "", shown)
    with db() as s, s.begin():
        recall(s, usk, case_id, unit_id=first, reason="behövs till ett Prio 1")
    other = next(o.unit_id for o in shown.parts[0].alternatives if o.unit_id)
    with db() as s, s.begin():
        reassign(s, usk, case_id, "", other, shown, deviation_reason="närmare enligt besättningen")
    with db() as s, s.begin():
        change_case_triage(s, rls, case_id, priority=Priority.P2, reason="legat på golvet, oklar tid")
    with db() as s, s.begin():
        system = feed_actor(s, console="flödestjänst")
    from commands import ApplyFeedOutcome, run  # a system user acts only through its own job's command

    run(db, system, ApplyFeedOutcome.for_message(FeedOutcome(unit_id=other, case_id=case_id, code="to_vardcentral")))
    with db() as s, s.begin():
        correct_outcome(s, nurse, case_id, "treated_left_home", note="enligt besättningens journal")
    with db() as s, s.begin():
        (task,) = [t for t in followup_queue(s, nurse, include_done=True) if t.case_id == case_id]
        new_case_id = record_followup_result(s, nurse, task.id, "worse").new_case_id
    with db() as s, s.begin():
        for item in open_reviews(s, rls):
            sign_off(s, rls, item.id, "rimligt")

    people = {a.user_id: a for a in (nurse, usk, rls, system)}
    with db() as s:
        trail = audit_trail(s, case_id) + audit_trail(s, new_case_id)
        # every entry about the case names a known user, in that user's role, from a console
        assert all(e.user_id in people and e.role == people[e.user_id].role.value and e.console for e in trail)
        done = {(e.action, e.user_id) for e in trail}
        for action, who in [("case.create", nurse), ("triage.complete", nurse), ("recommendation.shown", nurse),
                            ("case.read", usk), ("dispatch.assign", usk), ("dispatch.recall", usk),
                            ("case.physician_change", rls), ("outcome.record", system), ("outcome.correct", nurse),
                            ("followup.create", system), ("followup.reschedule", nurse), ("followup.result", nurse),
                            ("review.sign_off", rls)]:
            assert (action, who.user_id) in done, f"{action} by {who.username} is not in the audit log"
        assert ("case.create", nurse.user_id) in {(e.action, e.user_id) for e in audit_trail(s, new_case_id)}

        # each stored clinical fact names its user, who has the matching audit entry
        facts = [(r.user_id, "triage.complete") for r in s.scalars(select(TriageResult).where(
                     TriageResult.case_id == case_id))]
        facts += [(a.assigned_by, "dispatch.assign") for a in s.scalars(select(Assignment).where(
                      Assignment.case_id == case_id))]
        facts += [(o.recorded_by, "outcome.correct" if o.superseded_by is None else "outcome.record")
                  for o in s.scalars(select(Outcome).where(Outcome.case_id == case_id))]
        facts += [(f.done_by, "followup.result") for f in s.scalars(select(FollowUp).where(
                      FollowUp.case_id == case_id))]
        facts += [(r.signed_off_by, "review.sign_off") for r in s.scalars(select(Review).where(
                      Review.case_id == case_id))]
        assert len(facts) >= 7
        missing = [(who, action) for who, action in facts if (action, who) not in done]
        assert missing == []
