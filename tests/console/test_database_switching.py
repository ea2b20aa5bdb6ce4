"""While the database switches server, the console retries the write with the same command id and says so in a
banner; the banner goes when the write succeeds, and the write is stored once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import commands.calls as calls_module
from commands import CreateCase
from console.switch_banner import SWITCHING
from console.tasks import CommandOp
from records.models import Case, CommandLog
from resources.vocabulary import Role


def test_banner_while_the_database_switches_and_the_write_lands_once(qtbot, make_window, actor_for, factory,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    window = make_window(nurse)
    assert not window.switch_banner.isVisible()
    real, promoted, attempts = calls_module.create_case, threading.Event(), []

    def switching(*args, **kwargs):  # type: ignore[no-untyped-def]
        attempts.append(1)
        if not promoted.is_set():
            raise OperationalError("INSERT INTO cases", {}, Exception("server closed the connection unexpectedly"))
        return real(*args, **kwargs)

    monkeypatch.setattr(calls_module, "create_case", switching)
    cmd = CreateCase()
    results: list[object] = []
    CommandOp(window.executor, nurse, cmd).success(results.append).failure(results.append).run()
    qtbot.waitUntil(window.switch_banner.isVisible, timeout=10000)
    assert window.switch_banner.label.text() == SWITCHING
    qtbot.waitUntil(lambda: len(attempts) >= 3, timeout=10000)  # still retrying, with backoff
    promoted.set()
    qtbot.waitUntil(lambda: not window.switch_banner.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: not window.executor.busy, timeout=10000)
    assert len(results) == 1 and getattr(results[0], "case_id", None) is not None, results
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.get(CommandLog, str(cmd.command_id)) is not None
