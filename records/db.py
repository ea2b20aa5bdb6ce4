"""Engines, sessions and migrations for the embedded SQLite default and PostgreSQL.

Three promises every transaction of the product keeps, on both backends:

* **Atomic.** pysqlite's own transaction handling is switched off and the engine emits
  `BEGIN IMMEDIATE` itself (SQLAlchemy's documented recipe), so a SAVEPOINT is never the outer
  transaction and every writer holds SQLite's write lock from its first statement: no half-written
  case, no "database is locked" upgrade deadlock between two writers.
* **Durable.** SQLite runs WAL with `synchronous=FULL`: a committed clinical fact survives a power cut.
* **Time-bounded.** Connect timeout, statement/lock timeouts and TCP keepalives on PostgreSQL, a busy
  timeout on SQLite, and a watchdog that cuts a transaction's connection when its bound passes, so a
  silent network stall becomes a `DatabaseTimeout` with a Swedish message instead of a frozen write. One
  long-lived watchdog thread per process keeps every deadline (two threads started per transaction cost CPU
  on every read of a hundred consoles).
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from resources.numbers import sv_number
from resources.paths import data_dir
from resources.settings import load_settings

DB_URL_ENV = "LARMCENTRAL_DB_URL"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
K = TypeVar("K")
M = TypeVar("M")
IN_LIST_SIZE = 500  # keys per `IN (...)`: well within SQLite's and PostgreSQL's bind-parameter limits


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; nothing was written. The user should be told, not shown a trace."""


