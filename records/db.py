"""Engines, sessions and migrations for the embedded SQLite default and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import ColumnElement, Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from resources.paths import data_dir

DB_URL_ENV = "LARMCENTRAL_DB_URL"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
K = TypeVar("K")
M = TypeVar("M")
IN_LIST_SIZE = 500  # keys per `IN (...)`: well within SQLite's and PostgreSQL's bind-parameter limits


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; nothing was written. The user should be told, not shown a trace."""


def default_sqlite_path() -> Path:
    return data_dir() / "larmcentral.sqlite3"


def database_url() -> str:
    """`LARMCENTRAL_DB_URL` if set (e.g. postgresql+psycopg://host/db), else the embedded SQLite file."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{default_sqlite_path()}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (created on first start)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def open_database(url: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """Engine plus session factory for `url`, migrated to the latest schema."""
    engine = make_engine(url)
    migrate(engine)
    return engine, session_factory(engine)


def key_chunks(keys: Sequence[K], size: int = IN_LIST_SIZE) -> Iterator[Sequence[K]]:
    """`keys` in slices short enough for one `IN (...)` list each."""
    for i in range(0, len(keys), size):
        yield keys[i:i + size]


def scalars_where_in(session: Session, model: type[M], column: ColumnElement[Any], keys: Sequence[Any],
                     *where: ColumnElement[bool]) -> Iterator[M]:
    """Every `model` row whose `column` is one of `keys` (and that meets `where`), in a few queries
    instead of one per key."""
    for chunk in key_chunks(keys):
        yield from session.scalars(select(model).where(column.in_(chunk), *where))
