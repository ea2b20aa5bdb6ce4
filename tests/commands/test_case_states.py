"""The case state machine, through the commands, on both backends: every event not allowed in a state is refused
with a Swedish reason naming the case and its state, and nothing is written; docs/case-states.md matches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from command_world import World, intake, snapshot, triage

from commands import (
    AssignUnit,
    CompleteTriage,
    FinishCall,
    RecallUnit,
    RecordOutcome,
    ReopenCase,
    SendPreAlert,
    SendToWaitingRoom,
    run,
)
from records.case_state import RULES, CaseEvent, CaseStatus, IllegalCaseTransition, next_status
from records.pre_alert import PreAlertTriage
from resources.vocabulary import Priority

EVENT_COMMANDS = {
    CaseEvent.TRIAGE: lambda w, cid: CompleteTriage(case_id=cid, triage=triage()),
    CaseEvent.SEND_TO_WAITING_ROOM: lambda w, cid: SendToWaitingRoom(case_id=cid, triage=triage()),
    CaseEvent.ASSIGN: lambda w, cid: _assign_any(w, cid),
    CaseEvent.CLOSE: lambda w, cid: RecordOutcome(case_id=cid, code="treated_left_home"),
    CaseEvent.REOPEN: lambda w, cid: ReopenCase(case_id=cid, reason="Ringer igen"),
    CaseEvent.PRE_ALERT: lambda w, cid: SendPreAlert(case_id=cid, intake=intake(), triage=PreAlertTriage(
        ruleset_version="test-1", complaint="YRSEL", priority=Priority.P1, care_need=triage().care_need)),
}
ILLEGAL = [(event, status) for event in EVENT_COMMANDS for status in CaseStatus
           if status not in RULES[event].sources]


def _assign_any(w: World, case_id: int) -> AssignUnit:
    """An assignment as a dispatcher's console would send it (the recommendation of a waiting case like it)."""
    donor = w.case_in(CaseStatus.WAITING)
    rec = {**w.recommendation(donor), "case_id": None}
    return AssignUnit(case_id=case_id, unit_id=rec["parts"][0]["recommended"]["unit_id"], recommendation_shown=rec)


@pytest.mark.parametrize(("event", "status"), ILLEGAL, ids=[f"{e.value}-from-{s.value}" for e, s in ILLEGAL])
def test_every_illegal_transition_is_refused_with_its_reason(world: World, event: CaseEvent,
                                                             status: CaseStatus) -> None:
    case_id = world.case_in(status)
    cmd = EVENT_COMMANDS[event](world, case_id)
    actor = world.dispatcher if event in (CaseEvent.ASSIGN, CaseEvent.CLOSE) else world.nurse
    before = snapshot(world.db)
    with pytest.raises((IllegalCaseTransition, ValueError)) as refused:
        run(world.db, actor, cmd)
    assert f"Ärende {case_id}" in str(refused.value)
    assert snapshot(world.db) == before
    assert world.status(case_id) is status


def test_sending_again_does_not_pull_an_assigned_case_back(world: World) -> None:
    case_id = world.case_in(CaseStatus.ASSIGNED)
    with pytest.raises(IllegalCaseTransition, match="dirigerad och kan inte skicka till väntrummet"):
        run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=triage()))
    assert world.status(case_id) is CaseStatus.ASSIGNED


def test_finishing_a_call_twice_with_new_ids_is_refused_not_duplicated(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    run(world.db, world.nurse, FinishCall(case_id=case_id, intake=intake(), triage=triage()))
    with pytest.raises(IllegalCaseTransition):
        run(world.db, world.nurse, FinishCall(case_id=case_id, intake=intake(), triage=triage()))


def test_a_closed_case_reopens_only_with_a_reason_and_keeps_its_outcome(world: World) -> None:
    case_id = world.case_in(CaseStatus.CLOSED)
    with pytest.raises(IllegalCaseTransition, match="kräver ett skäl"):
        run(world.db, world.nurse, ReopenCase(case_id=case_id, reason="  "))
    run(world.db, world.nurse, ReopenCase(case_id=case_id, reason="Ringer igen, sämre"))
    assert world.status(case_id) is CaseStatus.WAITING
    world.assign(case_id)
    assert world.status(case_id) is CaseStatus.ASSIGNED


def test_recall_needs_an_assigned_case(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    with pytest.raises(ValueError, match=f"Ärende {case_id} har ingen aktiv dirigering"):
        run(world.db, world.dispatcher, RecallUnit(case_id=case_id, reason="Fel"))


def test_the_documented_state_machine_is_the_one_enforced() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "case-states.md").read_text(encoding="utf-8")
    for event, rule in RULES.items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{event.value}` |")), None)
        assert row is not None, f"docs/case-states.md has no row for {event.value}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert {s.strip(" `") for s in cells[1].split(",")} == {s.value for s in rule.sources}, event
        target = cells[2].strip("` ")
        assert target == (rule.target.value if rule.target is not None else "(unchanged)"), event
        assert (cells[3] == "ja") == rule.needs_reason, event
    assert next_status(1, CaseStatus.DRAFT, CaseEvent.TRIAGE) is CaseStatus.TRIAGED


def test_a_reopened_case_closes_again_with_a_new_outcome(world: World) -> None:
    """Closing is legal from väntrummet: a reopened case gets a new outcome in force, the first one kept."""
    from sqlalchemy import select

    from records.models import Outcome

    case_id = world.case_in(CaseStatus.CLOSED)
    run(world.db, world.nurse, ReopenCase(case_id=case_id, reason="Ringer igen, sämre"))
    run(world.db, world.dispatcher, RecordOutcome(case_id=case_id, code="left_home_advice"))
    assert world.status(case_id) is CaseStatus.CLOSED
    with world.db() as s:
        rows = list(s.scalars(select(Outcome).where(Outcome.case_id == case_id).order_by(Outcome.id)))
    assert [r.code for r in rows] == ["treated_left_home", "left_home_advice"]
    assert rows[0].superseded_by == rows[1].id and rows[1].superseded_by is None
