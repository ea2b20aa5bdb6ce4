"""What väntrummet newly shows after a pushed change is audited right after it is shown (console/shown_audit.py):
one `case.list` row naming the case, attributed to the dispatcher and their console, with when it was shown —
pushed in-process on SQLite and by NOTIFY from another process on PostgreSQL; written at shutdown when the
batch has not come due; a failed write is retried, not lost; and a write waiting for the audit chain's lock
does not hold up the next re-read (it has a worker and a connection of its own)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

import console.shown_audit as shown_audit_module
from commands import CreateCase, SendToWaitingRoom, run
from console.tasks import DbExecutor
from records.actor import Actor
from records.audit import CHAIN_LOCK_KEY
from records.case_state import CaseEvent
from records.cases import advance, create_case
from records.change_feed import CHANNEL, encode
from records.db import DatabaseUnavailable, DbBounds, make_engine, migrate, session_factory, transaction
from records.models import AuditEntry, Case
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
        qtbot.waitUntil(lambda: not ws.feed.shown_audit.pending, timeout=5000)  # once its commit is reported back
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


@pytest.mark.postgres
def test_a_reread_does_not_wait_for_an_audit_write_blocked_on_the_chain_lock(qtbot, postgres_url,  # type: ignore[no-untyped-def]
                                                                             make_actor) -> None:
    """The audit of what was shown waits for the chain's lock (held here by another connection, as a hundred
    consoles auditing the same new case hold it in turn); the next pushed change is still read and shown at
    once, and the audit row arrives once the lock is free."""
    engine = make_engine(postgres_url, DbBounds(statement_s=60))  # the lock is never given up while the test holds it
    migrate(engine)
    db = session_factory(engine)
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    ws.feed.shown_audit.bound_ms = 50
    holder = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    lock = holder.connect()
    try:
        assert executor.watch is not None
        qtbot.waitUntil(lambda: executor.watch.listener.connects == 1, timeout=10000)
        first, second = waiting_unnotified(db, nurse), waiting_unnotified(db, nurse)
        lock.execute(text("BEGIN"))
        lock.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        notify(holder, first)
        qtbot.waitUntil(lambda: shows(ws, first) and audit_waits_for_the_lock(holder), timeout=10000)
        notify(holder, second)
        qtbot.waitUntil(lambda: shows(ws, second), timeout=5000)  # not behind the audit waiting for the lock
        assert {first, second} <= ws.feed.shown_audit.pending and listed(db, dispatcher) == []
        lock.execute(text("COMMIT"))
        qtbot.waitUntil(lambda: not ws.feed.shown_audit.pending, timeout=15000)
        audited_as_shown(db, dispatcher, first)
        audited_as_shown(db, dispatcher, second)
    finally:
        lock.close()
        holder.dispose()
        ws.shutdown()
        executor.shutdown()
        engine.dispose()


def waiting_unnotified(factory: sessionmaker[Session], nurse: Actor) -> int:
    """A case in väntrummet written past the command layer: no notification, so only a re-read shows it."""
    with transaction(factory) as s:
        case_id = create_case(s, nurse, INTAKE).id
        s.get(Case, case_id).priority = "2"  # type: ignore[union-attr]
        advance(s, nurse, case_id, CaseEvent.SEND_TO_WAITING_ROOM)
    return case_id


def notify(engine: Engine, case_id: int) -> None:
    """What a command's commit sends about `case_id` (commands/events.py)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                     {"channel": CHANNEL, "payload": encode("cases", [case_id])})


def audit_waits_for_the_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")))
