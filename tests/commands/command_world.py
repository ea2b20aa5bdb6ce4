"""A small world for command tests: actors of every role and cases brought into a given state by commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commands import (
    AssignUnit,
    CaseCreated,
    CompleteTriage,
    CreateCase,
    RecordOutcome,
    SendToWaitingRoom,
    run,
)
from dispatch.case_input import case_from_record
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from records.actor import Actor
from records.case_state import CaseStatus
from records.cases import CaseIntake
from records.models import Base, Case, FollowUp
from records.triage_store import CompletedTriage
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.vocabulary import Capability, Priority, Role, TransportNeed

AT = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
SNAP = default_snapshot()
STRETCHER = CareNeed(capabilities={Capability.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)


def triage(priority: str = "3") -> CompletedTriage:
    return CompletedTriage(ruleset_version="test-1", complaint="YRSEL", endpoint_code="YRSEL.3.01",
                           priority=Priority(priority), care_need=STRETCHER.model_dump(mode="json"),
                           answers=[{"question_id": "q1", "value": "nej"}])


def intake(name: str = "Test Testsson") -> CaseIntake:
    return CaseIntake(kommun="Malmö", lat=55.60, lon=13.00, patient_name=name, callback_phone="0701234567",
                      address="Storgatan 1")


@dataclass
class World:
    db: sessionmaker[Session]
    nurse: Actor
    dispatcher: Actor
    physician: Actor
    admin: Actor
    tmp: Path

    @classmethod
    def make(cls, db: sessionmaker[Session], make_actor: Callable[..., Actor], tmp: Path) -> World:
        return cls(db, make_actor(db, "ssk.anna", Role.NURSE), make_actor(db, "usk.berit", Role.DISPATCHER),
                   make_actor(db, "lak.david", Role.PHYSICIAN), make_actor(db, "admin.eva", Role.ADMIN), tmp)

    def actor(self, role: Role) -> Actor:
        return {Role.NURSE: self.nurse, Role.DISPATCHER: self.dispatcher, Role.PHYSICIAN: self.physician,
                Role.ADMIN: self.admin}[role]

    def case_in(self, status: CaseStatus) -> int:
        """A new case brought to `status` through the commands, as the console would."""
        created = run(self.db, self.nurse, CreateCase(intake=intake()))
        assert isinstance(created, CaseCreated)
        case_id = created.case_id
        if status is CaseStatus.DRAFT:
            return case_id
        if status is CaseStatus.TRIAGED:
            run(self.db, self.nurse, CompleteTriage(case_id=case_id, triage=triage()))
            return case_id
        run(self.db, self.nurse, SendToWaitingRoom(case_id=case_id, triage=triage()))
        if status is CaseStatus.WAITING:
            return case_id
        if status is CaseStatus.ASSIGNED:
            self.assign(case_id)
            return case_id
        run(self.db, self.dispatcher, RecordOutcome(case_id=case_id, code="treated_left_home"))
        return case_id

    def recommendation(self, case_id: int) -> dict[str, Any]:
        with self.db() as s:
            return recommend(case_from_record(s.get(Case, case_id)), SNAP, AT).model_dump(mode="json")

    def assign_command(self, case_id: int) -> AssignUnit:
        rec = self.recommendation(case_id)
        unit = rec["parts"][0]["recommended"]["unit_id"]
        return AssignUnit(case_id=case_id, unit_id=unit, recommendation_shown=rec)

    def assign(self, case_id: int) -> str:
        cmd = self.assign_command(case_id)
        run(self.db, self.dispatcher, cmd)
        return cmd.unit_id

    def status(self, case_id: int) -> CaseStatus:
        with self.db() as s:
            return CaseStatus(s.get(Case, case_id).status)

    def rules_dir(self) -> Path:
        """A rule-set directory holding the small test rule set (outcomes_helpers.mini_ruleset) as test-1."""
        from outcomes_helpers import mini_ruleset

        from triage_rules.loader import write_version

        d = self.tmp / "rulesets"
        if not d.exists():
            write_version(mini_ruleset(), "test-1", d)
        return d

    def open_followup(self) -> int:
        case_id = self.case_in(CaseStatus.CLOSED)  # treated_left_home schedules a follow-up
        with self.db() as s:
            return s.scalars(select(FollowUp.id).where(FollowUp.case_id == case_id)).one()


def snapshot(db: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: the whole record, to compare before and after."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out
