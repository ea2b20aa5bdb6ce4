"""SetUnitStatus by hand: a reason is required and audited, only the transition graph's changes are allowed, and a
repeated command id writes once — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from commands import SetUnitStatus, run
from dispatch.status import IllegalTransition
from records.models import AuditEntry, UnitStatusEvent
from resources.vocabulary import Role, UnitStatus


def test_a_manual_status_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="skäl"):
        SetUnitStatus(unit_id="AMB-001", status=UnitStatus.OFF_DUTY, reason="   ")
    with pytest.raises(ValidationError):
        SetUnitStatus(unit_id="AMB-001", status=UnitStatus.OFF_DUTY)  # type: ignore[call-arg]


def test_the_reason_is_audited_and_a_repeat_writes_once(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    cmd = SetUnitStatus(command_id=uuid.uuid4(), unit_id="AMB-001", status=UnitStatus.OFF_DUTY,
                        reason="  Fordonet på verkstad  ")
    first = run(db, dispatcher, cmd)
    again = run(db, dispatcher, cmd)
    assert first == again and first.old is UnitStatus.AVAILABLE_AT_STATION and first.new is UnitStatus.OFF_DUTY
    with db() as s:
        events = s.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == "AMB-001")).all()
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "unit.status")).all()
    assert events == [UnitStatus.OFF_DUTY.value]
    assert entry.detail["reason"] == "Fordonet på verkstad" and entry.detail["new"] == "ej_i_tjanst"


def test_an_illegal_transition_is_refused_in_swedish(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    with pytest.raises(IllegalTransition, match="Otillåten statusändring Ledig på station → På plats"):
        run(db, dispatcher, SetUnitStatus(unit_id="AMB-001", status=UnitStatus.ON_SCENE, reason="Radio"))
    with db() as s:
        assert s.scalars(select(UnitStatusEvent)).all() == []
