"""A console's read and the audit of what it read check the sign-in once per transaction, not once each — and
the next transaction checks again, so an ended sign-in reads nothing more."""

from __future__ import annotations

import pytest
from sql_capture import sql_statements
from sqlalchemy import select

from dispatch.waiting_read import audit_shown
from records.actor import NotPermitted
from records.db import transaction
from records.identity import end_session, verify_actor_once
from records.models import AuditEntry
from resources.vocabulary import Role


def identity_queries(db, run) -> list[str]:  # type: ignore[no-untyped-def]
    return [s for s in sql_statements(db, run)
            if s.upper().startswith("SELECT") and ("user_sessions" in s or "FROM users" in s)]


def test_a_read_and_its_audit_ask_the_database_about_the_sign_in_once(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    actor = make_actor(db, "usk.ida", Role.DISPATCHER)

    def read_and_audit() -> None:
        with transaction(db) as s:
            verify_actor_once(s, actor)
            audit_shown(s, actor, {1, 2})

    assert len(identity_queries(db, read_and_audit)) == 1
    assert shown_lists(db) == [[1, 2]]


def shown_lists(db) -> list[list[int]]:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        return [e.detail["case_ids"] for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "case.list"))]


def test_the_next_transaction_checks_again_and_an_ended_sign_in_is_refused(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    actor = make_actor(db, "usk.ida", Role.DISPATCHER)
    with transaction(db) as s:
        verify_actor_once(s, actor)
    with transaction(db) as s:
        end_session(s, actor, "test")
    with pytest.raises(NotPermitted), transaction(db) as s:
        verify_actor_once(s, actor)
    with pytest.raises(NotPermitted), transaction(db) as s:
        audit_shown(s, actor, {3})
    assert shown_lists(db) == []  # the refused audit wrote nothing
