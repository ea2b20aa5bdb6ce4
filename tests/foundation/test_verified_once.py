"""A console's read and the audit of what it read check the sign-in once per transaction, not once each — and
the next transaction checks again, so an ended sign-in reads nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from dispatch.waiting_read import audit_shown
from records.actor import NotPermitted
from records.audit import audit_trail
from records.db import transaction
from records.identity import end_session, verify_actor_once
from resources.vocabulary import Role


def identity_queries(engine, run) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(_c, _cur, statement: str, *_a) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and ("user_sessions" in statement
                                                                 or "FROM users" in statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_a_read_and_its_audit_ask_the_database_about_the_sign_in_once(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    actor = make_actor(db, "usk.ida", Role.DISPATCHER)

    def read_and_audit() -> None:
        with transaction(db) as s:
            verify_actor_once(s, actor)
            audit_shown(s, actor, {1, 2})

    assert len(identity_queries(db.kw["bind"], read_and_audit)) == 1
    with transaction(db) as s:
        assert [e.detail["case_ids"] for e in s.scalars(_case_lists())] == [[1, 2]]


def _case_lists():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from records.models import AuditEntry
    return select(AuditEntry).where(AuditEntry.action == "case.list")


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
    with transaction(db) as s:
        assert audit_trail(s, 3) == []
