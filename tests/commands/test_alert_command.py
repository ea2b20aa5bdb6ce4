"""Acknowledging a console alert is audited (both backends): who, which alert, raised when, acknowledged when; a
repeat of the same id writes nothing new; an unknown case is refused in Swedish; a role outside the clinic may not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from command_world import World, snapshot
from sqlalchemy import select

from commands import AcknowledgeAlert, run
from records.access_log import action_text
from records.actor import NotPermitted
from records.case_state import CaseStatus
from records.cases import CaseNotFound
from records.models import AuditEntry, ChangeEvent, CommandLog

RAISED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_acknowledging_a_prio1_alert_records_who_what_and_when(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    cmd = AcknowledgeAlert(kind="new_prio1", alert_key=f"new_prio1:{case_id}", case_id=case_id, raised_at=RAISED,
                           text=f"Ny Prio 1 i väntrummet: ärende {case_id}")
    done = run(world.db, world.dispatcher, cmd)
    assert done.by == world.dispatcher.username and done.case_id == case_id  # type: ignore[attr-defined]
    again = run(world.db, world.dispatcher, cmd)  # the same id: the first result, nothing new
    assert again == done
    with world.db() as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.acknowledge")).all()
        assert (row.case_id, row.user_id, row.role) == (case_id, world.dispatcher.user_id, "dispatcher")
        assert row.detail["kind"] == "new_prio1" and row.detail["alert"] == f"new_prio1:{case_id}"
        assert row.detail["raised_at"] == RAISED.isoformat() and row.at is not None
        assert "kvitterade ett larm" in action_text(row.action, row.detail)  # the patient's access log says what it was
        assert s.scalars(select(CommandLog.name).where(CommandLog.name == "alert.acknowledge")).all() \
            == ["alert.acknowledge"]
        assert s.scalars(select(ChangeEvent.topic).where(ChangeEvent.command == "alert.acknowledge")).all() \
            == ["alerts"]


def test_a_lost_feed_is_acknowledged_without_a_case(world: World) -> None:
    run(world.db, world.nurse, AcknowledgeAlert(kind="feed_lost", alert_key="feed_lost:ambulans:1", feed="ambulans",
                                                raised_at=RAISED, text="Flödet Ambulans har tappat kontakten"))
    with world.db() as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.acknowledge")).all()
        assert row.case_id is None and row.detail["feed"] == "ambulans" and row.user_id == world.nurse.user_id


def test_an_unknown_case_or_an_administrator_is_refused_and_nothing_is_written(world: World) -> None:
    before = snapshot(world.db)
    with pytest.raises(CaseNotFound, match="Ärende 999999 finns inte"):
        run(world.db, world.dispatcher, AcknowledgeAlert(kind="target_passed", alert_key="target_passed:999999",
                                                         case_id=999999, raised_at=RAISED, text="Ärende 999999"))
    with pytest.raises(NotPermitted, match="får inte kvittera larm"):
        run(world.db, world.admin, AcknowledgeAlert(kind="feed_lost", alert_key="feed_lost:ambulans:1",
                                                    raised_at=RAISED, text="Flödet Ambulans"))
    assert snapshot(world.db) == before
