"""Förlarm on both backends: a preliminary Prio 1 goes to väntrummet marked, is dispatchable at once, and the
nurse's finished triage updates the same case where it is (a lower priority shows, the mark goes); only Prio 1,
only once, and a Prio 1 call is cancelled only with a reason."""

from __future__ import annotations

import pytest
from command_world import World, intake, snapshot, triage
from pydantic import ValidationError
from sqlalchemy import func, select

from commands import DiscardDraft, FinishCall, SaveDraft, SendPreAlert, SendToWaitingRoom, run
from records.case_state import PRE_ALERT_FLAG, CaseStatus, IllegalCaseTransition
from records.models import AuditEntry, CallDraft, Case, Outcome, TriageResult
from records.pre_alert import PreAlertTriage
from records.triage_store import unfinished_draft
from resources.vocabulary import Priority


def pre(priority: Priority = Priority.P1) -> PreAlertTriage:
    return PreAlertTriage(ruleset_version="test-1", complaint="YRSEL", priority=priority,
                          care_need=triage().care_need, reasons=["NEWS2 8 → Prio 1"])


def _call(w: World) -> tuple[int, int]:
    """A call being taken: its case in draft and the nurse's draft of it."""
    case_id = w.case_in(CaseStatus.DRAFT)
    saved = run(w.db, w.nurse, SaveDraft(case_id=case_id, intake=intake(), payload={"complaint": "YRSEL"}))
    return case_id, saved.draft_id  # type: ignore[attr-defined]


def _pre_alerted(w: World) -> tuple[int, int]:
    case_id, draft_id = _call(w)
    run(w.db, w.nurse, SendPreAlert(case_id=case_id, intake=intake(), triage=pre()))
    return case_id, draft_id


def test_pre_alert_dispatch_then_finish_updates_the_same_case(world: World) -> None:
    case_id, draft_id = _pre_alerted(world)
    with world.db() as s:
        case = s.get(Case, case_id)
        assert case.status == "waiting" and case.priority == "1" and PRE_ALERT_FLAG in case.flags
        assert case.care_need == triage().care_need and case.waiting_since is not None
        cases_before = s.scalar(select(func.count()).select_from(Case))
    unit = world.assign(case_id)  # the dispatcher sends a unit at once
    assert world.status(case_id) is CaseStatus.ASSIGNED

    done = run(world.db, world.nurse, FinishCall(case_id=case_id, intake=intake(), triage=triage("2"),
                                                 draft_id=draft_id))
    assert done.case_id == case_id and done.pre_alert and done.where == "waiting"  # type: ignore[attr-defined]
    with world.db() as s:
        case = s.get(Case, case_id)
        assert case.status == "assigned"  # the unit stays on it: never pulled back
        assert case.priority == "2" and case.endpoint_code == "YRSEL.3.01" and PRE_ALERT_FLAG not in case.flags
        assert s.scalar(select(func.count()).select_from(Case)) == cases_before  # no second case
        assert s.scalar(select(func.count()).select_from(TriageResult).where(TriageResult.case_id == case_id)) == 1
        assert s.get(CallDraft, draft_id) is None
        done_row = s.scalar(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                     AuditEntry.action == "case.pre_alert_completed"))
        assert done_row.detail["priority_before"] == "1" and done_row.detail["priority"] == "2"
        sent = s.scalar(select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.action == "case.pre_alert"))
        assert sent.user_id == world.nurse.user_id and sent.detail["priority"] == "1"
    assert unit


def test_a_pre_alert_needs_prio_1_and_a_call_not_yet_in_the_waiting_room(world: World) -> None:
    with pytest.raises(ValidationError, match="Förlarm kan bara skickas när den preliminära prioriteten är Prio 1"):
        pre(Priority.P2)
    case_id, _ = _pre_alerted(world)
    waiting = world.case_in(CaseStatus.WAITING)
    before = snapshot(world.db)
    with pytest.raises(IllegalCaseTransition, match=f"Ärende {case_id} .*kan inte skicka förlarm"):
        run(world.db, world.nurse, SendPreAlert(case_id=case_id, intake=intake(), triage=pre()))
    with pytest.raises(IllegalCaseTransition, match=f"Ärende {waiting} .*kan inte skicka förlarm"):
        run(world.db, world.nurse, SendPreAlert(case_id=waiting, intake=intake(), triage=pre()))
    assert snapshot(world.db) == before


