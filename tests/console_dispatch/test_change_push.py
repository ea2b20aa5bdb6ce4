"""Push, not poll: a case sent to väntrummet at one console appears in another console's väntrummet by
notification — LISTEN/NOTIFY from another process on PostgreSQL, the in-process bus on SQLite — while the
safety poll (set to 600 s here) is nowhere near due; a dropped listener connection reconnects and re-reads."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from commands import CreateCase, RecordOutcome, SendToWaitingRoom, run
from console.dispatch.setup import build_dispatch_workspace
from console.dispatch.workspace import DispatchWorkspace
from console.tasks import CommandOp, DbExecutor
from records.actor import Actor
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case
from records.db import make_engine, migrate, session_factory, transaction
from records.models import AuditEntry, Case
from records.triage_store import CompletedTriage
from resources.vocabulary import Priority, Role

ROOT = Path(__file__).resolve().parents[2]
SAFETY_POLL_MS = 600_000  # the poll cannot be what shows the change: the tests take seconds
INTAKE = CaseIntake(caller_name="Test", address="Testgatan 1", kommun="Lund", lat=55.7047, lon=13.1910)
TRIAGE = CompletedTriage(ruleset_version="skane-2026.1", complaint="FALLU", endpoint_code="FALLU.3.04",
                         priority=Priority.P3, care_need={"capabilities": ["lifting_help"], "transport": "none",
                                                          "max_minutes": 60})


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(postgres_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def console(qtbot, actor: Actor, executor: DbExecutor) -> DispatchWorkspace:  # type: ignore[no-untyped-def]
    ws = build_dispatch_workspace(actor, executor, refresh_ms=SAFETY_POLL_MS)
    qtbot.addWidget(ws)
    ws.start()
    qtbot.waitUntil(lambda: not executor.busy, timeout=10000)
    return ws


def shows(ws: DispatchWorkspace, case_id: int) -> bool:
    return case_id in {c.id for c in ws.waiting_model.cases()}


def listings_audited(factory: sessionmaker[Session], actor: Actor) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "case.list", AuditEntry.user_id == actor.user_id)) or 0


def test_two_consoles_in_one_process_see_each_others_changes_at_once_on_sqlite(qtbot, sqlite_db,  # type: ignore[no-untyped-def]
                                                                               make_actor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    calltaker, dispatching = DbExecutor(sqlite_db, listen=True), DbExecutor(sqlite_db, listen=True)
    ws = console(qtbot, dispatcher, dispatching)
    try:
        heard: list[tuple[str, object]] = []
        dispatching.changed_ids.connect(lambda topic, ids: heard.append((topic, ids)))
        created: list[int] = []
        CommandOp(calltaker, nurse, CreateCase(intake=INTAKE)).success(lambda r: created.append(r.case_id)).run()
        qtbot.waitUntil(lambda: bool(created), timeout=10000)
        CommandOp(calltaker, nurse, SendToWaitingRoom(case_id=created[0], triage=TRIAGE)).run()
        qtbot.waitUntil(lambda: shows(ws, created[0]), timeout=10000)
        assert ws.refresh_timer.isActive() and ws.refresh_timer.interval() == SAFETY_POLL_MS
        assert ("cases", frozenset(created)) in heard
        # What was shown is audited right after (batched, console/shown_audit.py); a change that leaves the
        # listing as it was is re-read but not audited again: one row for what was shown.
        qtbot.waitUntil(lambda: listings_audited(sqlite_db, dispatcher) == 1, timeout=10000)
        CommandOp(calltaker, nurse, CreateCase(intake=INTAKE)).run()  # a new call: not in väntrummet
        qtbot.waitUntil(lambda: len(heard) >= 3, timeout=10000)
        qtbot.waitUntil(lambda: not dispatching.busy and not ws.feed.shown_audit.pending, timeout=10000)
        qtbot.wait(1500)  # past the audit's batching bound
        assert listings_audited(sqlite_db, dispatcher) == 1
    finally:
        ws.shutdown()
        calltaker.shutdown()
        dispatching.shutdown()


SEND_FROM_ANOTHER_PROCESS = """
import sys
from commands import CreateCase, RecordOutcome, SendToWaitingRoom, run
from records.cases import CaseIntake
from records.db import open_database, transaction
from records.identity import provision_and_sign_in
from records.triage_store import CompletedTriage
from resources.vocabulary import Priority, Role
engine, factory = open_database(sys.argv[1])
with transaction(factory) as s:
    nurse = provision_and_sign_in(s, "ssk.cecilia", Role.NURSE, display_name="Cecilia", console="konsol-2")
