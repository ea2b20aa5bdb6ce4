"""Shared by the command benches (bench_fault_kill.py, fault_writer.py, bench_commit_latency.py): actors, intake,
triage and a recommendation, built the way the console builds them, and a free unit to assign.

Not a benchmark itself (`make bench` runs only bench/bench_*.py).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from dispatch.case_input import case_from_record  # noqa: E402
from dispatch.fleet_view import default_snapshot  # noqa: E402
from dispatch.recommend import recommend  # noqa: E402
from records.actor import Actor  # noqa: E402
from records.cases import CaseIntake  # noqa: E402
from records.db import transaction  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from records.models import Assignment, Case  # noqa: E402
from records.triage_store import CompletedTriage  # noqa: E402
from resources.care_need import CareNeed  # noqa: E402
from resources.clock import LOCAL_TZ  # noqa: E402
from resources.vocabulary import Capability, Priority, Role, TransportNeed  # noqa: E402

AT = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
SNAP = default_snapshot()
STRETCHER = CareNeed(capabilities={Capability.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
MARK_PREFIX = "bench:"  # caller_name of every bench case: "bench:<marker>", one marker per CreateCase


def triage(priority: str = "3") -> CompletedTriage:
    return CompletedTriage(ruleset_version="bench-1", complaint="YRSEL", endpoint_code="YRSEL.3.01",
                           priority=Priority(priority), care_need=STRETCHER.model_dump(mode="json"),
                           answers=[{"question_id": "q1", "value": "nej"}])


def intake(marker: str, name: str = "Bench Benchsson") -> CaseIntake:
    return CaseIntake(caller_name=f"{MARK_PREFIX}{marker}", kommun="Malmö", lat=55.60, lon=13.00,
                      patient_name=name, callback_phone="0701234567", address="Storgatan 1")


def actors(factory: sessionmaker[Session], console: str) -> dict[str, Actor]:
    """The bench's nurse and dispatcher, signed in (the same users on every sign-in, so replays match)."""
    out = {}
    for key, username, role in (("nurse", "bench.ssk", Role.NURSE), ("dispatcher", "bench.usk", Role.DISPATCHER)):
        with transaction(factory) as s:
            out[key] = provision_and_sign_in(s, username, role, display_name=username, console=console)
    return out


def recommendation(factory: sessionmaker[Session], case_id: int) -> dict[str, Any]:
    """The recommendation the dispatcher sees (read outside any write transaction, as the console does)."""
    with factory() as s:
        return recommend(case_from_record(s.get(Case, case_id)), SNAP, AT).model_dump(mode="json")


def free_unit(factory: sessionmaker[Session], rec: dict[str, Any]) -> tuple[str, str | None]:
    """(unit, deviation reason): the recommended unit if nobody holds it, else the first free alternative."""
    with factory() as s:
        held = set(s.scalars(select(Assignment.unit_id).where(Assignment.active.is_(True))))
    part = rec["parts"][0]
    recommended = (part.get("recommended") or {}).get("unit_id")
    if recommended and recommended not in held:
        return recommended, None
    for alt in part.get("alternatives") or []:
        if alt["unit_id"] not in held:
            return alt["unit_id"], "Rekommenderad enhet upptagen (bänk)"
    raise RuntimeError("no free unit in the recommendation")
