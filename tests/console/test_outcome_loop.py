"""The outcome loop in the console: feed outcomes applied by the system user (once, even with two
consoles on the same database), the follow-up queue ("worse" opens a linked, pre-filled case in
call-taking; overdue follow-ups visible to everyone), and rule proposals drafted on their own."""

from __future__ import annotations

import queue
import sqlite3
import time
from datetime import datetime, timedelta

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
from records.db import DbBounds, make_engine, session_factory, transaction
from records.models import AuditEntry, Case, FeedOutcomeInbox, FollowUp, Outcome, Review, User
from resources.vocabulary import Role


def outcome_msg(case_id: int, code: str = "treated_left_home", seq: int = 1) -> OutcomeMessage:
    return OutcomeMessage.model_validate({"v": 2, "publisher": "ambulans", "epoch": "test-epoch", "seq": seq,
                                          "ts": time.time(), "unit_id": "AMB-LU-1", "case_id": case_id,
                                          "code": code})


def waiting_case(factory, nurse, **intake) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        case = create_case(s, nurse, CaseIntake(caller_name="Test", callback_phone="040-11 22 33",
                                                address="Storgatan 1", kommun="Lund", lat=55.70, lon=13.19,
                                                patient_name="Test Testsson", **intake))
        advance(s, nurse, case.id, CaseEvent.SEND_TO_WAITING_ROOM, priority="2")
        return case.id


def inbox_row(factory, msg: OutcomeMessage, at: datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    """The outcome stored in the durable inbox, as the feed record writer of the persisting console does."""
    at = at or now()
    with transaction(factory) as s:
        row = FeedOutcomeInbox(publisher=msg.publisher, epoch=msg.epoch, seq=msg.seq, unit_id=msg.unit_id,
                               case_id=msg.case_id, body=msg.model_dump(mode="json"), received_at=at,
                               state="pending", attempts=0, next_attempt_at=at)
        s.add(row)
        s.flush()
        return row.id


def pending(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as s:
        return s.scalar(select(func.count()).select_from(FeedOutcomeInbox).where(FeedOutcomeInbox.state == "pending"))


def test_same_feed_outcome_on_two_consoles_closes_the_case_once(qtbot, factory, actor_for):  # type: ignore[no-untyped-def]
    case_id = waiting_case(factory, actor_for(Role.NURSE))
    unknown = outcome_msg(4242, seq=3)
    for msg in (outcome_msg(case_id), outcome_msg(case_id, seq=2), unknown):  # the outcome again after a reconnect
        inbox_row(factory, msg)
    consoles = []
    for name in ("konsol-1", "konsol-2"):
        ex = DbExecutor(factory)
        q: queue.Queue[OutcomeMessage] = queue.Queue()
        q.put(unknown)  # what the feeds delivered: for display only, emptied
        consoles.append((ex, q, FeedOutcomeApplier(ex, q, console=name, interval_ms=20)))
    applied: list[int] = []
    told: list[str] = []
    for _ex, _q, applier in consoles:
        applier.applied.connect(lambda cid, view: applied.append(cid))
        applier.message.connect(told.append)
    try:
        for _ex, _q, applier in consoles:
            applier.start()  # both sign the system user in at once (one of them retries)
        qtbot.waitUntil(lambda: pending(factory) == 0, timeout=15000)
        qtbot.waitUntil(lambda: all(q.empty() and not ex.busy and a.runs for ex, q, a in consoles), timeout=15000)
    finally:
        for ex, _q, applier in consoles:
            applier.stop()
            ex.shutdown()
    assert applied == [case_id, case_id]  # the row and its repeat, each applied once by one of the consoles
    assert len(told) == 1 and "4242" in told[0] and "RLS" in told[0]  # the dead one, told once
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
        assert s.scalar(select(Review).where(Review.reason == "feed_outcome_failed")).case_id is None


def test_a_locked_database_delays_feed_outcomes_without_losing_them(qtbot, factory, actor_for, data_dir):  # type: ignore[no-untyped-def]
    """Another process holds SQLite's write lock: the console says once that outcomes wait, then applies them."""
    case_id = waiting_case(factory, actor_for(Role.NURSE))
    engine = make_engine(f"sqlite:///{data_dir / 'larmcentral.sqlite3'}", DbBounds(statement_s=0.5, busy_s=0.5))
    ex = DbExecutor(session_factory(engine))
    applier = FeedOutcomeApplier(ex, console="konsol-1", interval_ms=20)
    told: list[str] = []
    applier.message.connect(told.append)
    locker = sqlite3.connect(data_dir / "larmcentral.sqlite3", isolation_level=None)
    try:
        applier.start()
        qtbot.waitUntil(lambda: applier.actor is not None and applier.runs > 0, timeout=10000)
        applier.stop()
        qtbot.waitUntil(lambda: not ex.busy, timeout=10000)
        inbox_row(factory, outcome_msg(case_id))
        locker.execute("BEGIN IMMEDIATE")
        applier.start()
        qtbot.waitUntil(lambda: len(told) == 1, timeout=10000)
        assert "väntar" in told[0]
        assert locker.execute("SELECT state, attempts FROM feed_outcome_inbox").fetchall() == [("pending", 0)]
        locker.execute("ROLLBACK")
        qtbot.waitUntil(lambda: pending(factory) == 0, timeout=20000)
    finally:
        locker.close()
        applier.stop()
        ex.shutdown()
        engine.dispose()
    assert len(told) == 1
    with factory() as s:
        assert s.get(Case, case_id).status == "closed"


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
