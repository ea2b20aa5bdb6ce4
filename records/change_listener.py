"""Hearing committed changes: LISTEN on PostgreSQL, the in-process bus on SQLite (records/change_feed.py).

`ChangeListener(url, deliver)` calls `deliver(change)` for every change committed to that database, on a thread
of its own (PostgreSQL) or on the committing thread (SQLite); `deliver` only hands the change on.

On PostgreSQL it holds one connection of its own (psycopg, autocommit, never from the write pool) doing
`LISTEN larmcentral_changes`, with client- and server-side TCP keepalives and a `SELECT 1` after `check_s` of
silence, so a dropped connection (server restart, failover, `pg_terminate_backend`) is noticed within seconds.
It then reconnects with backoff (0.5 s doubling to 10 s). After every connect, the first included, it delivers
`Change(RESYNC)`: whatever was committed while nobody listened is read again from the database, which stays the
durable record. One connection per console, idle but for notifications and the liveness check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from records.change_feed import CHANNEL, LOCAL_BUS, RESYNC, Change, database_key, decode
from records.db import DbBounds, db_bounds

log = logging.getLogger("larmcentral.records.change_listener")

APPLICATION_NAME = "larmcentral-listener"
TICK_S = 0.25  # how often the waiting loop looks at the stop flag (no query: a local wait)


class ChangeListener:
    """`start()` begins listening, `stop()` ends it (joins the thread). `connects` counts (re)connects;
    `backend_pid` is the PostgreSQL backend of the current LISTEN connection (None on SQLite or while away)."""

    def __init__(self, url: str, deliver: Callable[[Change], None], *, check_s: float = 5.0,
                 backoff_s: tuple[float, float] = (0.5, 10.0), bounds: DbBounds | None = None):
        self.url, self.deliver = url, deliver
        self.check_s, self.backoff_s = check_s, backoff_s
        self._bounds = bounds
        self._sqlite = make_url(url).get_backend_name() == "sqlite"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.connects = 0
        self.backend_pid: int | None = None

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._sqlite:
            self._unsubscribe = LOCAL_BUS.subscribe(database_key(self.url), self.deliver)
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # --- PostgreSQL -----------------------------------------------------------------------------------
    def connect_kwargs(self) -> dict[str, Any]:
        """libpq parameters: the URL's (multi-host and target_session_attrs included) plus keepalives and bounds."""
        url = make_url(self.url)
        _args, params = url.get_dialect()().create_connect_args(url)
        b = self._bounds or db_bounds()
        own = params.get("application_name")  # a console named in its URL: "<name>:listen" for this connection
        return {**params, "autocommit": True, "application_name": f"{own}:listen" if own else APPLICATION_NAME,
                "connect_timeout": max(2, int(b.connect_s)), "keepalives": 1,
                "keepalives_idle": b.keepalive_idle_s, "keepalives_interval": b.keepalive_interval_s,
                "keepalives_count": b.keepalive_count, "tcp_user_timeout": int(b.statement_s * 1000)}

    def _run(self) -> None:
        delay = self.backoff_s[0]
        failing_since: float | None = None
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(**self.connect_kwargs())
            except psycopg.Error as exc:
                if failing_since is None:
                    failing_since = time.monotonic()
                    log.warning("change listener cannot connect (retrying): %s", exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff_s[1])
                continue
            try:
                self._listen(conn)
            except Exception as exc:  # noqa: BLE001 - lost connection (psycopg.Error) or anything else: reconnect
                if not self._stop.is_set():
                    log.warning("change listener lost its connection (reconnecting): %s", exc)
            finally:
                self.backend_pid = None
                conn.close()
            if failing_since is not None:
                log.info("change listener back after %.1f s", time.monotonic() - failing_since)
            failing_since, delay = None, self.backoff_s[0]
            self._stop.wait(delay)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        b = self._bounds or db_bounds()
        for name, value in (("tcp_keepalives_idle", b.keepalive_idle_s),
                            ("tcp_keepalives_interval", b.keepalive_interval_s),
                            ("tcp_keepalives_count", b.keepalive_count)):
            conn.execute(f"SET {name} = {int(value)}")  # the server notices a vanished console too
        conn.execute(f"LISTEN {CHANNEL}")
        self.backend_pid = conn.info.backend_pid
        self.connects += 1
        self.deliver(Change(RESYNC))  # anything committed while nobody listened: read everything once
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            for note in conn.notifies(timeout=TICK_S):
                quiet_since = time.monotonic()
                self.deliver(decode(note.payload))
                if self._stop.is_set():
                    return
            if time.monotonic() - quiet_since >= self.check_s:
                conn.execute("SELECT 1")  # a connection dropped without a word fails here (or by keepalive)
                quiet_since = time.monotonic()
