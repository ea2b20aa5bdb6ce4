"""Applied status events are written to the database in batches."""

from __future__ import annotations

from feed_helpers import lab_config, small_fleet, unit_ids, wait_until
from sqlalchemy import func, select

from dispatch.feed.persist import StatusEventWriter
from dispatch.feed.state import FleetState
from records.models import UnitStatusEvent
from resources.vocabulary import UnitStatus


def test_status_events_are_persisted_in_batches(sqlite_db, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    writer = StatusEventWriter(sqlite_db, flush_interval=0.05, max_batch=50).start()
    try:
        state = FleetState(small_fleet())
        make_subscriber(lab_config(pub), state, on_status=writer.put)
        wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
        for n in range(120):
            pub.publish_status(ids[n % len(ids)], UnitStatus.EN_ROUTE, 55.6 + n / 10000, 13.0, case_id=n)
        wait_until(lambda: writer.written >= 120, pumps=(pub,), what="events written")
    finally:
        writer.stop()
    with sqlite_db() as session:
        rows = session.scalars(select(UnitStatusEvent).where(UnitStatusEvent.seq > 0)
                               .order_by(UnitStatusEvent.seq)).all()
        assert [r.seq for r in rows] == list(range(1, 121))
        last = rows[-1]
        assert (last.unit_id, last.status, last.case_id, last.publisher) == (ids[119 % len(ids)], "framkorning", 119, "ambulans")
        assert last.event_time.tzinfo is not None and last.received_at >= last.event_time.replace(microsecond=0)
        assert session.scalar(select(func.count()).select_from(UnitStatusEvent)) == writer.written
    assert writer.dropped == 0


def test_writer_drops_and_counts_past_its_backlog(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    from dispatch.feed.messages import StatusMessage

    msg = StatusMessage(v=1, publisher="ambulans", epoch="abcd1234", seq=1, ts=1.7e9, unit_id="AMB-001",
                        status=UnitStatus.ALERTED, lat=55.6, lon=13.0)
    writer = StatusEventWriter(sqlite_db, max_backlog=10)  # not started: nothing drains
    writer.put([("ambulans", msg, 1, 1.7e9)] * 25)
    assert writer.pending() == 10 and writer.dropped == 15


def test_events_survive_a_database_outage_and_are_written_when_it_returns(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    """A failed batch is not lost: it is retried, in order, once the database answers again."""
    from dispatch.feed.messages import StatusMessage

    class Flaky:
        """A session factory that fails its first two sessions (the database is away)."""

        def __init__(self) -> None:
            self.calls = 0

        def __call__(self):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.calls <= 2:
                raise ConnectionError("databasen svarar inte")
            return sqlite_db()

    msgs = [StatusMessage(v=1, publisher="ambulans", epoch="abcd1234", seq=n, ts=1.7e9 + n, unit_id="AMB-001",
                          status=UnitStatus.ALERTED, lat=55.6, lon=13.0) for n in range(1, 8)]
    flaky = Flaky()
    writer = StatusEventWriter(flaky, flush_interval=0.01, max_batch=3).start()  # type: ignore[arg-type]
    try:
        writer.put([("ambulans", m, m.seq, 1.7e9 + m.seq) for m in msgs])
        wait_until(lambda: writer.written == 7, what="events written after the outage")
    finally:
        writer.stop()
    assert writer.failures == 2 and writer.dropped == 0
    with sqlite_db() as session:
        seqs = session.scalars(select(UnitStatusEvent.seq).order_by(UnitStatusEvent.id)).all()
    assert seqs == list(range(1, 8))


def test_what_cannot_be_written_by_stop_is_counted_as_dropped() -> None:
    from dispatch.feed.messages import StatusMessage

    def down():  # type: ignore[no-untyped-def]
        raise ConnectionError("databasen svarar inte")

    msg = StatusMessage(v=1, publisher="ambulans", epoch="abcd1234", seq=1, ts=1.7e9, unit_id="AMB-001",
                        status=UnitStatus.ALERTED, lat=55.6, lon=13.0)
    writer = StatusEventWriter(down, flush_interval=10.0).start()  # type: ignore[arg-type]
    writer.put([("ambulans", msg, 1, 1.7e9)] * 4)
    writer.stop()
    assert (writer.written, writer.dropped, writer.pending()) == (0, 4, 0) and writer.failures >= 1
