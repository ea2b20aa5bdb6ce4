"""A command caught by a lost database connection is retried with its own id (commands.retry), on both backends.

The connection loss is raised where a real one surfaces (a statement before COMMIT, or right after the COMMIT
went through, as when the reply is lost): the retry applies a command that never committed exactly once and
finds one that did in command_log (its stored result, audited as a replay) — an acknowledged command is never
applied twice. The failover test (test_failover.py) does the same against a real primary and standby.
"""

from __future__ import annotations

import time

import pytest
from command_world import intake
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import commands.calls as calls_module
from commands import CreateCase, run
from commands.retry import run_retrying
from records.db import DatabaseTimeout, DatabaseUnavailable
from records.models import AuditEntry, Case, CommandLog


def _lost() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def _cases(db: sessionmaker[Session], name: str) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.patient_name == name)) or 0


def _replays(db: sessionmaker[Session], command_id: str) -> int:
    with db() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "command.replay")).all()
        return sum(1 for r in rows if (r.detail or {}).get("command_id") == command_id)


def test_a_command_lost_before_its_commit_is_applied_once(db, make_actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    real, calls = calls_module.create_case, []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) <= 2:
            raise _lost()
        return real(*args, **kwargs)

    monkeypatch.setattr(calls_module, "create_case", flaky)
    retries: list[int] = []
    cmd = CreateCase(intake=intake("före-commit"))
    done = run_retrying(db, nurse, cmd, budget_s=30, on_retry=lambda n, exc: retries.append(n), sleep=lambda _s: None)
    assert retries == [1, 2]
    assert _cases(db, "före-commit") == 1
    again = run_retrying(db, nurse, cmd, budget_s=30)  # acknowledged: a repeat returns it, writes nothing
    assert again.case_id == done.case_id  # type: ignore[attr-defined]
    assert _cases(db, "före-commit") == 1
    assert _replays(db, str(cmd.command_id)) == 1


def test_a_command_whose_commit_reply_was_lost_is_found_in_the_command_log(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)
    lose_next_reply = [True]

    @event.listens_for(Session, "after_commit")
    def reply_lost(_session: Session) -> None:  # committed on the server; the caller hears of a broken link
        if lose_next_reply[0]:
            lose_next_reply[0] = False
            raise _lost()

    try:
        cmd = CreateCase(intake=intake("svar-förlorat"))
        with pytest.raises(DatabaseUnavailable):  # what commands.run alone says: the outcome is unknown
            run(db, nurse, cmd)
        assert _cases(db, "svar-förlorat") == 1
        lose_next_reply[0] = True
        retries: list[int] = []
        done = run_retrying(db, nurse, cmd, budget_s=30, on_retry=lambda n, _e: retries.append(n),
                            sleep=lambda _s: None)
    finally:
        event.remove(Session, "after_commit", reply_lost)
    assert retries == [1]
    with db() as s:
        stored = s.get(CommandLog, str(cmd.command_id))
        assert stored is not None and stored.result["case_id"] == done.case_id  # type: ignore[attr-defined]
    assert _cases(db, "svar-förlorat") == 1, "applied twice"
    assert _replays(db, str(cmd.command_id)) == 2


def test_the_retry_is_bounded_and_a_timeout_is_not_retried(db, make_actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db)

    def down(*_a, **_k):  # type: ignore[no-untyped-def]
        raise _lost()

    monkeypatch.setattr(calls_module, "create_case", down)
    retries: list[int] = []
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="kan inte nås"):
        run_retrying(db, nurse, CreateCase(intake=intake("nere")), budget_s=0.5,
                     on_retry=lambda n, _e: retries.append(n))
    assert retries and time.monotonic() - started >= 0.5
    monkeypatch.setenv("LARMCENTRAL_DB_FAILOVER_RETRY_S", "0")  # the setting: tell the user at once
    retries.clear()
    with pytest.raises(DatabaseUnavailable):
        run_retrying(db, nurse, CreateCase(intake=intake("nere")), on_retry=lambda n, _e: retries.append(n))
    assert retries == []

    def stalled(*_a, **_k):  # type: ignore[no-untyped-def]
        raise DatabaseTimeout(5)

    monkeypatch.setattr(calls_module, "create_case", stalled)
    with pytest.raises(DatabaseTimeout):
        run_retrying(db, nurse, CreateCase(intake=intake("stall")), budget_s=30,
                     on_retry=lambda n, _e: retries.append(n))
    assert retries == []
    assert _cases(db, "nere") == 0 and _cases(db, "stall") == 0
