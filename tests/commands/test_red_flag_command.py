"""A red flag raised mid-call is an audited step of the case (both backends); a closed case refuses one."""

from __future__ import annotations

import pytest
from command_world import World, snapshot
from sqlalchemy import select

from commands import RecordRedFlag, run
from records.case_state import CaseStatus, IllegalCaseTransition
from records.models import AuditEntry, CommandLog

TEXT = "Är patienten kallsvettig, gråblek och slö?"


def test_raising_and_withdrawing_are_audited_on_the_case(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    run(world.db, world.nurse, RecordRedFlag(case_id=case_id, flag_id="RF_CHOCK", text=TEXT, complaint="YRSEL"))
    run(world.db, world.nurse, RecordRedFlag(case_id=case_id, flag_id="RF_CHOCK", text=TEXT, withdrawn=True))
    with world.db() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                  AuditEntry.action.like("triage.red_flag%"))
                         .order_by(AuditEntry.id)).all()
        assert [(r.action, r.detail["flag"], r.detail["text"]) for r in rows] == [
            ("triage.red_flag", "RF_CHOCK", TEXT), ("triage.red_flag_withdrawn", "RF_CHOCK", TEXT)]
        assert all(r.user_id == world.nurse.user_id for r in rows)
        assert s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id,
                                                       CommandLog.name == "triage.red_flag")).all() \
            == ["triage.red_flag"] * 2


def test_a_closed_case_refuses_a_red_flag_and_nothing_is_written(world: World) -> None:
    case_id = world.case_in(CaseStatus.CLOSED)
    before = snapshot(world.db)
    with pytest.raises(IllegalCaseTransition, match=f"Ärende {case_id} är avslutat"):
        run(world.db, world.nurse, RecordRedFlag(case_id=case_id, flag_id="RF_CHOCK", text=TEXT))
    assert snapshot(world.db) == before