class DatabaseTimeout(DatabaseUnavailable):
    """The database did not answer within the bound. Whether the last step reached the server is unknown,
    which is why every clinical write is an idempotent command: repeating it is always safe."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"Databasen svarade inte inom {sv_number(seconds)} s. Det som redan bekräftats finns kvar; "
                         "försök igen – samma åtgärd sparas aldrig två gånger.")


@dataclass(frozen=True)
class DbBounds:
    """How long the product waits for the database (settings: LARMCENTRAL_DB_*)."""

    connect_s: float = 5.0
    statement_s: float = 5.0
    busy_s: float = 5.0
    keepalive_idle_s: int = 10
    keepalive_interval_s: int = 5
    keepalive_count: int = 3
    pool_size: int = 2  # PostgreSQL: a fixed pool, no overflow (docs/centre-setup.md counts the connections)


def db_bounds() -> DbBounds:
    s = load_settings()
    return DbBounds(connect_s=s.db_connect_timeout_s, statement_s=s.db_statement_timeout_s,
                    busy_s=s.db_busy_timeout_s, keepalive_idle_s=s.db_keepalive_idle_s,
                    keepalive_interval_s=s.db_keepalive_interval_s, keepalive_count=s.db_keepalive_count,
                    pool_size=s.db_pool_size)


def default_sqlite_path() -> Path:
    return data_dir() / "larmcentral.sqlite3"


def database_url() -> str:
    """`LARMCENTRAL_DB_URL` if set (e.g. postgresql+psycopg://host/db), else the embedded SQLite file."""
    return load_settings().db_url or f"sqlite:///{default_sqlite_path()}"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else engine_or_url.url.drivername
    return str(url).startswith("sqlite")


def make_engine(url: str | None = None, bounds: DbBounds | None = None) -> Engine:
    url = url or database_url()
    bounds = bounds or db_bounds()
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": bounds.busy_s, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect(bounds))
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        ms = int(bounds.statement_s * 1000)
        # A small fixed pool: a console's work runs on one worker thread, and a centre's max_connections is
        # sized from this bound. A connection lost (e.g. the primary failing over) invalidates the whole pool;
        # the next checkout connects again through the URL's host list to whichever host is read-write.
        engine = create_engine(url, pool_size=bounds.pool_size, max_overflow=0, pool_timeout=bounds.statement_s,
                               connect_args={
            "connect_timeout": max(2, math.ceil(bounds.connect_s)),  # libpq: whole seconds, at least 2
            "keepalives": 1, "keepalives_idle": bounds.keepalive_idle_s,
            "keepalives_interval": bounds.keepalive_interval_s, "keepalives_count": bounds.keepalive_count,
            "tcp_user_timeout": ms,  # unacknowledged data: the kernel gives up on the peer
            "options": f"-c statement_timeout={ms} -c lock_timeout={ms} "
                       f"-c idle_in_transaction_session_timeout={max(ms * 12, 60000)}"})
        event.listen(engine, "do_connect", _connect_within_deadline(bounds))
        event.listen(engine, "checkout", _bounded_ping(bounds))
    _ENGINE_BOUNDS[engine] = bounds
    return engine


def companion_engine(engine: Engine, pool_size: int = 1) -> Engine:
    """Another engine to `engine`'s database (same URL, same bounds) with a pool of `pool_size` of its own: for
    work that must neither queue behind nor hold up the owner's (the console's shown-audit writer). Its
    connections count in the per-console budget (docs/centre-setup.md)."""
    bounds = replace(_ENGINE_BOUNDS.get(engine, DbBounds()), pool_size=pool_size)
    return make_engine(engine.url.render_as_string(hide_password=False), bounds)


_ENGINE_BOUNDS: weakref.WeakKeyDictionary[Engine, DbBounds] = weakref.WeakKeyDictionary()
PING_MAX_S = 1.0  # a healthy ping answers in milliseconds; a dead connection should not eat the bound


class _Deadlines(threading.local):
    """When the current thread's transaction must be done (monotonic), so checkout, ping and connect all
    share one bound instead of each taking a full one."""

    at: float | None = None

    def remaining(self, default: float) -> float:
        return default if self.at is None else max(0.0, self.at - time.monotonic())


_deadline = _Deadlines()


def _connect_within_deadline(bounds: DbBounds):  # type: ignore[no-untyped-def]
    def do_connect(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
        left = min(bounds.connect_s, _deadline.remaining(bounds.connect_s))
        cparams["connect_timeout"] = max(2, math.floor(left))  # libpq: whole seconds, at least 2
    return do_connect


def _sqlite_on_connect(bounds: DbBounds):  # type: ignore[no-untyped-def]
    def on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # the engine, not the driver, says when a transaction begins
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")  # durable: a commit is on disk before it is acknowledged
        cur.execute(f"PRAGMA busy_timeout={int(bounds.busy_s * 1000)}")
        cur.close()
    return on_connect


def _sqlite_begin_immediate(conn: Connection) -> None:
    # Take the write lock at BEGIN: a transaction that reads then writes can never be refused the lock
    # halfway (SQLITE_BUSY_SNAPSHOT), and two writers queue on busy_timeout instead — for no longer than what
    # is left of the transaction's bound, so a writer holding the lock gets the user a message in time.
    bounds = _ENGINE_BOUNDS.get(conn.engine, DbBounds())
    wait_s = min(bounds.busy_s, _deadline.remaining(bounds.busy_s))
    conn.exec_driver_sql(f"PRAGMA busy_timeout={max(1, int(wait_s * 1000))}")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _bounded_ping(bounds: DbBounds):  # type: ignore[no-untyped-def]
    """Pool checkout on PostgreSQL: a `SELECT 1` that cannot hang (the pool's own pre-ping would block on a
    stalled connection); a dead connection is replaced by a fresh one within what is left of the bound."""
    def ping(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        seconds = max(0.05, min(PING_MAX_S, _deadline.remaining(bounds.statement_s) / 4))
        timer = _ALARMS.arm(seconds, _cut, dbapi_conn)
        try:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT 1")
            cur.close()
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure means this pooled connection is dead
            raise DisconnectionError(str(exc)) from exc
        finally:
            cut = timer.cancel()
        if cut:  # the deadline fired just as the ping answered (a busy machine): the socket is shut, replace it
            raise DisconnectionError("the checkout ping ran past its deadline")
    return ping


class _Alarm:
    """One deadline kept by `_AlarmClock`: `fn(*args)` at `at` unless cancelled first."""

    __slots__ = ("_clock", "fn", "args", "fired", "cancelled")

    def __init__(self, clock: _AlarmClock, fn: Any, args: tuple[Any, ...]):
        self._clock, self.fn, self.args = clock, fn, args
        self.fired = self.cancelled = False

    def cancel(self) -> bool:
        """Stop it; True if it had already fired (whatever it guarded was cut and must not be trusted)."""
        with self._clock.cond:  # firing happens under the same lock: the caller learns which came first
            self.cancelled = True
            return self.fired


class _AlarmClock:
    """Every deadline of the process on one daemon thread (a heap ordered by when), started at the first and
    kept: a transaction arms and cancels an entry instead of starting threads. The callbacks only shut a socket
    or interrupt SQLite, so firing them in turn delays none noticeably. A forked child starts its own."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self.cond = threading.Condition()
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, fn: Any, *args: Any) -> _Alarm:
        alarm = _Alarm(self, fn, args)
        with self.cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, seconds), next(self._order), alarm))
            if self._thread is None or not self._thread.is_alive():
                # a daemon from its constructor: started from a QThread it registers no dummy Python thread
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is alarm:  # sooner than what the thread sleeps for
                self.cond.notify()
        return alarm

    def _run(self) -> None:
        with self.cond:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self.cond.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self.cond.wait(left)
                    continue
                alarm = heapq.heappop(self._heap)[2]
                alarm.fired = True
                try:
                    alarm.fn(*alarm.args)
                except Exception:  # noqa: BLE001, S110 - the clock must outlive any one callback
                    pass


_ALARMS = _AlarmClock()


def _cut(dbapi_conn: Any) -> None:
    """Make a blocked call on this DBAPI connection return now (called from the watchdog thread)."""
    try:
        if hasattr(dbapi_conn, "interrupt"):  # sqlite3
            dbapi_conn.interrupt()
            return
        fd = dbapi_conn.pgconn.socket  # psycopg 3
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
    except Exception:  # noqa: BLE001, S110 - the connection is already gone; nothing left to cut
        pass


class _Watchdog:
    """Cuts the connection of one transaction when its bound passes (an alarm on the process's clock)."""

    def __init__(self) -> None:
        self._alarm: _Alarm | None = None

    @property
    def fired(self) -> bool:
        return self._alarm is not None and self._alarm.fired

    def watch(self, dbapi_conn: Any, seconds: float | None) -> None:
        if seconds is None:
            return
        self._alarm = _ALARMS.arm(max(0.0, seconds), _cut, dbapi_conn)

    def stop(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()


_DEFAULT_BOUND = object()


@contextmanager
def transaction(factory: sessionmaker[Session], *, bound: float | None | object = _DEFAULT_BOUND) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error.

    `bound` (seconds; default: the engine's statement bound) limits the whole transaction, commit included:
    past it the connection is cut and DatabaseTimeout raised. `bound=None` is for long maintenance work
    (imports, reports) and also lifts PostgreSQL's statement timeout for this transaction."""
    session = factory()
    bind = session.get_bind()
    engine_bounds = _ENGINE_BOUNDS.get(bind, DbBounds()) if isinstance(bind, Engine) else DbBounds()
    seconds = engine_bounds.statement_s if bound is _DEFAULT_BOUND else bound
    dog = _Watchdog()
    outer = _deadline.at
    if seconds is not None and outer is None:  # checkout, ping and (re)connect count against the same bound
        _deadline.at = time.monotonic() + float(seconds)  # type: ignore[arg-type]
    try:
        with session.begin():
            conn = session.connection()
            if seconds is None and conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
                conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
            dog.watch(conn.connection.dbapi_connection,
                      None if seconds is None else _deadline.remaining(float(seconds)))  # type: ignore[arg-type]
            yield session
    except DBAPIError as exc:
        raise _environment_failure(exc, dog.fired, seconds if isinstance(seconds, float | int) else None,
                                   engine_bounds) from exc
    except DisconnectionError as exc:  # the pool gave up on every connection it tried
        raise DatabaseUnavailable(_UNREACHABLE) from exc
    except PoolTimeout as exc:  # every pooled connection stayed busy for the whole bound
        raise DatabaseTimeout(float(seconds) if isinstance(seconds, float | int) else engine_bounds.statement_s) \
            from exc
    finally:
        _deadline.at = outer
        dog.stop()
        session.close()


_UNREACHABLE = ("Databasen kan inte nås just nu; det som inte bekräftats har inte sparats. "
                "Försök igen – samma åtgärd sparas aldrig två gånger.")
class WriteConflict(RuntimeError):
    """Two transactions waited on each other (PostgreSQL chose this one to give way): nothing was saved."""


# A deadlock or a serialization failure: another console changed the same thing at the same moment.
_PG_CONFLICTS = frozenset({"40P01", "40001"})
# SQLSTATEs of PostgreSQL's own time bounds: statement_timeout (57014), lock_timeout (55P03)
_PG_TIMEOUTS = frozenset({"57014", "55P03"})


def _environment_failure(exc: DBAPIError, watchdog_fired: bool, seconds: float | None,
                         bounds: DbBounds) -> Exception:
    """The exception the caller should see: a timeout or an unreachable database as DatabaseTimeout /
    DatabaseUnavailable with a Swedish message; anything else (a constraint, a bad value) unchanged."""
    if watchdog_fired:
        return DatabaseTimeout(seconds or bounds.statement_s)
    if getattr(exc.orig, "sqlstate", None) in _PG_CONFLICTS:
        return WriteConflict("Någon annan ändrade samma ärenden i samma ögonblick; ingenting sparades. "
                             "Uppdatera och försök igen.")
    if getattr(exc.orig, "sqlstate", None) in _PG_TIMEOUTS:
        return DatabaseTimeout(bounds.statement_s)
    if "database is locked" in str(exc.orig):  # SQLite: another writer held the lock past busy_timeout
        return DatabaseTimeout(min(bounds.busy_s, seconds or bounds.statement_s))
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return DatabaseUnavailable(_UNREACHABLE)
    return exc


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (created on first start)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """Engine plus session factory for `url`, migrated to the latest schema."""
    engine = make_engine(url)
    try:
        migrate(engine)
    except DBAPIError as exc:  # unreachable, stalled or unwritable: said in Swedish by every caller
        engine.dispose()
        raise _environment_failure(exc, False, None, _ENGINE_BOUNDS.get(engine, DbBounds())) from exc
    return engine, session_factory(engine)


def key_chunks(keys: Sequence[K], size: int = IN_LIST_SIZE) -> Iterator[Sequence[K]]:
    """`keys` in slices short enough for one `IN (...)` list each."""
    for i in range(0, len(keys), size):
        yield keys[i:i + size]


def scalars_where_in(session: Session, model: type[M], column: ColumnElement[Any] | QueryableAttribute[Any],
                     keys: Sequence[Any],
                     *where: ColumnElement[bool]) -> Iterator[M]:
    """Every `model` row whose `column` is one of `keys` (and that meets `where`), in a few queries
    instead of one per key."""
    for chunk in key_chunks(keys):
        yield from session.scalars(select(model).where(column.in_(chunk), *where))
