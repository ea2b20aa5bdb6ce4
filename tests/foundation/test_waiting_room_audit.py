"""Putting a triaged case in väntrummet records the recommendation the nurse saw, and that write
is in the audit log with its user (regression: the Recommendation row was written unaudited)."""

from __future__ import annotations

from sqlalchemy import select

from records.cases import CaseIntake, create_case
from records.models import AuditEntry, Recommendation
from records.triage_store import CompletedTriage, send_to_waiting_room
from resources.vocabulary import Priority


def test_recommendation_shown_is_audited(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    triage = CompletedTriage(ruleset_version="skane-2026.1", complaint="FALLU", endpoint_code="FALLU.3.04",
                             priority=Priority.P3, care_need={"capabilities": ["lifting_help"], "transport": "none",
                                                              "max_minutes": 60})
    shown = {"parts": [{"recommended": {"unit_id": "RTJ-001"}}]}
    with db() as session, session.begin():
        case = create_case(session, nurse, CaseIntake(kommun="Malmö", lat=55.6, lon=13.0))
        send_to_waiting_room(session, nurse, case.id, triage, recommendation_shown=shown)
    with db() as session:
        assert session.scalar(select(Recommendation.recommended_unit_id)) == "RTJ-001"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "recommendation.shown"))
        assert entry is not None and entry.case_id == case.id and entry.user_id == nurse.user_id
