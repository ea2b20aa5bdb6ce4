"""The feed record's status rows on both backends: SQLite's fast path (tuples to the driver, times as text)
stores exactly what SQLAlchemy's own path would, counts new rows per publisher, and refuses a time no
datetime holds alone."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed import record_store
from dispatch.feed.record_items import StatusItem
from records.models import UnitStatusEvent
from resources.vocabulary import UnitStatus

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def status(publisher: str, seq: int, ts: float, *, received: float | None = None, flag: str | None = None,
           case_id: int | None = None) -> StatusItem:
    return StatusItem(publisher, "e1", seq, f"{publisher[:3].upper()}{seq:03d}", UnitStatus.EN_ROUTE,
                      55.6 + seq / 1000, 13.0 + seq / 1000, case_id, ts, ts + 0.25 if received is None else received,
                      flag, b"{}")


def test_sqlite_time_is_the_text_sqlalchemy_stores_for_the_same_instant() -> None:
    """Against SQLAlchemy's own SQLite DATETIME processing of datetime.fromtimestamp(ts, UTC), including the
    microsecond rounding at a second's edge, before 1970 and in years below 1000."""
    dialect = sqlite.dialect()
    processor = UnitStatusEvent.__table__.c.event_time.type.dialect_impl(dialect).bind_processor(dialect)
    rng = random.Random(15)
    edges = [0.0, -0.5, -1.0000005, 1764576000.9999995, 1764576000.0000005, 1764576000.4999995, 59.9999999,
             -30610224000.0, 253402300799.25, 1e9 + 0.1234565]
    samples = edges + [rng.uniform(-4e10, 2.5e11) for _ in range(5000)] + [1.7e9 + rng.random() for _ in range(5000)]
    for ts in samples:
        assert record_store.sqlite_time(ts) == processor(datetime.fromtimestamp(ts, UTC)), ts


@pytest.mark.parametrize("ts", [math.nan, math.inf, -math.inf, 1e20, -1e20])
def test_a_time_no_datetime_holds_is_refused_when_the_row_is_built(ts: float) -> None:
    work = record_store.build(status("ambulans", 1, 1.7e9, received=ts), NOW)
    assert work.row is None and work.error is not None
    assert record_store.build(status("ambulans", 1, ts), NOW).row is None


def stored(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with factory() as s:
        return [(r.publisher, r.epoch, r.seq, r.unit_id, r.status, r.lat, r.lon, r.case_id, r.flag, r.event_time,
                 r.received_at) for r in s.scalars(select(UnitStatusEvent).order_by(UnitStatusEvent.publisher,
                                                                                   UnitStatusEvent.seq))]


def test_status_rows_are_stored_whole_and_counted_new_per_publisher(db) -> None:  # type: ignore[no-untyped-def]
    items = [status("ambulans", n, 1.7e9 + n / 7, flag="illegal_transition" if n == 3 else None,
                    case_id=n if n % 2 else None) for n in range(1, 9)]
    items += [status("mobila_team", n, 1.7e9 + n) for n in range(1, 4)]
    done = record_store.write(db, [record_store.build(i, NOW) for i in items], {("ambulans", "e1"): 8}, NOW)
    assert done.statuses == {"ambulans": 8, "mobila_team": 3}
    rows = stored(db)
    assert rows == [(i.publisher, i.epoch, i.seq, i.unit_id, "framkorning", i.lat, i.lon, i.case_id, i.flag,
                     datetime.fromtimestamp(i.ts, UTC), datetime.fromtimestamp(i.received, UTC))
                    for i in sorted(items, key=lambda i: (i.publisher, i.seq))]
    again = record_store.write(db, [record_store.build(i, NOW) for i in items[5:]], {}, NOW)
    assert again.statuses == {} and len(stored(db)) == len(items)  # a redelivered update is stored once


def test_sqlite_rows_sort_by_time_as_sqlalchemy_written_rows_do(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    """A row written through SQLAlchemy (the console's own status rows) and feed rows interleave by received_at:
    the same text, so the same order in the index."""
    with sqlite_db.begin() as s:
        s.add(UnitStatusEvent(unit_id="X1", status="ledig_ute", publisher="konsol", seq=0,
                              event_time=datetime.fromtimestamp(1.7e9 + 1.5, UTC),
                              received_at=datetime.fromtimestamp(1.7e9 + 1.5, UTC)))
    items = [status("ambulans", n, 1.7e9 + n, received=1.7e9 + n) for n in (1, 2)]
    record_store.write(sqlite_db, [record_store.build(i, NOW) for i in items], {}, NOW)
    with sqlite_db() as s:
        order = s.execute(text("SELECT unit_id FROM unit_status_events ORDER BY received_at")).scalars().all()
    assert order == ["AMB001", "X1", "AMB002"]


def test_a_batch_larger_than_one_insert_is_stored_whole_and_its_repeats_not_counted(db) -> None:  # type: ignore[no-untyped-def]
    first = [status("ambulans", n, 1.7e9 + n / 100) for n in range(1, 2 * record_store.SQLITE_ROWS_PER_INSERT + 35)]
    assert record_store.write(db, [record_store.build(i, NOW) for i in first], {}, NOW).statuses == {
        "ambulans": len(first)}
    more = first[7:] + [status("ambulans", len(first) + n, 1.8e9 + n) for n in range(1, 67)]
    assert record_store.write(db, [record_store.build(i, NOW) for i in more], {}, NOW).statuses == {"ambulans": 66}
    with db() as s:
        seqs = s.scalars(select(UnitStatusEvent.seq).order_by(UnitStatusEvent.seq)).all()
    assert seqs == list(range(1, len(first) + 67))


def test_sqlite_steps_a_large_batch_in_a_few_statements_not_one_per_row(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    """sqlite3 lets go of the GIL around each statement it steps, and each time waits up to the switch interval to
    have it back from the feed's receiver thread: a statement per row made a batch take seconds beside a busy
    receiver. Counted by SQLite's own trace of the statements it runs."""
    statements: list[str] = []
    engine = sqlite_db.kw["bind"]
    listener = lambda dbapi_conn, *_: dbapi_conn.set_trace_callback(statements.append)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        items = [status("ambulans", n, 1.7e9 + n / 100) for n in range(1, 2001)]
        record_store.write(sqlite_db, [record_store.build(i, NOW) for i in items], {("ambulans", "e1"): 2000}, NOW)
    finally:
        event.remove(engine, "checkout", listener)
    inserts = [s for s in statements if s.startswith("INSERT INTO unit_status_events")]
    assert 1 <= len(inserts) <= 2000 // record_store.SQLITE_ROWS_PER_INSERT and len(statements) < 12