case_id = run(factory, nurse, CreateCase(intake=CaseIntake(kommun="Lund", lat=55.7, lon=13.19))).case_id
triage = CompletedTriage(ruleset_version="skane-2026.1", complaint="FALLU", endpoint_code="FALLU.3.04",
                         priority=Priority.P2, care_need={"capabilities": [], "transport": "none", "max_minutes": 60})
run(factory, nurse, SendToWaitingRoom(case_id=case_id, triage=triage))
print(case_id)
"""


@pytest.mark.postgres
def test_a_change_at_another_process_reaches_this_console_by_notify(qtbot, pg_db, postgres_url,  # type: ignore[no-untyped-def]
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
        assert ws.refresh_timer.interval() == SAFETY_POLL_MS
    finally:
        ws.shutdown()
        executor.shutdown()


@pytest.mark.postgres
def test_a_dropped_listener_connection_reconnects_and_rereads(qtbot, pg_db, postgres_url,  # type: ignore[no-untyped-def]
                                                              make_actor) -> None:
    nurse = make_actor(pg_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(pg_db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(pg_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        watch = executor.watch
        assert watch is not None
        qtbot.waitUntil(lambda: watch.listener.connects == 1, timeout=10000)
        pid = watch.listener.backend_pid
        with transaction(pg_db) as s:  # written past the command layer: no notification, only a re-read finds it
            case_id = create_case(s, nurse, INTAKE).id
            s.get(Case, case_id).priority = "2"  # type: ignore[union-attr]
            advance(s, nurse, case_id, CaseEvent.SEND_TO_WAITING_ROOM)
        with qtbot.waitSignal(watch.resynced, timeout=15000):
            with admin.connect() as conn:
                assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        assert watch.listener.connects == 2 and watch.listener.backend_pid not in (None, pid)
        run(pg_db, nurse, CreateCase(intake=INTAKE))  # and it hears again on the new connection
        heard = watch.heard
        qtbot.waitUntil(lambda: watch.heard > heard, timeout=10000)
    finally:
        admin.dispose()
        ws.shutdown()
        executor.shutdown()


def test_a_change_to_a_call_being_taken_is_not_reread_but_one_that_opens_or_leaves_is(  # type: ignore[no-untyped-def]
        qtbot, db, make_actor, monkeypatch) -> None:
    """Both backends: the notification says which named cases are open for dispatch; a console re-reads only those
    and the ones it shows."""
    import console.dispatch.waiting_feed as feed_module

    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    real, read_for = feed_module.read_waiting, []

    def counted(session, actor, shown, ids=None, **kw):  # type: ignore[no-untyped-def]
        read_for.append(ids)
        return real(session, actor, shown, ids, **kw)

    monkeypatch.setattr(feed_module, "read_waiting", counted)
    executor = DbExecutor(db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    try:
        assert executor.watch is not None
        qtbot.waitUntil(lambda: bool(read_for) and not executor.busy, timeout=10000)  # the first whole listing
        heard = executor.watch.heard
        case_id = run(db, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: executor.watch.heard > heard and ws.feed.passed_over == 1, timeout=10000)
        reads = len(read_for)
        run(db, nurse, SendToWaitingRoom(case_id=case_id, triage=TRIAGE))  # now open: read, shown
        qtbot.waitUntil(lambda: shows(ws, case_id), timeout=10000)
        assert read_for[reads:] and all(ids == frozenset({case_id}) for ids in read_for[reads:])
        reads = len(read_for)
        run(db, dispatcher, RecordOutcome(case_id=case_id, code="treated_left_home"))  # closed: no longer open,
        qtbot.waitUntil(lambda: not shows(ws, case_id), timeout=10000)  # but shown here: read, and it leaves
        assert read_for[reads:] == [frozenset({case_id})]
        assert ws.feed.passed_over == 1
    finally:
        ws.shutdown()
        executor.shutdown()
