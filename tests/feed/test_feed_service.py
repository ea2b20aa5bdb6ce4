"""SimulatedFeeds: the in-process simulator + subscriber + persistence that `make run` uses."""

from __future__ import annotations

import pytest
from feed_helpers import small_fleet, wait_until
from sqlalchemy import func, select

from dispatch.feed.service import PERSIST_ENV, SimulatedFeeds, persist_feed_events
from records.models import UnitStatusEvent
from resources.vocabulary import UnitStatus


def test_simulated_feeds_end_to_end(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    feeds = SimulatedFeeds(small_fleet(), time_scale=600, background_per_hour=0, session_factory=sqlite_db)
    state = feeds.state  # available before start, as the console's FeedBridge needs it
    with feeds:
        wait_until(lambda: len(state.feeds()) == 4 and all(f.synced for f in state.feeds()), what="four feeds")
        # A unit can be briefly stale on a loaded machine (the simulated clock runs 600× fast): wait for a free one.
        wait_until(lambda: any(v.type == "AMBULANS" and v.available for v in state.units()), what="a free ambulance")
        amb = next(v for v in state.units() if v.type == "AMBULANS" and v.available)
        feeds.assign(amb.unit_id, 314, amb.lat + 0.03, amb.lon, "1")
        wait_until(lambda: state.unit(amb.unit_id).status is not UnitStatus.AVAILABLE_AT_STATION, what="alerted")
        outcome = feeds.outcomes.get(timeout=30)
        assert (outcome.unit_id, outcome.case_id) == (amb.unit_id, 314)
        wait_until(lambda: state.unit(amb.unit_id).status is UnitStatus.AVAILABLE_AT_STATION, timeout=30,
                   what="back at station")
    assert not feeds.runner.running
    with sqlite_db() as session:
        statuses = session.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == amb.unit_id,
                                                                        UnitStatusEvent.seq > 0)
                                   .order_by(UnitStatusEvent.id)).all()
        assert "larmad" in statuses and "pa_plats" in statuses and statuses[-1] == "ledig_station"
        assert session.scalar(select(func.count()).select_from(UnitStatusEvent)) > 0


def test_who_persists_feed_events() -> None:
    """Unset: the embedded SQLite console persists, a console on shared PostgreSQL does not."""
    assert persist_feed_events("sqlite:////tmp/larm.sqlite3", {}) is True
    assert persist_feed_events("postgresql+psycopg://db/larm", {}) is False
    assert persist_feed_events("postgresql+psycopg://db/larm", {PERSIST_ENV: "1"}) is True
    assert persist_feed_events("sqlite:////tmp/larm.sqlite3", {PERSIST_ENV: " 0 "}) is False
    with pytest.raises(ValueError, match=PERSIST_ENV):
        persist_feed_events("sqlite:////tmp/larm.sqlite3", {PERSIST_ENV: "kanske"})
