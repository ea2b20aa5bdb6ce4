"""The feed record through the real path: publisher → ZeroMQ → subscriber → FeedRecordWriter → database."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from feed_helpers import lab_config, small_fleet, unit_ids, wait_until
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.persist import FeedRecordWriter
from dispatch.feed.record_items import CursorItem, StatusItem
from dispatch.feed.service import FeedService
from dispatch.feed.state import FleetState
from records.models import FeedCursor, FeedHole, UnitStatusEvent
from resources.vocabulary import UnitStatus


def feed_rows(factory: sessionmaker[Session], epoch: str) -> list[UnitStatusEvent]:
    with factory() as session:
        return list(session.scalars(select(UnitStatusEvent).where(UnitStatusEvent.epoch == epoch)
                                    .order_by(UnitStatusEvent.seq)))


def test_changes_are_stored_with_their_epoch_and_repeats_counted(db, make_publisher, make_subscriber) -> None:  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    writer = FeedRecordWriter(db, flush_interval=0.05, max_batch=50, first_prune_after=3600).start()
    try:
        state = FleetState(small_fleet())
        make_subscriber(lab_config(pub), state, record_sink=writer.put, record_cursor=writer.cursor)
        wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
        for n in range(120):  # every update moves its unit more than a kilometre: all stored
            pub.publish_status(ids[n % len(ids)], UnitStatus.EN_ROUTE, 55.5 + n / 500, 13.0, case_id=n + 1)
        for _ in range(30):  # the same unit, unchanged: counted, not stored
            pub.publish_status(ids[119 % len(ids)], UnitStatus.EN_ROUTE, 55.5 + 119 / 500, 13.0, case_id=120)
        wait_until(lambda: writer.cursor("ambulans", pub.epoch) == 150 and writer.pending() == 0
                   and writer.counters()["publishers"].get("ambulans", {}).get("unchanged") == 30,
                   pumps=(pub,), what="events written")
    finally:
        writer.stop()
    counts = writer.counters()["publishers"]["ambulans"]
    rows = feed_rows(db, pub.epoch)
    assert [r.seq for r in rows] == list(range(1, 121)) and counts["stored"] == 120
    last = rows[-1]
    assert (last.unit_id, last.status, last.case_id, last.publisher, last.epoch) == (
        ids[119 % len(ids)], "framkorning", 120, "ambulans", pub.epoch)
    assert last.event_time.tzinfo is not None and last.received_at >= last.event_time.replace(microsecond=0)
    with db() as session:
        assert session.get(FeedCursor, ("ambulans", pub.epoch)).seq == 150  # type: ignore[union-attr]
    assert counts["dead_lettered"] == {} and counts["holes"] == 0


def test_a_restarted_service_backfills_from_its_stored_cursor(db, make_publisher) -> None:  # type: ignore[no-untyped-def]
    """FeedService wires the writer's cursor to the subscriber: what was published while it was down is replayed
    from where the record stopped and stored, with no hole."""
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    config = lab_config(pub)

    def run(first: int, last: int) -> None:
        service = FeedService(config, FleetState(small_fleet()), session_factory=db)
        service.start()
        try:
            assert service.writer is not None and service.subscriber is not None
            assert service.subscriber.record_cursor == service.writer.cursor
            wait_until(lambda: service.state.feeds()[0].synced, pumps=(pub,), what="sync")
            for n in range(first, last + 1):
                pub.publish_status(ids[n % len(ids)], UnitStatus.EN_ROUTE, 55.5 + n / 500, 13.0, case_id=n)
            wait_until(lambda: writer_done(service, pub.epoch, last), pumps=(pub,), what="stored")
        finally:
            service.stop()

    run(1, 10)
    for n in range(11, 21):  # nobody listening: only the publisher's replay buffer holds these
        pub.publish_status(ids[n % len(ids)], UnitStatus.EN_ROUTE, 55.5 + n / 500, 13.0, case_id=n)
    run(21, 25)
    assert [r.seq for r in feed_rows(db, pub.epoch)] == list(range(1, 26))
    with db() as session:
        assert session.scalars(select(FeedHole)).all() == []


def writer_done(service: FeedService, epoch: str, seq: int) -> bool:
    w = service.writer
    return w is not None and w.pending() == 0 and w.counters()["publishers"].get("ambulans", {}).get("stored", 0) > 0 \
        and _stored_cursor(w, epoch) >= seq


def _stored_cursor(writer: FeedRecordWriter, epoch: str) -> int:
    with writer.session_factory() as session:
        cursor = session.get(FeedCursor, ("ambulans", epoch))
        return -1 if cursor is None else cursor.seq


class Flaky:
    """A session factory whose database is away while `down` is set."""

    def __init__(self, factory: sessionmaker[Session]):
        self.factory = factory
        self.down = True

    def __call__(self) -> Session:
        if self.down:
            raise ConnectionError("databasen svarar inte")
        return self.factory()


def items(n: int) -> list[Any]:
    return [StatusItem("ambulans", "ep-outage", s, f"AMB-{s:03d}", UnitStatus.ALERTED, 55.6, 13.0, None, 1.78e9,
                       1.78e9, None, b"{}") for s in range(1, n + 1)] + [CursorItem("ambulans", "ep-outage", n)]


def test_events_survive_a_database_outage_in_order_and_it_is_logged_once(sqlite_db, caplog) -> None:  # type: ignore[no-untyped-def]
    flaky = Flaky(sqlite_db)
    writer = FeedRecordWriter(flaky, flush_interval=0.01, max_batch=3, retry_initial=0.01, retry_max=0.05,  # type: ignore[arg-type]
                              first_prune_after=3600).start()
    try:
        with caplog.at_level(logging.ERROR, logger="dispatch.feed.persist"):
            writer.put(items(7))
            wait_until(lambda: writer.counters()["failures"] >= 3, what="failures while the database is away")
            assert writer.pending() == 8
            flaky.down = False
            wait_until(lambda: writer.pending() == 0, what="events written after the outage")
    finally:
        writer.stop()
    assert [r.seq for r in feed_rows(sqlite_db, "ep-outage")] == list(range(1, 8))
    assert writer.counters()["publishers"]["ambulans"]["dead_lettered"] == {}
    assert len([r for r in caplog.records if "kan inte ta emot" in r.getMessage()]) == 1


@pytest.mark.parametrize("n", [4])
def test_what_stop_cannot_write_is_logged_and_left_for_replay(sqlite_db, caplog, n: int) -> None:  # type: ignore[no-untyped-def]
    flaky = Flaky(sqlite_db)
    writer = FeedRecordWriter(flaky, flush_interval=10.0, retry_initial=0.01, retry_max=0.05).start()  # type: ignore[arg-type]
    writer.put(items(n))
    with caplog.at_level(logging.ERROR, logger="dispatch.feed.persist"):
        writer.stop(timeout=1.0)
    c = writer.counters()
    assert (c["written"], c["unwritten"], c["backlog"]) == (0, n + 1, 0) and c["failures"] >= 1
    assert any("spelas upp igen" in r.getMessage() for r in caplog.records)
    flaky.down = False
    assert FeedRecordWriter(sqlite_db).start().cursor("ambulans", "ep-outage") is None  # the cursor never moved
