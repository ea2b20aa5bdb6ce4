"""Helpers for the outcome tests (imported by the test modules): cases, triage results and assignments inserted directly via the ORM,
and a small valid rule set written as a shipped version into a temporary directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from records.actor import Actor
from records.models import Assignment, Case, TriageResult, UnitStatusEvent

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning

# Units of the default fleet, by type.
AMB, AMB2, SJR, RTJ, MVT = "AMB-001", "AMB-002", "SJR-001", "RTJ-001", "MVT-001"


def add_case(session: Session, actor: Actor, *, created_at: datetime = T0, priority: str | None = "2",
             endpoint_code: str | None = None, ruleset_version: str | None = "test-1", complaint: str | None = None,
             personnummer: str | None = None, callback_phone: str = "", address: str = "",
             patient_name: str = "", kommun: str | None = "Lund", units: tuple[str, ...] = (),
             triage_minutes: float | None = None, assign_minutes: float | None = None,
             on_scene_minutes: float | None = None, status: str = "waiting", **extra: Any) -> Case:
    case = Case(status=status, created_at=created_at, updated_at=created_at, created_by=actor.user_id,
                priority=priority, endpoint_code=endpoint_code, ruleset_version=ruleset_version,
                complaint=complaint or (endpoint_code.split(".")[0] if endpoint_code else None),
                personnummer=personnummer, callback_phone=callback_phone, address=address,
                patient_name=patient_name, kommun=kommun, flags=[], **extra)
    session.add(case)
    session.flush()
    triage_at = None
    if triage_minutes is not None:
        triage_at = created_at + timedelta(minutes=triage_minutes)
        session.add(TriageResult(case_id=case.id, ruleset_version=ruleset_version or "?",
                                 complaint=case.complaint or "ÖVRIGT", endpoint_code=endpoint_code or "ÖVRIGT.3.01",
                                 priority=priority or "3", care_need={}, flags=[], reasons=[], path=[],
                                 completed_at=triage_at, user_id=actor.user_id))
    base = triage_at or created_at
    for i, unit in enumerate(units):
        assigned = base + timedelta(minutes=(assign_minutes or 0) + i)
        session.add(Assignment(case_id=case.id, unit_id=unit, part=str(i) if i else "", active=True,
                               assigned_at=assigned, assigned_by=actor.user_id))
        if on_scene_minutes is not None:
            session.add(UnitStatusEvent(unit_id=unit, status="pa_plats", lat=55.7, lon=13.2, case_id=case.id,
                                        publisher="ambulans", seq=case.id * 10 + i,
                                        event_time=assigned + timedelta(minutes=on_scene_minutes),
                                        received_at=assigned + timedelta(minutes=on_scene_minutes)))
    session.flush()
    return case


def mini_ruleset(version: str = "test-1") -> dict[str, Any]:
    """A small rule set that passes triage_rules' validation: one complaint, three endpoints."""
    return {
        "version": version,
        "status": "testdata – inget kliniskt innehåll",
        "title": "Testregelverk",
        "recontact_window_hours": 72,
        "care_needs": {
            "ambulans_p1": {"capabilities": ["ambulance_transport", "ecg"], "transport": "ambulance",
                            "max_minutes": 20},
            "ambulans_p2": {"capabilities": ["ambulance_transport", "nurse_assessment"], "transport": "ambulance",
                            "max_minutes": 60},
            "hembesok": {"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 240},
        },
        "escalation": {"1": "ambulans_p1", "2": "ambulans_p2", "3": "hembesok"},
        "red_flags": [],
        "complaints": [{
            "code": "YRSEL",
            "name": "Yrsel",
            "initial_priority": 2,
            "start": "svimmat",
            "questions": [
                {"id": "svimmat", "kind": "yes_no", "text": "Har patienten svimmat?", "unknown": "raise", "unknown_as": "ja",
                 "if_yes": "YRSEL.1.01", "if_no": "kan_ga"},
                {"id": "kan_ga", "kind": "yes_no", "text": "Kan patienten gå själv?", "unknown": "raise", "unknown_as": "nej",
                 "if_yes": "YRSEL.3.01", "if_no": "YRSEL.2.01"},
            ],
            "endpoints": [
                {"code": "YRSEL.1.01", "priority": 1, "care_need": "ambulans_p1", "reason": "Svimning."},
                {"code": "YRSEL.2.01", "priority": 2, "care_need": "ambulans_p2", "reason": "Kan inte gå."},
                {"code": "YRSEL.3.01", "priority": 3, "care_need": "hembesok", "reason": "Går själv."},
            ],
        }],
    }
