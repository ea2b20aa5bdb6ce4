"""100 consoles on one PostgreSQL, as docs/centre-setup.md sets a centre up.

A throw-away server (pg_cluster; skipped with the reason where the server programs are missing or cannot run)
with the documented `max_connections`, the documented roles (owner migrates, consoles connect as the
application role, so the superuser's reserved slots stay free), and 100 consoles: each an engine with the
product's fixed pool (LARMCENTRAL_DB_POOL_SIZE, default 2), its own LISTEN connection, as the change
listener holds, and the shown-audit writer's engine of one connection (console/shown_audit.py). Every console
writes from more threads than its pool has connections (the worst case: the worker, a feed writer and a shift
change at once) while its audit writer writes. No console ever holds more than pool + 2 connections, every
command goes through (no 'too many clients'), and every console hears every change.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest
from command_world import intake
from pg_cluster import cluster, unavailable_reason

from commands import CreateCase, run
from commands.events import CHANNEL
from dispatch.waiting_read import audit_shown
from records.db import companion_engine, db_bounds, make_engine, migrate, session_factory, transaction
from records.identity import provision_and_sign_in
from records.roles import app_role_grants, centre_setup
from resources.vocabulary import Role

pytestmark = pytest.mark.postgres

CONSOLES = 100
THREADS = 3  # writers per console, one more than its pool
COMMANDS = 1  # per writer
WAVE = 10  # consoles writing at the same moment (all stay connected)
MAX_CONNECTIONS = 420  # docs/centre-setup.md: 100 consoles x (2 pooled + 1 LISTEN + 1 audit) + services, + 3 reserved
PER_CONSOLE_EXTRA = 2  # beyond the pool: the LISTEN connection and the shown-audit writer's


def test_a_hundred_consoles_fit_the_documented_max_connections() -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    pool = db_bounds().pool_size
    assert CONSOLES * (pool + PER_CONSOLE_EXTRA) + 3 <= MAX_CONNECTIONS
    with cluster() as c:
        server = c.primary("centre", max_connections=MAX_CONNECTIONS)
        for sql in centre_setup("larmcentral_owner", "larmcentral_app", "larmcentral"):
            server.execute(sql)
        base = f"postgresql+psycopg://{{role}}@127.0.0.1:{server.port}/larmcentral"
        owner = make_engine(base.format(role="larmcentral_owner"))
        migrate(owner)
        with owner.begin() as conn:
            for sql in app_role_grants("larmcentral_app"):
                conn.exec_driver_sql(sql)
        owner.dispose()

        engines, audit_engines, listeners, heard = [], [], [], Counter[int]()
        try:
            for n in range(CONSOLES):
                name = f"konsol-{n:03d}"
                engines.append(make_engine(base.format(role="larmcentral_app") + f"?application_name={name}"))
                audit_engines.append(companion_engine(engines[-1], pool_size=1))
                listener = psycopg.connect(f"host=127.0.0.1 port={server.port} dbname=larmcentral "
                                           f"user=larmcentral_app application_name={name}", autocommit=True)
                listener.add_notify_handler(lambda _n, i=n: heard.update([i]))
                listener.execute(f"LISTEN {CHANNEL}")
                listeners.append(listener)
            factories = [session_factory(e) for e in engines]
            audit_factories = [session_factory(e) for e in audit_engines]
            nurses = []
            for n, db in enumerate(factories):
                with transaction(db) as s:
                    nurses.append(provision_and_sign_in(s, f"ssk.{n:03d}", Role.NURSE, console=f"konsol-{n:03d}"))

            peak: Counter[str] = Counter()
            peak_total = [0]
            failures: list[BaseException] = []
            done = threading.Event()

            def watch() -> None:
                while not done.is_set():
                    rows = server.execute("SELECT application_name, count(*) FROM pg_stat_activity "
                                          "WHERE datname = 'larmcentral' GROUP BY 1")
                    for app, count in rows:
                        peak[str(app)] = max(peak[str(app)], int(count))  # type: ignore[call-overload]
                    peak_total[0] = max(peak_total[0], sum(int(count) for _a, count in rows))  # type: ignore[call-overload]
                    time.sleep(0.02)

            def write(n: int, k: int, start: threading.Barrier) -> None:
                try:
                    start.wait()
                    for i in range(COMMANDS):
                        run(factories[n], nurses[n], CreateCase(intake=intake(f"k{n}-t{k}-{i}")))
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    failures.append(exc)

            def audit_shown_cases(n: int, start: threading.Barrier) -> None:
                try:
                    start.wait()
                    with transaction(audit_factories[n]) as s:
                        audit_shown(s, nurses[n], [1, 2, 3])
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    failures.append(exc)

            watcher = threading.Thread(target=watch, name="watch-connections")
            watcher.start()
            for wave in range(0, CONSOLES, WAVE):  # one process per console in a centre; here waves of threads
                start = threading.Barrier(WAVE * (THREADS + 1))
                writers = [threading.Thread(target=write, args=(n, k, start))
                           for n in range(wave, wave + WAVE) for k in range(THREADS)]
                writers += [threading.Thread(target=audit_shown_cases, args=(n, start))
                            for n in range(wave, wave + WAVE)]
                for t in writers:
                    t.start()
                for t in writers:
                    t.join(120)
            time.sleep(0.2)  # every console now holds its pool open, idle, and its LISTEN connection
            done.set()
            watcher.join()

            if failures:
                log = (server.datadir / "server.log").read_text(errors="replace").splitlines()
                print("\n".join([line for line in log if "FATAL" in line or "PANIC" in line or "LOG:" in line][:15]))
            assert failures == [], f"{len(failures)} commands failed, e.g. {failures[0]!r} <- {failures[0].__cause__!r}"
            total = CONSOLES * THREADS * COMMANDS
            consoles = {app: count for app, count in peak.items() if app.startswith("konsol-")}
            assert len(consoles) == CONSOLES
            assert max(consoles.values()) <= pool + PER_CONSOLE_EXTRA, \
                f"a console held {max(consoles.values())} connections"
            assert peak_total[0] <= CONSOLES * (pool + PER_CONSOLE_EXTRA) + 1  # + the watcher's own
            at_rest = server.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'konsol-%'")
            assert at_rest == [(CONSOLES * (pool + PER_CONSOLE_EXTRA),)]  # all connected at once, within the limit
            for listener in listeners:
                listener.execute("SELECT 1")  # reads the notifications waiting on the socket
            assert all(heard[n] == total for n in range(CONSOLES)), \
                f"consoles heard {min(heard.values(), default=0)}..{max(heard.values(), default=0)} of {total}"
            print(f"\n{CONSOLES} consoles, {total} commands: peak {peak_total[0]} connections "
                  f"(max {max(consoles.values())} per console) of max_connections={MAX_CONNECTIONS}")
        finally:
            for listener in listeners:
                listener.close()
            for e in engines + audit_engines:
                e.dispose()
