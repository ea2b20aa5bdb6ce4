"""The outcome loop in the console: feed outcomes applied by the system user (once, even with two
consoles on the same database), the follow-up queue ("worse" opens a linked, pre-filled case in
call-taking; overdue follow-ups visible to everyone), and rule proposals drafted on their own."""

from __future__ import annotations

import queue
import time
from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from console.dispatch.feed_outcomes import FeedOutcomeApplier
from console.proposal_drafter import ProposalDrafter
from console.tasks import DbExecutor
from dispatch.feed.messages import OutcomeMessage
from outcomes.closing import record_outcome
from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case
from records.db import transaction
from records.models import AuditEntry, Case, FollowUp, Outcome, User
from resources.vocabulary import Role


def outcome_msg(case_id: int, code: str = "treated_left_home", seq: int = 1) -> OutcomeMessage:
    return OutcomeMessage.model_validate({"v": 1, "publisher": "ambulans", "epoch": "test-epoch", "seq": seq,
                                          "ts": time.time(), "unit_id": "AMB-LU-1", "case_id": case_id,
                                          "code": code})


def waiting_case(factory, nurse, **intake) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        case = create_case(s, nurse, CaseIntake(caller_name="Test", callback_phone="040-11 22 33",
                                                address="Storgatan 1", kommun="Lund", lat=55.70, lon=13.19,
                                                patient_name="Test Testsson", **intake))
        advance(s, nurse, case.id, CaseEvent.SEND_TO_WAITING_ROOM, priority="2")
        return case.id


def test_same_feed_outcome_on_two_consoles_closes_the_case_once(qtbot, factory, actor_for):  # type: ignore[no-untyped-def]
    case_id = waiting_case(factory, actor_for(Role.NURSE))
    consoles = []
    for name in ("konsol-1", "konsol-2"):
        ex = DbExecutor(factory)
        q: queue.Queue[OutcomeMessage] = queue.Queue()
        consoles.append((ex, q, FeedOutcomeApplier(ex, q, console=name, interval_ms=20)))
    try:
        for _ex, _q, applier in consoles:
            applier.start()  # both sign the system user in at once (one of them retries)
        qtbot.waitUntil(lambda: all(a.actor is not None for _e, _q, a in consoles), timeout=10000)
        for _ex, q, _a in consoles:  # the same outcome reaches both consoles, and again after a reconnect
            q.put(outcome_msg(case_id))
            q.put(outcome_msg(case_id, seq=2))
        qtbot.waitUntil(lambda: all(q.empty() and not ex.busy for ex, q, _a in consoles), timeout=10000)
    finally:
        for ex, _q, applier in consoles:
            applier.stop()
            ex.shutdown()
    with factory() as s:
        assert s.get(Case, case_id).status == "closed"
        assert s.scalar(select(func.count()).select_from(Outcome).where(Outcome.case_id == case_id)) == 1
        assert s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.case_id == case_id)) == 1
        records = list(s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                          AuditEntry.action == "outcome.record")))
        assert len(records) == 1
        system = s.get(User, records[0].user_id)
        assert system.username == "system.flöde" and records[0].role == Role.DISPATCHER.value
        assert records[0].console in ("konsol-1", "konsol-2")


def test_worse_at_follow_up_opens_a_linked_prefilled_case_in_call_taking(qtbot, make_window, actor_for,
                                                                          factory, idle):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    case_id = waiting_case(factory, nurse)
    with transaction(factory) as s:
        record_outcome(s, nurse, case_id, "left_home_advice", at=now() - timedelta(days=2))  # follow-up overdue
    w = make_window(nurse)
    fu = w.workspaces["followup"]
    qtbot.waitUntil(lambda: fu.model.rowCount() == 1, timeout=10000)
    assert fu.model.overdue_count() == 1 and w.followup_label.isVisible()
    assert "försenad" in fu.model.index(0, 0).data()
    w.show_workspace("followup")
    fu.table.setFocus()
    ct = w.workspaces["calltaking"]
    with qtbot.waitSignal(fu.worse_case, timeout=10000) as opened:
        qtbot.keyClick(fu.table, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # Sämre
    new_id = opened.args[0]
    qtbot.waitUntil(lambda: ct.active and ct.case_id == new_id, timeout=10000)
    assert ct.form.address.text() == "Storgatan 1" and ct.form.phone.text() == "040-11 22 33"
    assert ct.form.patient.text() == "Test Testsson"
    idle(w)
    with factory() as s:
        new = s.get(Case, new_id)
        assert new.linked_case_id == case_id and new.link_reason == "followup_worse"
        assert s.scalar(select(FollowUp).where(FollowUp.case_id == case_id)).result == "worse"
    qtbot.waitUntil(lambda: fu.model.rowCount() == 0, timeout=10000)


def test_overdue_follow_ups_are_visible_to_a_dispatcher_read_only(qtbot, make_window, actor_for, factory):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    late, fresh = waiting_case(factory, nurse), waiting_case(factory, nurse)
    with transaction(factory) as s:
        record_outcome(s, nurse, late, "left_home_advice", at=now() - timedelta(days=2))
        record_outcome(s, nurse, fresh, "left_home_advice")  # due later: not shown to the dispatcher
    w = make_window(actor_for(Role.DISPATCHER))
    fu = w.workspaces["followup"]
    qtbot.waitUntil(lambda: fu.model.rowCount() == 1, timeout=10000)
    assert fu.model.item(0).case_id == late
    assert not any(b.isEnabled() for b in fu.buttons.values())
    assert "1" in w.followup_label.text()


def test_follow_up_listing_is_audited_only_when_it_changes(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    case_id = waiting_case(factory, nurse)
    with transaction(factory) as s:
        record_outcome(s, nurse, case_id, "left_home_advice")
    w = make_window(nurse)
    fu = w.workspaces["followup"]
    qtbot.waitUntil(lambda: fu.model.rowCount() == 1, timeout=10000)
    for _ in range(3):
        fu.refresh()
        idle(w)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "followup.list", AuditEntry.user_id == nurse.user_id)) == 1


def test_proposal_drafter_runs_as_the_analysis_user_and_never_duplicates(qtbot, factory):  # type: ignore[no-untyped-def]
    ex = DbExecutor(factory)
    drafter = ProposalDrafter(ex, days=None, console="konsol-1")
    try:
        for _ in range(2):
            with qtbot.waitSignal(drafter.drafted, timeout=10000):
                drafter.run()
    finally:
        drafter.stop()
        ex.shutdown()
    assert drafter.runs == 2
    with factory() as s:
        assert s.scalar(select(User).where(User.username == "system.utfall")) is not None
