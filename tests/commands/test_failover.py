"""Failover: a primary with a synchronous streaming standby, the primary killed mid-work, the standby promoted.

Real servers (pg_cluster: initdb, pg_basebackup -R, pg_ctl on free loopback ports, as the postgres user when
the tests run as root); skipped with the reason where the server programs are missing or cannot run. A nurse's
stream of CreateCase commands runs through the multi-host URL (target_session_attrs=read-write) with the
console's retry (commands.retry: the same command id, backoff). The primary is stopped with `-m immediate`
while commands are in flight, the standby promoted; the stream goes on against the new primary, and every
command acknowledged before, during and after the switch is there exactly once — as a case and in command_log.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from command_world import intake
from pg_cluster import Cluster, cluster, unavailable_reason, wait_for
from sqlalchemy import text

from commands import CreateCase
from commands.retry import run_retrying
from records.db import DbBounds, make_engine, migrate, session_factory, transaction
from records.identity import provision_and_sign_in
from resources.settings import _database_url_problem
from resources.vocabulary import Role

pytestmark = pytest.mark.postgres

BEFORE, AFTER = 15, 15  # commands acknowledged before the primary goes, and after the switch


@pytest.fixture
def pair() -> Any:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with cluster() as c:
        primary = c.primary("primary", max_connections=40)
        primary.execute("CREATE DATABASE larmcentral")
        standby = c.standby("standby1", of=primary)
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'standby1'")  # the primary's own, not copied
        primary.execute("SELECT pg_reload_conf()")
        wait_for(lambda: primary.execute("SELECT sync_state FROM pg_stat_replication "
                                         "WHERE application_name = 'standby1'") == [("sync",)],
                 30, "the standby to replicate synchronously")
        yield c, primary, standby


def test_writes_go_on_after_failover_and_nothing_acknowledged_is_lost_or_doubled(pair: tuple[Cluster, Any, Any]
                                                                                   ) -> None:
    _c, primary, standby = pair
    url = (f"postgresql+psycopg://postgres@/larmcentral?host=127.0.0.1:{primary.port}"
           f"&host=127.0.0.1:{standby.port}&target_session_attrs=read-write")
    assert _database_url_problem(url) is None  # the documented form passes the setting's check
    engine = make_engine(url, DbBounds(statement_s=5, connect_s=2))
    try:
        migrate(engine)
        db = session_factory(engine)
        with transaction(db) as s:
            nurse = provision_and_sign_in(s, "ssk.anna", Role.NURSE, display_name="Anna", console="konsol-1")

        acked: list[tuple[str, int, str]] = []  # command id, case id, patient name
        failures: list[BaseException] = []
        retries: list[int] = []
        stop = threading.Event()

        def stream() -> None:
            i = 0
            while not stop.is_set():
                name = f"failover-{i}"
                cmd = CreateCase(intake=intake(name))
                try:
                    done = run_retrying(db, nurse, cmd, budget_s=45, on_retry=lambda n, _e: retries.append(n))
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    failures.append(exc)
                    return
                acked.append((str(cmd.command_id), done.case_id, name))  # type: ignore[attr-defined]
                i += 1

        writer = threading.Thread(target=stream, name="console-stream")
        writer.start()
        try:
            wait_for(lambda: len(acked) >= BEFORE or bool(failures), 30, "commands before the switch")
            primary.stop("immediate")  # mid-work: the stream has a command in flight
            time.sleep(0.5)  # the stream meets a dead primary and a read-only standby first
            standby.promote()
            switched_at = len(acked)
            wait_for(lambda: len(acked) >= switched_at + AFTER or bool(failures), 45, "commands after the switch")
        finally:
            stop.set()
            writer.join(60)
        assert failures == [], f"a command failed for good: {failures[0]!r}"
        assert retries, "the stream never met the switch"

        with transaction(db) as s:  # the engine writes to the new primary now
            assert s.scalar(text("SELECT inet_server_port()")) == standby.port
            assert s.scalar(text("SELECT pg_is_in_recovery()")) is False
        by_name = dict(standby.execute("SELECT patient_name, count(*) FROM cases GROUP BY patient_name",
                                       "larmcentral"))
        logged = dict(standby.execute("SELECT command_id, (result->>'case_id')::int FROM command_log "
                                      "WHERE name = 'case.create'", "larmcentral"))
        for command_id, case_id, name in acked:
            assert by_name.get(name) == 1, f"{name}: {by_name.get(name, 0)} cases"
            assert logged.get(command_id) == case_id, f"{name}: not in command_log as acknowledged"
        assert sum(by_name.values()) == len(acked), "a case that was never acknowledged"
    finally:
        engine.dispose()