def test_a_referral_after_a_pre_alert_stays_for_the_dispatcher(world: World) -> None:
    """The final endpoint is hänvisning, but a unit may be on its way: the case is updated, not closed."""
    case_id, draft_id = _pre_alerted(world)
    ref = triage("hänvisning").model_copy(update={"endpoint_code": "YRSEL.H.01"})
    run(world.db, world.nurse, FinishCall(case_id=case_id, intake=intake(), triage=ref, referral=True,
                                          draft_id=draft_id))
    with world.db() as s:
        case = s.get(Case, case_id)
        assert case.status == "waiting" and case.priority == "hänvisning" and PRE_ALERT_FLAG not in case.flags
        assert s.scalar(select(Outcome).where(Outcome.case_id == case_id)) is None


def test_a_closed_pre_alerted_case_refuses_the_triage_with_its_reason(world: World) -> None:
    from commands import RecordOutcome

    case_id, draft_id = _pre_alerted(world)
    run(world.db, world.dispatcher, RecordOutcome(case_id=case_id, code="treated_left_home"))
    before = snapshot(world.db)
    with pytest.raises(IllegalCaseTransition, match=f"Ärende {case_id} är avslutad"):
        run(world.db, world.nurse, FinishCall(case_id=case_id, intake=intake(), triage=triage(), draft_id=draft_id))
    assert snapshot(world.db) == before


def test_a_pre_alerted_call_is_still_the_nurses_unfinished_call(world: World) -> None:
    case_id, draft_id = _pre_alerted(world)
    world.assign(case_id)
    with world.db() as s, s.begin():
        draft = unfinished_draft(s, world.nurse)
    assert draft is not None and draft.id == draft_id and draft.case_id == case_id


def test_a_prio_1_call_is_cancelled_only_with_a_reason_which_is_audited(world: World) -> None:
    _, draft_id = _call(world)
    before = snapshot(world.db)
    with pytest.raises(ValueError, match="Prio 1 och kan bara avbrytas med ett skäl"):
        run(world.db, world.nurse, DiscardDraft(draft_id=draft_id, priority=Priority.P1, reason="  "))
    assert snapshot(world.db) == before
    run(world.db, world.nurse, DiscardDraft(draft_id=draft_id, priority=Priority.P1, reason="Fel samtal, testlarm"))
    with world.db() as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "draft.discard"))
        assert row.detail["reason"] == "Fel samtal, testlarm" and row.detail["priority"] == "1"
        assert s.get(CallDraft, draft_id) is None


def test_a_pre_alerted_call_needs_a_reason_whatever_the_console_says(world: World) -> None:
    case_id, draft_id = _pre_alerted(world)
    with pytest.raises(ValueError, match=f"ärende {case_id}"):
        run(world.db, world.nurse, DiscardDraft(draft_id=draft_id))
    run(world.db, world.nurse, DiscardDraft(draft_id=draft_id, reason="Dubbelsamtal, samma patient"))
    assert world.status(case_id) is CaseStatus.WAITING  # the case stays in väntrummet for the dispatcher


def test_an_ordinary_send_of_a_pre_alerted_case_is_still_refused(world: World) -> None:
    case_id, _ = _pre_alerted(world)
    with pytest.raises(IllegalCaseTransition, match="kan inte skicka till väntrummet"):
        run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=triage()))


def test_the_case_timeline_tells_the_pre_alert_and_a_cancelled_call_with_its_reason(world: World) -> None:
    from records.case_timeline import case_timeline

    case_id, draft_id = _pre_alerted(world)
    run(world.db, world.nurse, DiscardDraft(draft_id=draft_id, priority=Priority.P1, reason="Dubbelsamtal"))
    with world.db() as s, s.begin():
        whats = [e.what for e in case_timeline(s, world.dispatcher, case_id).entries]
    assert any(w.startswith("Förlarm: till väntrummet som Prio 1") for w in whats), whats
    assert "Samtalet avbröts vid Prio 1 – Dubbelsamtal" in whats, whats
