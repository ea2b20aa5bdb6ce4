"""A partial re-read of väntrummet that fails (the database away for a moment) does not lose the cases it was
to read: the next re-read, whatever change triggers it, reads the whole listing."""

from __future__ import annotations

from typing import Any

import console.dispatch.waiting_feed as feed_module
from commands import CreateCase, SendToWaitingRoom, run
from console.tasks import DbExecutor
from records.db import DatabaseUnavailable
from resources.vocabulary import Role
from tests.console_dispatch.test_change_push import INTAKE, TRIAGE, console, shows


def test_a_failed_partial_reread_is_made_good_by_the_next(qtbot, sqlite_db, make_actor,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    executor = DbExecutor(sqlite_db, listen=True)
    ws = console(qtbot, dispatcher, executor)
    real, failures, armed = feed_module.read_waiting, [], []

    def flaky(session: Any, actor: Any, shown: Any, ids: Any = None, **kw: Any) -> Any:
        if ids is not None and armed and not failures:
            failures.append(ids)
            raise DatabaseUnavailable("Databasen kan inte nås just nu.")
        return real(session, actor, shown, ids, **kw)

    monkeypatch.setattr(feed_module, "read_waiting", flaky)
    try:
        with qtbot.waitSignal(executor.changed_ids, timeout=10000):  # a new call, not in väntrummet: read alone
            first = run(sqlite_db, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not executor.busy, timeout=10000)
        armed.append(True)
        run(sqlite_db, nurse, SendToWaitingRoom(case_id=first, triage=TRIAGE))
        qtbot.waitUntil(lambda: bool(failures) and not executor.busy, timeout=10000)
        assert not shows(ws, first)  # its read failed
        second = run(sqlite_db, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
        run(sqlite_db, nurse, SendToWaitingRoom(case_id=second, triage=TRIAGE))
        qtbot.waitUntil(lambda: shows(ws, second), timeout=10000)
        qtbot.waitUntil(lambda: not executor.busy, timeout=10000)
        assert shows(ws, first)  # not left out until the safety poll
    finally:
        ws.shutdown()
        executor.shutdown()
