"""Ctrl+Enter waits for the call's red flags: a flag raised just before the finish is on the case before the call
is finished, also when its command is still queued behind other database work or its first attempt fails — the
finish is not sent meanwhile, so a flag is never lost with the draft."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from test_red_flag_console import _mid_call

from records.models import AuditEntry, Case, CommandLog
from resources.vocabulary import Priority, Role


def _fail_the_first_red_flag_write(engine: Any) -> list[str]:
    """The database refuses the red flag's first write once (a connection lost mid-statement), then works."""
    failed: list[str] = []

    def refuse(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if not failed and "triage.red_flag" in str(parameters):
            failed.append(statement)
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", refuse)
    return failed


def test_ctrl_enter_waits_for_a_red_flag_in_flight_and_one_that_failed_is_sent_again_first(
        qtbot, make_window, actor_for, factory, idle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_FAILOVER_RETRY_S", "0")  # a failure is told at once, not retried for 30 s
    w = make_window(actor_for(Role.NURSE))
    ct = _mid_call(qtbot, w, idle)
    idle(w)
    case_id = ct.case_id
    failed = _fail_the_first_red_flag_write(factory.kw["bind"])
    release = threading.Event()
    w.executor.submit(lambda _s: release.wait(10))  # the worker is busy: the flag's command waits behind it
    sent: list[int] = []
    ct.case_sent.connect(lambda cid, _where: sent.append(cid))
    try:
        ct.apply_red_flag("RF_CHOCK")
        assert ct.wizard.state.done and ct.wizard.state.priority is Priority.P1
        qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert "röda flaggan registreras på ärendet först" in w.message_label.text()
    finally:
        release.set()
    idle(w)
    assert failed  # the flag's first attempt failed ...
    assert sent == [] and ct.active  # ... so the call was not finished without it
    assert "röda flaggan" in ct.problems.text() and "Ctrl+Enter" in ct.problems.text()
    with factory() as s:
        assert s.get(Case, case_id).status != "waiting"

    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # again: the flag, then the finish
    qtbot.waitUntil(lambda: sent == [case_id], timeout=10000)
    idle(w)
    with factory() as s:
        assert s.get(Case, case_id).status == "waiting"
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id,
                                                         AuditEntry.action == "triage.red_flag")).all() \
            == ["triage.red_flag"]
        names = s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id)
                          .order_by(CommandLog.at)).all()
    assert names.index("triage.red_flag") < names.index("call.finish")
