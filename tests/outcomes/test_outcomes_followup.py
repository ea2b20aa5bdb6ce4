"""Telephone follow-up: created with the right due time, queued by due time, 'worse' opens a linked case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from outcomes_helpers import AMB, MVT, SJR, T0, add_case
from sqlalchemy import select

from outcomes.closing import correct_outcome, record_outcome
from outcomes.followup import FollowUpError, followup_queue, record_followup_result
from outcomes.settings import OutcomeSettings
from records.actor import NotPermitted
from records.models import Case, FollowUp
from resources.vocabulary import Role


def _task(s, case_id: int) -> FollowUp | None:
    return s.scalar(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.status == "open"))


def test_left_at_home_creates_followup_with_the_right_due_time(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        home = add_case(s, actor, units=(AMB,))
        record_outcome(s, actor, home.id, "treated_left_home", at=T0)
        team = add_case(s, actor, units=(MVT,))
        record_outcome(s, actor, team.id, "handed_over_team", at=T0)
        conveyed = add_case(s, actor, units=(AMB,))
        record_outcome(s, actor, conveyed.id, "transported_ed", "AKM_LUND", at=T0)
        assert _task(s, home.id).due_at == T0 + timedelta(hours=24)
        assert _task(s, home.id).reason == "treated_left_home"
        assert _task(s, team.id).due_at == T0 + timedelta(hours=48)
        assert _task(s, conveyed.id) is None


def test_intervals_are_configurable_and_non_ambulance_cases_get_one(sqlite_db, make_actor) -> None:
    actor = make_actor(sqlite_db)
    settings = OutcomeSettings(followup_hours={"left_home_advice": 6}, non_ambulance_followup_hours=12)
    with sqlite_db() as s, s.begin():
        advice = add_case(s, actor, units=(AMB,))
        record_outcome(s, actor, advice.id, "left_home_advice", at=T0, settings=settings)
        assert _task(s, advice.id).due_at == T0 + timedelta(hours=6)
        # Conveyed to the vårdcentral by sjukresa: no ambulance answered the case, so it is followed up.
        seated = add_case(s, actor, units=(SJR,))
        record_outcome(s, actor, seated.id, "to_vardcentral", at=T0, settings=settings)
        task = _task(s, seated.id)
        assert task.reason == "non_ambulance" and task.due_at == T0 + timedelta(hours=12)
        # A correction to an outcome that needs no follow-up cancels the open task.
        correct_outcome(s, actor, advice.id, "transported_ed", "AKM_LUND", settings=settings)
        assert _task(s, advice.id) is None


def test_queue_is_ordered_by_due_time_and_flags_overdue(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        late = add_case(s, actor, patient_name="Sen Uppföljning", units=(MVT,))
        record_outcome(s, actor, late.id, "handed_over_team", at=T0)  # due T0+48h
        early = add_case(s, actor, patient_name="Tidig Uppföljning", units=(AMB,))
        record_outcome(s, actor, early.id, "left_home_advice", at=T0)  # due T0+24h
        queue = followup_queue(s, actor, at=T0 + timedelta(hours=30))
        assert [i.case_id for i in queue] == [early.id, late.id]
        assert [i.overdue for i in queue] == [True, False]
        assert queue[0].patient_name == "Tidig Uppföljning"
        assert queue[0].outcome_label == "Lämnad hemma med råd/egenvård"
        assert [i.case_id for i in followup_queue(s, actor, at=T0 + timedelta(hours=30), overdue_only=True)] == [
            early.id]


def test_worse_opens_a_new_case_linked_and_prefilled(db, make_actor) -> None:
    nurse = make_actor(db)
    with db() as s, s.begin():
        old = add_case(s, nurse, personnummer="19121212-1212", callback_phone="0701234567",
                       address="Storgatan 1", kommun="Ystad", patient_name="Tolvan Tolvansson", patient_age=80,
                       caller_name="Dottern", units=(AMB,))
        record_outcome(s, nurse, old.id, "treated_left_home", at=T0)
        task = _task(s, old.id)
        done = record_followup_result(s, nurse, task.id, "worse", note="mer yr, kräks")
        assert done.new_case_id is not None
        new = s.get(Case, done.new_case_id)
        assert (new.linked_case_id, new.link_reason) == (old.id, "followup_worse")
        for field in ("personnummer", "callback_phone", "address", "kommun", "patient_name", "patient_age",
                      "caller_name"):
            assert getattr(new, field) == getattr(old, field)
        assert new.status == "draft"
        assert task.status == "done" and task.result == "worse" and task.new_case_id == new.id
        with pytest.raises(FollowUpError, match="redan avslutad"):
            record_followup_result(s, nurse, task.id, "better")


def test_better_opens_nothing_and_only_clinicians_record_results(sqlite_db, make_actor) -> None:
    nurse = make_actor(sqlite_db)
    dispatcher = make_actor(sqlite_db, "usk.bo", Role.DISPATCHER)
    with sqlite_db() as s, s.begin():
        case = add_case(s, nurse, units=(AMB,))
        record_outcome(s, nurse, case.id, "left_home_advice", at=T0)
        task = _task(s, case.id)
        with pytest.raises(NotPermitted):
            record_followup_result(s, dispatcher, task.id, "better")
        with pytest.raises(FollowUpError, match="okänt resultat"):
            record_followup_result(s, nurse, task.id, "bra")
        n_cases = len(list(s.scalars(select(Case))))
        done = record_followup_result(s, nurse, task.id, "better")
        assert done.new_case_id is None and len(list(s.scalars(select(Case)))) == n_cases
