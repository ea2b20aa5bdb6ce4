"""The transaction watchdog (records/db.py): one long-lived thread keeps every deadline. A transaction starts
no thread of its own, and a stalled statement is still cut at its bound, also when a transaction with a far
later bound was armed first (the clock wakes for the sooner one)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from records.db import DatabaseTimeout, make_engine, session_factory, transaction

ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c"


@pytest.fixture
def db(tmp_path: Path) -> sessionmaker[Session]:
    return session_factory(make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}"))


def test_a_transaction_starts_no_thread(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:  # the first one may start the watchdog's thread, once
        s.execute(text("SELECT 1"))
    for _ in range(20):
        before = set(threading.enumerate())
        with transaction(db) as s:
            s.execute(text("SELECT 1"))
            assert set(threading.enumerate()) - before == set()


def test_a_stalled_statement_is_cut_though_a_later_deadline_was_armed_first(db: sessionmaker[Session],
                                                                            tmp_path: Path) -> None:
    other = session_factory(make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}"))  # not holding `db`'s lock
    armed, release, outcome = threading.Event(), threading.Event(), []

    def long_bound() -> None:
        with transaction(other, bound=60) as s:
            s.execute(text("SELECT 1"))
            armed.set()
            release.wait(30)
        outcome.append("long done")

    holder = threading.Thread(target=long_bound)
    holder.start()
    try:
        assert armed.wait(10)
        with pytest.raises(DatabaseTimeout), transaction(db, bound=0.3) as s:
            s.execute(text(ENDLESS))
        assert outcome == []  # cut while the 60 s transaction still ran
    finally:
        release.set()
        holder.join(30)
    assert outcome == ["long done"]
