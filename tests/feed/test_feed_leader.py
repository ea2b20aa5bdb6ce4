"""The feed record's leader election (dispatch.feed.leader): one leader per database, the lead passes on when the
leader stops or its lock connection breaks, and comes back when possible. Real PostgreSQL and real file locks."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from dispatch.feed.leader import LOCK_KEY, AlwaysLeader, FileLeadership, PostgresLeadership, leadership_for


def _two(url: str) -> tuple:  # type: ignore[type-arg]
    return _wait_for_one(leadership_for(url, interval=0.1).start(), leadership_for(url, interval=0.1).start())


def _wait_for_one(a, b) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    deadline = time.monotonic() + 10
    while not (a.is_leader() or b.is_leader()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not (a.is_leader() and b.is_leader())
    assert a.is_leader() or b.is_leader(), "nobody took the lead"
    return (a, b) if a.is_leader() else (b, a)


def test_one_leader_per_database_and_the_lead_passes_on(db_url) -> None:  # type: ignore[no-untyped-def]
    leader, follower = _two(db_url)
    try:
        assert leader.is_leader()
        assert isinstance(leader, FileLeadership if db_url.startswith("sqlite") else PostgresLeadership)
        time.sleep(0.3)  # several rounds of trying: the follower still does not lead
        assert not follower.is_leader() and leader.is_leader()
        leader.stop()
        assert not leader.is_leader()
        assert follower.wait(True, timeout=10), "the follower did not take the lead"
        again = leadership_for(db_url, interval=0.1).start()
        try:
            time.sleep(0.3)
            assert not again.is_leader()
        finally:
            again.stop()
    finally:
        leader.stop()
        follower.stop()


def test_a_broken_lock_connection_ends_the_lead_at_once_and_it_comes_back(postgres_url) -> None:  # type: ignore[no-untyped-def]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    changes: list[bool] = []
    leader, follower = _two(postgres_url)
    leader.on_change = changes.append
    try:
        with admin.connect() as conn:
            pid = conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                                    "database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                               ).scalar_one()
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        deadline = time.monotonic() + 10
        while False not in changes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert changes[:1] == [False], "a leader whose lock session ended still leads"
        now, other = _wait_for_one(leader, follower)  # either may take it; never both
        now.stop()
        assert other.wait(True, timeout=10), "the lead did not come back once the lock was free"
    finally:
        leader.stop()
        follower.stop()
        admin.dispose()


def test_the_lock_key_is_fixed_and_an_in_memory_database_always_leads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert LOCK_KEY == -3283872539267299450  # documented in docs/feed-protocol.md 8.1; never change it
    solo = leadership_for("sqlite://").start()
    try:
        assert isinstance(solo, AlwaysLeader) and solo.wait(True, timeout=5)
    finally:
        solo.stop()
    lock = leadership_for(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    assert isinstance(lock, FileLeadership) and lock.path == str(tmp_path / "c.sqlite3.leader")
