"""The embedded default: a SQLite file in the user's data directory, created and migrated on first
start, with WAL and foreign keys on (and LARMCENTRAL_DB_URL pointing elsewhere when set)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from records.db import DB_URL_ENV, database_url, open_database, table_names
from records.models import TriageAnswer
from resources.clock import LOCAL_TZ


def test_first_start_creates_and_migrates_the_file_with_wal_and_foreign_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.setenv("LARMCENTRAL_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'larmcentral.sqlite3'}"
    engine, factory = open_database()
    try:
        assert (tmp_path / "data" / "larmcentral.sqlite3").is_file()
        assert {"cases", "audit_log", "alembic_version"} <= table_names(engine)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(IntegrityError), factory() as s, s.begin():  # an answer for a case that does not exist
            s.add(TriageAnswer(case_id=999, seq=1, question_id="q", answer={"value": "ja"},
                               answered_at=datetime.now(LOCAL_TZ), user_id=999))
    finally:
        engine.dispose()


def test_the_environment_points_at_another_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_URL_ENV, "postgresql+psycopg://larm@dbhost/larmcentral")
    assert database_url() == "postgresql+psycopg://larm@dbhost/larmcentral"


def test_a_writer_holding_the_lock_is_told_within_the_statement_bound(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Another process holds SQLite's write lock: the wait ends with a Swedish DatabaseTimeout within
    LARMCENTRAL_DB_STATEMENT_TIMEOUT_S, even when the busy timeout is longer."""
    import sqlite3
    import time

    import pytest
    from sqlalchemy import text

    from records.db import DatabaseTimeout, make_engine, migrate, session_factory, transaction

    monkeypatch.setenv("LARMCENTRAL_DB_STATEMENT_TIMEOUT_S", "1")
    monkeypatch.setenv("LARMCENTRAL_DB_BUSY_TIMEOUT_S", "20")
    path = tmp_path / "lock.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseTimeout, match="inom 1 s"), transaction(session_factory(engine)) as s:
            s.execute(text("SELECT 1"))
        assert time.monotonic() - started < 3
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
