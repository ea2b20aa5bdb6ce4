"""Closing cases: never without an outcome; feed outcomes close; corrections are audited."""

from __future__ import annotations

import typing

import pytest
from outcomes_helpers import AMB, RTJ, T0, add_case
from sqlalchemy import select

from dispatch.feed.messages import FeedOutcomeCode, OutcomeMessage
from outcomes.closing import (
    OutcomeError,
    OutcomeRequired,
    apply_feed_outcome,
    close_case,
    correct_outcome,
    current_outcome,
    outcome_history,
    record_outcome,
)
from outcomes.codes import OutcomeCode, OutcomeGroup
from records.audit import audit_trail
from records.cases import CaseStatus
from records.models import Assignment, Case
from resources.vocabulary import Role


def test_code_list_matches_feed_protocol_and_has_swedish_labels() -> None:
    assert set(typing.get_args(FeedOutcomeCode)) == {c.value for c in OutcomeCode}
    assert {c.group for c in OutcomeCode} == set(OutcomeGroup)
    assert OutcomeCode.TREATED_LEFT_HOME.label == "Behandlad på plats, lämnad hemma"


def test_closing_without_outcome_is_refused(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        case = add_case(s, actor, units=(AMB,))
        with pytest.raises(OutcomeRequired, match="kan inte avslutas utan ett strukturerat utfall"):
            close_case(s, actor, case.id)
        assert s.get(Case, case.id).status == "waiting"
        assert s.scalars(select(Assignment).where(Assignment.case_id == case.id)).one().active


def test_record_outcome_closes_case_ends_assignments_and_audits(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        case = add_case(s, actor, units=(AMB, RTJ))
        view = record_outcome(s, actor, case.id, "transported_ed", "akm_lund", at=T0)
        assert view.destination == "AKM_LUND"
        row = s.get(Case, case.id)
        assert row.status == CaseStatus.CLOSED.value and row.closed_at == T0
        assert not any(a.active for a in s.scalars(select(Assignment).where(Assignment.case_id == case.id)))
        actions = [e.action for e in audit_trail(s, case.id)]
        assert "outcome.record" in actions and "case.status" in actions and "assignment.end" in actions
        close_case(s, actor, case.id)  # with an outcome, closing is allowed (and a no-op here)


def test_bad_outcome_input_is_refused_in_swedish(sqlite_db, make_actor) -> None:
    actor = make_actor(sqlite_db)
    with sqlite_db() as s, s.begin():
        case = add_case(s, actor)
        with pytest.raises(OutcomeError, match="ange vilken akutmottagning"):
            record_outcome(s, actor, case.id, "transported_ed")
        with pytest.raises(OutcomeError, match="okänd utfallskod 'hemma'"):
            record_outcome(s, actor, case.id, "hemma")
        with pytest.raises(OutcomeError, match="okänd akutmottagning"):
            record_outcome(s, actor, case.id, "transported_ed", "AKM_STOCKHOLM")
        record_outcome(s, actor, case.id, "left_home_advice")
        with pytest.raises(OutcomeError, match="redan ett utfall"):
            record_outcome(s, actor, case.id, "declined")


def test_feed_outcome_closes_the_case(db, make_actor) -> None:
    nurse = make_actor(db)
    system = make_actor(db, "system.flode", Role.ADMIN)
    with db() as s, s.begin():
        case = add_case(s, nurse, units=(AMB,))
        msg = OutcomeMessage(v=1, publisher="ambulans", epoch="epoch1", seq=7, ts=T0.timestamp(), unit_id=AMB,
                             case_id=case.id, code="transported_ed", destination="AKM_MALMO")
        view = apply_feed_outcome(s, system, msg)
        assert view is not None and view.source == "feed" and view.unit_id == AMB
        assert view.recorded_at == T0
        assert s.get(Case, case.id).status == CaseStatus.CLOSED.value
        # The same message again (redelivery) changes nothing.
        again = apply_feed_outcome(s, system, msg.model_dump())
        assert again is not None and again.id == view.id
        assert len(outcome_history(s, case.id)) == 1


def test_feed_never_overrides_a_manual_outcome_but_corrects_its_own(sqlite_db, make_actor) -> None:
    nurse = make_actor(sqlite_db)
    system = make_actor(sqlite_db, "system.flode", Role.ADMIN)
    with sqlite_db() as s, s.begin():
        manual = add_case(s, nurse, units=(AMB,))
        record_outcome(s, nurse, manual.id, "treated_left_home")
        ignored = apply_feed_outcome(s, system, {"unit_id": AMB, "case_id": manual.id, "code": "declined"})
        assert ignored is None
        assert current_outcome(s, manual.id).code == "treated_left_home"
        assert "outcome.feed_ignored" in [e.action for e in audit_trail(s, manual.id)]

        fed = add_case(s, nurse, units=(RTJ,))
        apply_feed_outcome(s, system, {"unit_id": RTJ, "case_id": fed.id, "code": "treated_left_home"})
        apply_feed_outcome(s, system, {"unit_id": RTJ, "case_id": fed.id, "code": "to_vardcentral"})
        assert current_outcome(s, fed.id).code == "to_vardcentral"


def test_correction_adds_a_row_supersedes_and_audits_old_and_new(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        case = add_case(s, actor)
        first = record_outcome(s, actor, case.id, "left_home_advice")
        second = correct_outcome(s, actor, case.id, "transported_ed", "AKM_HBG", note="fel kod")
        history = outcome_history(s, case.id)
        assert [h.id for h in history] == [first.id, second.id]
        assert history[0].superseded_by == second.id and history[1].superseded_by is None
        entry = next(e for e in audit_trail(s, case.id) if e.action == "outcome.correct")
        assert entry.detail["old"]["code"] == "left_home_advice"
        assert entry.detail["new"] == {"id": second.id, "code": "transported_ed", "destination": "AKM_HBG"}
