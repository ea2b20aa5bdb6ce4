"""Shared fixtures: databases on SQLite and (when reachable) PostgreSQL, and signed-in actors."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from records.actor import Actor  # noqa: E402
from records.db import make_engine, migrate, session_factory  # noqa: E402
from records.identity import provision_and_sign_in  # noqa: E402
from resources.settings import load_settings  # noqa: E402
from resources.vocabulary import Role  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test writes lands in the real user data directory (database, drafts, accepted rule sets)."""
    monkeypatch.setenv("LARMCENTRAL_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("LARMCENTRAL_RULESET_DIR", raising=False)
    monkeypatch.delenv("LARMCENTRAL_DB_URL", raising=False)


PG_ADMIN_URL = load_settings().test_pg_url  # LARMCENTRAL_TEST_PG_URL, see the README's configuration table
_pg_state: dict[str, str | None] = {}


def postgres_unavailable_reason() -> str | None:
    """None when a PostgreSQL server answers at PG_ADMIN_URL, else why not (cached per run)."""
    if "reason" not in _pg_state:
        try:
            eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("select 1"))
            eng.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"
    return _pg_state["reason"]


def _pg_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template` when given) for one test, dropped afterwards."""
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = f"larm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    yield from _pg_database()


@pytest.fixture(scope="session")
def migrated_pg_template() -> Iterator[str]:
    """A database migrated to the newest schema once per run: most tests start from a copy of it (creating and
    migrating a database per test took about two seconds each, minutes over the suite)."""
    gen = _pg_database()
    url = next(gen)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()  # a template must have no connections when it is copied
    try:
        yield make_url(url).database or ""
    finally:
        gen.close()


@pytest.fixture
def migrated_postgres_url(migrated_pg_template: str) -> Iterator[str]:
    """A PostgreSQL database already at the newest schema (a copy of the run's migrated template)."""
    yield from _pg_database(migrated_pg_template)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once per run; tests start from a copy of it (migrating a new
    file took 0.1-0.3 s per test, about half of a short command test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "larmcentral.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # closes the last connection: the write-ahead log is folded into the file
    return path


def _migrated_sqlite_url(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "larmcentral.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The same test on the embedded SQLite file and on PostgreSQL (skipped with the reason if none runs). Both
    databases are already migrated to the newest schema (copies of the run's migrated templates; migrating again
    is a no-op); a test of the migrations themselves takes `empty_db_url`."""
    if request.param == "sqlite":
        return _migrated_sqlite_url(request.getfixturevalue("migrated_sqlite_template"), tmp_path)
    return request.getfixturevalue("migrated_postgres_url")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """As db_url, but the PostgreSQL database is empty (for tests that migrate step by step)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'larmcentral.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated database's session factory."""
    engine = make_engine(db_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path, migrated_sqlite_template: Path) -> Iterator[sessionmaker[Session]]:  # type: ignore[no-untyped-def]
    """A migrated SQLite database only (for tests where the backend does not matter)."""
    engine = make_engine(_migrated_sqlite_url(migrated_sqlite_template, tmp_path))
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_actor(request: pytest.FixtureRequest) -> Callable[..., Actor]:
    """make_actor(factory, username, role) -> a signed-in Actor."""

    def _make(factory: sessionmaker[Session], username: str = "ssk.anna", role: Role = Role.NURSE) -> Actor:
        with factory() as session, session.begin():
            return provision_and_sign_in(session, username, role, display_name=username, console="test-konsol")

    return _make


TEST_PASSWORD = "Testlösen-2026-ok"


@pytest.fixture
def cli_user(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """cli_user(db_url, username, role) -> the CLI options that sign that user in with a real password:
    the user is created (migrating the database if needed) with TEST_PASSWORD, which the CLI then reads
    from standard input (`--password-stdin`)."""
    import io

    from records.db import open_database, transaction
    from records.identity import provision
    from records.passwords import hash_password

    def make(db_url: str, username: str = "admin.test", role: Role = Role.ADMIN) -> list[str]:
        engine, factory = open_database(db_url)
        with transaction(factory) as s:
            provision(s, username, {role}).password_hash = hash_password(TEST_PASSWORD)
        engine.dispose()
        monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSWORD + "\n"))
        return ["--user", username, "--password-stdin"]

    return make


@pytest.fixture
def cli_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The in-process CLI's engines are disposed at the test's end (an open PostgreSQL connection collected later
    is a ResourceWarning). Modules that run the CLI in-process use it for every test (`pytestmark`)."""
    import records.db

    engines: list[Engine] = []
    real = records.db.make_engine

    def tracked(*args: Any, **kwargs: Any) -> Engine:
        engines.append(real(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(records.db, "make_engine", tracked)
    yield
    for engine in engines:
        engine.dispose()


@pytest.fixture
def themed(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The console's theme as `make_app` applies it (style, font, palette, stylesheet) — the layout tests that fit
    widths in pixels must measure with what users see, not Qt's 9 pt default — taken off afterwards."""
    from console.theme import apply_dark_theme

    style, font, palette, sheet = qapp.style().name(), qapp.font(), qapp.palette(), qapp.styleSheet()
    apply_dark_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setFont(font)
