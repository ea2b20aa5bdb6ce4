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
