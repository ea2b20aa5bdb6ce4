"""Who stores the feeds: one leader per database among the `feed serve` processes (docs/feed-protocol.md 8.1).

A small thread tries to take the lead about once a second and, while it leads, checks that it still does.
`is_leader()` is cheap and thread-safe (the record writer asks it before every batch).

* **PostgreSQL**: a session-level advisory lock, `pg_try_advisory_lock(LOCK_KEY)`, held on a dedicated
  connection of its own engine (not the pool the writes use), in autocommit so no transaction stays open.
  The connection has client-side TCP keepalives (this process notices a vanished server) and asks the server
  for keepalives on its side too (the server notices a vanished leader host and ends its session, which
  releases the lock). When the process dies the kernel closes the connection and the server releases the
  lock at once. While leading, each round runs `SELECT 1` on the lock connection; if it fails the lead is
  given up at once and the connection dropped. A lead not confirmed for `lease` seconds (a check that
  hangs) no longer counts, so the writer stops even before the check errors.
* **SQLite** (one file on one machine): an exclusive `fcntl.flock` on `<database file>.leader` beside it;
  the kernel releases it when the process dies. An in-memory database has one process: it always leads.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from records.db import db_bounds, is_sqlite, make_engine

log = logging.getLogger("dispatch.feed.leader")

LOCK_NAME = "larmcentral feed record"
# The advisory lock's key: the first 8 bytes of SHA-256 of LOCK_NAME as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)
RETRY_INTERVAL_S = 1.0
LOCK_FILE_SUFFIX = ".leader"


class Leadership:
    """Base of the two elections: the thread, the flag and the log. Subclasses take, check and drop the lock."""

    kind = ""

    def __init__(self, *, interval: float = RETRY_INTERVAL_S, lease: float | None = None,
                 on_change: Callable[[bool], object] | None = None):
        self.interval = interval
        self.lease = 3 * interval if lease is None else lease
        self.on_change = on_change
        self.changes = 0  # how often the lead was taken or lost
        self._leading = False
        self._confirmed = 0.0  # monotonic time the lead was last confirmed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def is_leader(self) -> bool:
        """Does this process lead (confirmed within the lease)? Any thread, no I/O."""
        return self._leading and time.monotonic() - self._confirmed <= self.lease

    def start(self) -> Leadership:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="feed-leader", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop trying and give the lead up (another process can take it at once)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set(False, "stoppad")
        self._drop()

    def wait(self, leading: bool = True, timeout: float = 10.0) -> bool:
        """Wait until is_leader() is `leading` (for tests and start-up); returns whether it is."""
        deadline = time.monotonic() + timeout
        while self.is_leader() != leading and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.is_leader() == leading

    # --- the thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._round()
            if self._stop.wait(self.interval):
                return

    def _round(self) -> None:
        try:
            if self._leading:
                ok = self._check()
                why = "låsets förbindelse bröts"
            else:
                ok = self._acquire()
                why = ""
        except Exception as exc:  # noqa: BLE001 - whatever broke, this process does not lead now
            self._drop()
            self._set(False, _first_line(exc))
            return
        if ok:
            self._confirmed = time.monotonic()
            self._set(True, "")
        elif self._leading:
            self._drop()
            self._set(False, why)

    def _set(self, leading: bool, why: str) -> None:
        if leading == self._leading:
            return
        self._leading = leading
        self.changes += 1
        if leading:
            log.warning("leder nu lagringen av flödena (%s)", self.kind)
        else:
            log.warning("leder inte längre lagringen av flödena (%s)%s", self.kind, f": {why}" if why else "")
        if self.on_change is not None:
            try:
                self.on_change(leading)
            except Exception:  # noqa: BLE001 - a consumer's bug must not stop the election
                log.exception("on_change kastade ett fel")

    # --- the lock (subclasses) -------------------------------------------------------------------------

    def _acquire(self) -> bool:
        raise NotImplementedError

    def _check(self) -> bool:
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError


class PostgresLeadership(Leadership):
    """The advisory lock on its own connection (an engine of its own with one connection, never the write pool)."""

    kind = "PostgreSQL advisory lock"

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.url = url
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    def _acquire(self) -> bool:
        if self._conn is None:
            if self._engine is None:
                self._engine = make_engine(self.url)
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            bounds = db_bounds()
            # The server's side of the TCP connection: a leader host that vanishes is noticed within
            # idle + interval × count seconds, its session ends and the lock is free (Unix sockets: no effect).
            conn.execute(text(f"SET tcp_keepalives_idle = {int(bounds.keepalive_idle_s)}"))
            conn.execute(text(f"SET tcp_keepalives_interval = {int(bounds.keepalive_interval_s)}"))
            conn.execute(text(f"SET tcp_keepalives_count = {int(bounds.keepalive_count)}"))
            self._conn = conn
        return bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())

    def _check(self) -> bool:
        assert self._conn is not None
        self._conn.execute(text("SELECT 1")).scalar()
        return True

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # closed, never back to the pool: the session (and its lock) ends
                conn.close()
            except Exception:  # noqa: BLE001 - it is broken anyway
                pass

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class FileLeadership(Leadership):
    """An exclusive flock on a lock file (the SQLite database's neighbour); released by the kernel on death."""

    kind = "fillås"

    def __init__(self, path: str | os.PathLike[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.path = os.fspath(path)
        self._file: IO[bytes] | None = None

    def _acquire(self) -> bool:
        if self._file is None:
            self._file = open(self.path, "ab")  # noqa: SIM115 - held open for as long as this process leads
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _check(self) -> bool:
        return self._file is not None

    def _drop(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.close()  # closing the descriptor releases the flock


class AlwaysLeader(Leadership):
    """One process by construction (an in-memory SQLite database): leads from start to stop."""

    kind = "ensam process"

    def _acquire(self) -> bool:
        return True

    def _check(self) -> bool:
        return True

    def _drop(self) -> None:
        pass


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def leadership_for(url: str, **kwargs: Any) -> Leadership:
    """The election for the database at `url` (SQLAlchemy URL): PostgreSQL advisory lock or SQLite file lock."""
    if is_sqlite(url):
        database = make_url(url).database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return AlwaysLeader(**kwargs)
        return FileLeadership(database + LOCK_FILE_SUFFIX, **kwargs)
    return PostgresLeadership(url, **kwargs)
