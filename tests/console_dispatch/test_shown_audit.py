"""What väntrummet newly shows after a pushed change is audited right after it is shown (console/shown_audit.py):
one `case.list` row naming the case, attributed to the dispatcher and their console, with when it was shown —
pushed in-process on SQLite and by NOTIFY from another process on PostgreSQL; written at shutdown when the
batch has not come due; and a failed write is retried, not lost."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import console.shown_audit as shown_audit_module
from commands import CreateCase, SendToWaitingRoom, run
from console.tasks import DbExecutor
from records.actor import Actor
from records.db import DatabaseUnavailable
from records.models import AuditEntry
from resources.vocabulary import Role
from tests.console_dispatch.test_change_push import (
    INTAKE,
    ROOT,
    SEND_FROM_ANOTHER_PROCESS,
    TRIAGE,
    console,
    pg_db,  # noqa: F401 - the fixture
    shows,
)


def listed(factory: sessionmaker[Session], actor: Actor) -> list[AuditEntry]:
    with factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "case.list",
                                                       AuditEntry.user_id == actor.user_id).order_by(AuditEntry.id)))


def waiting_case(factory: sessionmaker[Session], nurse: Actor) -> int:
    case_id: int = run(factory, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
    run(factory, nurse, SendToWaitingRoom(case_id=case_id, triage=TRIAGE))
    return case_id


def audited_as_shown(factory: sessionmaker[Session], actor: Actor, case_id: int) -> AuditEntry:
    rows = [r for r in listed(factory, actor) if case_id in r.detail["case_ids"]]
    assert len(rows) == 1, rows
    row = rows[0]
    assert row.detail["case_ids"] == [case_id] and row.console == "test-konsol" and row.role == Role.DISPATCHER.value
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite gives it back without its zone
    assert datetime.fromisoformat(row.detail["shown_at"]) <= at  # shown first, audited after
    return row


def test_a_pushed_case_is_shown_then_audited_on_sqlite(qtbot, sqlite_db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(sqlite_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    try:
        ws.feed.shown_audit.bound_ms = 3000  # long enough to see it shown before it is audited
        case_id = waiting_case(sqlite_db, nurse)
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        assert case_id in ws.feed.shown_audit.pending and listed(sqlite_db, dispatcher) == []
        qtbot.waitUntil(lambda: bool(listed(sqlite_db, dispatcher)), timeout=10000)
        audited_as_shown(sqlite_db, dispatcher, case_id)
        assert not ws.feed.shown_audit.pending
    finally:
        ws.shutdown()
        executor.shutdown()


@pytest.mark.postgres
def test_a_case_notified_from_another_process_is_audited_as_shown(qtbot, pg_db, postgres_url,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                  make_actor) -> None:
    dispatcher = make_actor(pg_db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(pg_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    try:
        assert executor.watch is not None
        qtbot.waitUntil(lambda: executor.watch.listener.connects == 1, timeout=10000)
        out = subprocess.run([sys.executable, "-c", SEND_FROM_ANOTHER_PROCESS, postgres_url], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=True)
        case_id = int(out.stdout.split()[-1])
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        qtbot.waitUntil(lambda: any(case_id in r.detail["case_ids"] for r in listed(pg_db, dispatcher)),
                        timeout=10000)
        audited_as_shown(pg_db, dispatcher, case_id)
    finally:
        ws.shutdown()
        executor.shutdown()


def test_what_was_shown_is_audited_at_shutdown_before_its_batch_is_due(qtbot, sqlite_db,  # type: ignore[no-untyped-def]
                                                                       make_actor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(sqlite_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    ws.feed.shown_audit.bound_ms = 600_000
    try:
        case_id = waiting_case(sqlite_db, nurse)
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        qtbot.waitUntil(lambda: not executor.busy, timeout=10000)
        assert listed(sqlite_db, dispatcher) == []
    finally:
        ws.shutdown()
        executor.shutdown()
    audited_as_shown(sqlite_db, dispatcher, case_id)


def test_a_failed_audit_write_is_retried_not_lost(qtbot, sqlite_db, make_actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    real, failures = shown_audit_module.audit_shown, []

    def flaky(*args: Any, **kw: Any) -> None:
        if not failures:
            failures.append(args)
            raise DatabaseUnavailable("Databasen kan inte nås just nu.")
        real(*args, **kw)

    monkeypatch.setattr(shown_audit_module, "audit_shown", flaky)
    executor = DbExecutor(sqlite_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    ws.feed.shown_audit.bound_ms = 200
    try:
        case_id = waiting_case(sqlite_db, nurse)
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        qtbot.waitUntil(lambda: bool(listed(sqlite_db, dispatcher)), timeout=10000)
        assert failures
        audited_as_shown(sqlite_db, dispatcher, case_id)
    finally:
        ws.shutdown()
        executor.shutdown()
