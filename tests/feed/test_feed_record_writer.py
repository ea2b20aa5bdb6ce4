"""The feed record writer (dispatch.feed.persist.FeedRecordWriter) on SQLite and PostgreSQL: a poison event is
dead-lettered while every valid one is stored, unchanged repeats are counted not stored, replays are stored once,
a full backlog becomes holes that add up, a locked database loses nothing (the outcome inbox included),
retention prunes only old feed rows, and the cursor is stored with the events and read back."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from feed_helpers import wait_until
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.messages import OutcomeMessage
from dispatch.feed.persist import FeedRecordWriter, moved_m
from dispatch.feed.record_items import CursorItem, HoleItem, HoleReason, OutcomeItem, RecordItem, StatusItem
from dispatch.feed.record_keeper import NOT_RECORDING
from records.db import DbBounds, make_engine, session_factory, transaction
from records.models import (
    Assignment,
    FeedCursor,
    FeedDeadLetter,
    FeedHole,
    FeedOutcomeInbox,
    Outcome,
    UnitStatusEvent,
)
from resources.vocabulary import UnitStatus

EPOCH = "ep-record-1"
T = 1.78e9  # publisher time of the test events


def status(seq: int, unit: str = "AMB-001", st: UnitStatus = UnitStatus.EN_ROUTE, lat: float = 55.6,
           lon: float = 13.0, case_id: int | None = None, *, flag: str | None = None, raw: bool = True,
           publisher: str = "ambulans", epoch: str = EPOCH) -> StatusItem:
    body = (f'{{"v":2,"publisher":"{publisher}","epoch":"{epoch}","seq":{seq},"unit_id":"{unit}",'
            f'"status":"{st.value}","lat":{lat},"lon":{lon},"case_id":{"null" if case_id is None else case_id}}}')
    return StatusItem(publisher, epoch, seq, unit, st, lat, lon, case_id, T + seq, T + seq + 0.1, flag,
                      body.encode() if raw else None)


def outcome(seq: int, case_id: int = 4711, unit: str = "AMB-001") -> OutcomeItem:
    msg = OutcomeMessage(v=2, publisher="ambulans", epoch=EPOCH, seq=seq, ts=T + seq, unit_id=unit, case_id=case_id,
                         code="transported_ed", destination="AKM_SUS_LUND")
    return OutcomeItem("ambulans", EPOCH, seq, msg, T + seq + 0.1, msg.model_dump_json().encode())


@pytest.fixture
def make_writer() -> Iterator[Callable[..., FeedRecordWriter]]:
    made: list[FeedRecordWriter] = []

    def make(factory: sessionmaker[Session], *, start: bool = True, **kwargs: Any) -> FeedRecordWriter:
        settings: dict[str, Any] = {"flush_interval": 0.02, "retry_initial": 0.05, "retry_max": 0.2,
                                    "first_prune_after": 3600.0, "position_threshold_m": 100.0}
        writer = FeedRecordWriter(factory, **(settings | kwargs))
        made.append(writer)
        return writer.start() if start else writer

    yield make
    for writer in made:
        writer.stop()


def pub(writer: FeedRecordWriter, publisher: str = "ambulans") -> dict[str, Any]:
    return writer.counters()["publishers"].get(publisher, {"stored": 0, "unchanged": 0, "dead_lettered": {},
                                                           "outcomes_inboxed": 0, "duplicates": 0, "holes": 0,
                                                           "hole_updates": 0, "not_leader": 0})


def stored_seqs(factory: sessionmaker[Session]) -> list[int]:
    with factory() as s:
        return list(s.scalars(select(UnitStatusEvent.seq).where(UnitStatusEvent.epoch == EPOCH)
                              .order_by(UnitStatusEvent.seq)))


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def install_poison_trigger(factory: sessionmaker[Session], unit: str) -> None:
    """A row the database refuses: a trigger that raises for one unit's status rows."""
    with transaction(factory) as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text(f"CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                           f"IF NEW.unit_id = '{unit}' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$"))
            s.execute(text("CREATE TRIGGER poison BEFORE INSERT ON unit_status_events FOR EACH ROW "
                           "EXECUTE FUNCTION refuse_poison()"))
        else:
            s.execute(text(f"CREATE TRIGGER poison BEFORE INSERT ON unit_status_events WHEN NEW.unit_id = '{unit}' "
                           f"BEGIN SELECT RAISE(ABORT, 'poison'); END"))


@pytest.mark.parametrize("poison", ["out_of_range", "trigger"])
def test_a_poison_event_is_dead_lettered_and_every_valid_one_is_stored(db, make_writer, poison: str) -> None:  # type: ignore[no-untyped-def]
    """The issue's 2^63 case_id (past the 64-bit column; built directly, the schema would refuse it) and a row a
    trigger refuses: 499 valid events stored, the bad one dead-lettered with reason and raw, later ones flow."""
    if poison == "trigger":
        install_poison_trigger(db, "AMB-GIFT")
        bad = status(250, "AMB-GIFT", case_id=77)
    else:
        bad = status(250, "AMB-250", case_id=2**63)
    items: list[RecordItem] = [bad if n == 250 else status(n, f"AMB-{n:03d}", case_id=n) for n in range(1, 501)]
    writer = make_writer(db)
    writer.put([*items, CursorItem("ambulans", EPOCH, 500)])
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] == 499
               and sum(pub(writer)["dead_lettered"].values()) == 1,
               what="499 stored and one dead letter")
    assert stored_seqs(db) == [n for n in range(1, 501) if n != 250]
    with db() as s:
        dead = s.scalars(select(FeedDeadLetter)).one()
        cursor = s.get(FeedCursor, ("ambulans", EPOCH))
    expected = {"out_of_range": {"out_of_range"}, "trigger": {"integrity", "refused"}}[poison]
    assert (dead.publisher, dead.epoch, dead.seq, dead.kind) == ("ambulans", EPOCH, 250, "status")
    assert dead.reason in expected and dead.detail
    assert dead.raw == bad.raw.decode()  # type: ignore[union-attr]
    assert pub(writer)["dead_lettered"] == {dead.reason: 1}
    assert cursor is not None and cursor.seq == 500

    # nothing waits behind it: the next batch (with the poison again, as a snapshot entry would carry it) flows
    again = StatusItem(bad.publisher, bad.epoch, 501, bad.unit_id, UnitStatus.ON_SCENE, bad.lat, bad.lon,
                       bad.case_id, T + 501, T + 501, None, None)
    writer.put([status(n, f"AMB-{n:03d}", case_id=n) for n in range(502, 511)] + [again, CursorItem("ambulans", EPOCH, 510)])
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] == 508
               and sum(pub(writer)["dead_lettered"].values()) == 2,
               what="the later batch stored")
    with db() as s:
        second = s.scalars(select(FeedDeadLetter).where(FeedDeadLetter.seq == 501)).one()
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 510  # type: ignore[union-attr]
    assert f'"unit_id": "{bad.unit_id}"' in second.raw  # no raw body: the fields as JSON
    assert writer.counters()["failures"] == 0  # refused, not "the database is away"


def test_unchanged_repeats_are_counted_not_stored(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    north_50 = 55.6 + 50 / 111_195
    north_150 = 55.6 + 150 / 111_195
    assert 49 < moved_m(55.6, 13.0, north_50, 13.0) < 51
    items: list[RecordItem] = [
        status(1),  # first for the unit: stored
        status(2),  # the same: unchanged
        status(3, lat=north_50),  # moved 50 m < 100 m: unchanged
        status(4, lat=north_150),  # 150 m from the stored position: stored
        status(5, st=UnitStatus.ON_SCENE, lat=north_150),  # status changed: stored
        status(6, st=UnitStatus.ON_SCENE, lat=north_150, case_id=12),  # case changed: stored
        status(7, st=UnitStatus.ON_SCENE, lat=north_150, case_id=12, flag="illegal_transition"),  # flagged: stored
        status(8, st=UnitStatus.ON_SCENE, lat=north_150, case_id=12),  # flag cleared: stored
        status(9, st=UnitStatus.ON_SCENE, lat=north_150, case_id=12, raw=False),  # a snapshot entry, the same
        status(10, "AMB-002", raw=False),  # a snapshot entry of a unit not stored yet
        CursorItem("ambulans", EPOCH, 10),
    ]
    writer = make_writer(db)
    writer.put(items)
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] + pub(writer)["unchanged"] == 10,
               what="all ten handled")
    assert stored_seqs(db) == [1, 4, 5, 6, 7, 8, 10]
    assert (pub(writer)["stored"], pub(writer)["unchanged"]) == (7, 3)
    with db() as s:
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 10  # type: ignore[union-attr]
        flagged = s.scalars(select(UnitStatusEvent).where(UnitStatusEvent.seq == 7)).one()
    assert (flagged.flag, flagged.case_id, flagged.epoch) == ("illegal_transition", 12, EPOCH)


def test_a_replayed_update_older_than_the_stored_one_is_stored_as_history(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    """Replay delivers older updates after newer live ones; compared with the unit's newest row they may look
    like repeats, yet each was a change when it happened."""
    writer = make_writer(db)
    writer.put([status(10, st=UnitStatus.AVAILABLE_OUT), status(12, st=UnitStatus.AVAILABLE_AT_STATION)])
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] == 2, what="live updates stored")
    writer.put([status(11, st=UnitStatus.AVAILABLE_AT_STATION)])  # replayed: 10 → 11 was the change
    writer.put([status(13, st=UnitStatus.AVAILABLE_AT_STATION)])  # live again: a repeat of 12
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] + pub(writer)["unchanged"] == 4,
               what="replayed and live update handled")
    assert stored_seqs(db) == [10, 11, 12]
    assert pub(writer)["unchanged"] == 1


def test_an_update_that_arrived_ahead_of_missing_numbers_is_stored_as_it_is(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    """Live updates that arrive while earlier numbers are still being replayed cannot be judged against the
    unit's last row (their predecessor may be among the missing): the channel marks them, the writer stores."""
    from dataclasses import replace

    writer = make_writer(db)
    writer.put([status(10, st=UnitStatus.AVAILABLE_OUT)])
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] == 1, what="first stored")
    writer.put([replace(status(12, st=UnitStatus.AVAILABLE_OUT), ordered=False)])  # 11 still missing
    writer.put([status(11, st=UnitStatus.AVAILABLE_AT_STATION)])  # replayed: the change 10 → 11 → 12
    wait_until(lambda: writer.pending() == 0 and pub(writer)["stored"] == 3, what="all three stored")
    assert stored_seqs(db) == [10, 11, 12] and pub(writer)["unchanged"] == 0


def test_the_position_threshold_is_a_setting(monkeypatch, sqlite_db) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_FEED_POSITION_THRESHOLD_M", "250")
    monkeypatch.setenv("LARMCENTRAL_FEED_RETENTION_DAYS", "7")
    writer = FeedRecordWriter(sqlite_db)
    assert (writer.position_threshold_m, writer.retention_days) == (250, 7)


def test_replayed_duplicates_are_stored_once(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    """A restarted writer is handed what its predecessor stored again (replay from an older cursor)."""
    first = make_writer(db)
    first.put([status(n, f"AMB-{n:03d}") for n in range(1, 21)] + [outcome(21), CursorItem("ambulans", EPOCH, 21)])
    wait_until(lambda: pub(first)["stored"] == 20 and pub(first)["outcomes_inboxed"] == 1, what="first run")
    first.stop()
    second = make_writer(db)  # remembers nothing: every unit's first item is stored again if the database lacks it
    assert second.cursor("ambulans", EPOCH) == 21
    second.put([status(n, f"AMB-{n:03d}") for n in range(1, 31)] + [outcome(21), CursorItem("ambulans", EPOCH, 30)])
    wait_until(lambda: pub(second)["stored"] + pub(second)["duplicates"] == 31, what="replay handled")
    assert stored_seqs(db) == list(range(1, 31))
    assert (pub(second)["stored"], pub(second)["duplicates"], pub(second)["outcomes_inboxed"]) == (10, 21, 0)
    assert count(db, FeedOutcomeInbox) == 1


def test_a_full_backlog_becomes_holes_that_add_up(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    writer = make_writer(db, start=False, max_backlog=10)  # not started: nothing drains yet
    sent = 0
    for first in range(1, 101, 5):
        writer.put([status(n, f"AMB-{n:03d}") for n in range(first, first + 5)] + [CursorItem("ambulans", EPOCH, first + 4)])
        sent += 5
    writer.put([outcome(101), CursorItem("ambulans", EPOCH, 101)])  # outcomes are always kept
    assert writer.pending() <= 14  # ten kept, then one growing hole and one cursor (and the outcome)
    writer.start()
    wait_until(lambda: writer.pending() == 0 and pub(writer)["outcomes_inboxed"] == 1, what="backlog written")
    c = pub(writer)
    with db() as s:
        holes = s.scalars(select(FeedHole)).all()
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 101  # type: ignore[union-attr]
    assert [(h.why, h.last_seq - h.first_seq + 1) for h in holes] == [(HoleReason.WRITER_BACKLOG, 91)]
    assert c["stored"] + c["hole_updates"] == sent and c["backlog_dropped"] == c["hole_updates"] == 91
    assert len(stored_seqs(db)) == c["stored"] == 9
    assert {h.first_seq for h in holes} == {10}  # the first status past the backlog


@pytest.fixture
def short_bounds_factory(db, db_url: str) -> Iterator[sessionmaker[Session]]:  # type: ignore[no-untyped-def]
    """The writer's own engine, waiting only briefly for a lock (so it fails and retries while one is held)."""
    engine = make_engine(db_url, DbBounds(connect_s=2.0, statement_s=0.5, busy_s=0.2))
    yield session_factory(engine)
    engine.dispose()


def test_the_outcome_inbox_survives_a_locked_database(db, db_url, short_bounds_factory, make_writer) -> None:  # type: ignore[no-untyped-def]
    """Another connection holds the database (SQLite: BEGIN IMMEDIATE; PostgreSQL: LOCK TABLE) while events and an
    outcome arrive: the writer fails, keeps everything in order, and stores all of it once the lock goes."""
    writer = make_writer(short_bounds_factory)
    if db_url.startswith("sqlite"):
        lock = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        release: Callable[[], None] = lambda: (lock.execute("COMMIT"), lock.close())  # type: ignore[assignment]  # noqa: E731
    else:
        engine = create_engine(db_url)
        conn = engine.connect()
        conn.execute(text("LOCK TABLE unit_status_events, feed_outcome_inbox, feed_cursors IN ACCESS EXCLUSIVE MODE"))

        def release() -> None:
            conn.rollback()
            conn.close()
            engine.dispose()
    try:
        writer.put([status(n, f"AMB-{n:03d}") for n in range(1, 41)] + [outcome(41, case_id=99)]
                   + [CursorItem("ambulans", EPOCH, 41)])
        wait_until(lambda: writer.counters()["failures"] >= 2, what="the writer failing on the lock")
        assert writer.pending() == 42 and pub(writer)["stored"] == 0
    finally:
        release()
    wait_until(lambda: pub(writer)["outcomes_inboxed"] == 1 and pub(writer)["stored"] == 40, timeout=20,
               what="all stored after the lock")
    assert stored_seqs(db) == list(range(1, 41))
    with db() as s:
        inbox = s.scalars(select(FeedOutcomeInbox)).one()
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 41  # type: ignore[union-attr]
    assert (inbox.seq, inbox.case_id, inbox.unit_id, inbox.state, inbox.attempts) == (41, 99, "AMB-001", "pending", 0)
    assert inbox.body["code"] == "transported_ed" and inbox.body["destination"] == "AKM_SUS_LUND"
    assert inbox.next_attempt_at is not None and not pub(writer)["dead_lettered"]


def test_retention_prunes_old_feed_rows_only(db, make_actor, make_writer) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).parents[1] / "outcomes"))
    from outcomes_helpers import add_case  # cases with assignments and console-written status rows

    now = datetime.now(UTC)
    old, new = now - timedelta(days=40), now - timedelta(days=1)
    actor = make_actor(db)

    def event(unit: str, seq: int, at: datetime, epoch: str | None = EPOCH) -> UnitStatusEvent:
        return UnitStatusEvent(unit_id=unit, status="framkorning", lat=55.6, lon=13.0, publisher="ambulans",
                               epoch=epoch, seq=seq, event_time=at, received_at=at)

    with transaction(db) as s:
        case = add_case(s, actor, created_at=old, units=("AMB-009",), on_scene_minutes=5)  # console row, old
        s.add(Outcome(case_id=case.id, code="treated_left_home", source="feed", unit_id="AMB-009", recorded_at=old))
        s.add_all([event("AMB-001", n, old) for n in range(1, 6)] + [event("AMB-001", 6, new)])  # 5 old, 1 new
        s.add_all([event("AMB-002", 7, old), event("AMB-002", 8, old)])  # only old: its latest stays
        s.add(event("AMB-003", 1, old, epoch=None))  # written by a console: never pruned
        for at in (old, new):
            s.add(FeedDeadLetter(publisher="ambulans", epoch=EPOCH, seq=1, kind="status", reason="integrity",
                                 detail="x", raw="{}", received_at=at, recorded_at=at))
            s.add(FeedHole(publisher="ambulans", epoch=EPOCH, first_seq=100 if at == old else 200, last_seq=300,
                           why="no_replay", recorded_at=at))
        for seq, state, at in ((1, "applied", old), (2, "dead", old), (3, "pending", old), (4, "applied", new)):
            s.add(FeedOutcomeInbox(publisher="ambulans", epoch=EPOCH, seq=seq, unit_id="AMB-001", case_id=case.id,
                                   body={}, received_at=at, state=state, attempts=1, next_attempt_at=at,
                                   done_at=None if state == "pending" else at))
    writer = make_writer(db, start=False, retention_days=30)
    deleted = writer.prune(now)
    assert deleted == {"unit_status_events": 6, "feed_dead_letters": 1, "feed_holes": 1, "feed_outcome_inbox": 2}
    with db() as s:
        left = s.execute(select(UnitStatusEvent.unit_id, UnitStatusEvent.seq, UnitStatusEvent.epoch)
                         .order_by(UnitStatusEvent.unit_id, UnitStatusEvent.seq)).all()
        assert [tuple(r) for r in left] == [("AMB-001", 6, EPOCH), ("AMB-002", 8, EPOCH), ("AMB-003", 1, None),
                                            ("AMB-009", case.id * 10, None)]
        assert sorted(s.scalars(select(FeedOutcomeInbox.seq))) == [3, 4]
        assert s.scalar(select(func.count()).select_from(Assignment)) == 1
        assert s.scalar(select(func.count()).select_from(Outcome)) == 1
    assert writer.prune(now) == dict.fromkeys(deleted, 0)  # nothing more to do


def test_retention_runs_by_itself_in_chunks(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    old = datetime.now(UTC) - timedelta(days=60)
    with transaction(db) as s:
        s.add_all([UnitStatusEvent(unit_id="AMB-001", status="ledig", lat=55.6, lon=13.0, publisher="ambulans",
                                   epoch=EPOCH, seq=n, event_time=old, received_at=old) for n in range(1, 11)])
    writer = make_writer(db, first_prune_after=0.0, prune_interval=3600.0, prune_chunk=3)
    wait_until(lambda: writer.counters()["pruned"] == 9, what="the writer pruning by itself")
    assert stored_seqs(db) == [10]


def test_the_cursor_is_stored_with_the_events_and_read_by_a_new_writer(db, make_writer) -> None:  # type: ignore[no-untyped-def]
    writer = make_writer(db)
    assert writer.cursor("ambulans", EPOCH) is None
    writer.put([status(1), HoleItem("ambulans", EPOCH, 2, 4, HoleReason.REPLAY_UNAVAILABLE), status(5, "AMB-002"),
                CursorItem("ambulans", EPOCH, 5)])
    assert writer.cursor("ambulans", EPOCH) == 5  # handed over: the channel asks for replay from here
    wait_until(lambda: writer.pending() == 0 and pub(writer)["holes"] == 1, what="stored")
    assert pub(writer)["hole_updates"] == 3
    writer.stop()
    with db() as s:
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 5  # type: ignore[union-attr]
    again = make_writer(db)
    assert again.cursor("ambulans", EPOCH) == 5 and again.cursor("ambulans", "another") is None
    again.put([CursorItem("ambulans", EPOCH, 3)])  # a lower cursor never moves it back
    wait_until(lambda: again.pending() == 0, what="cursor written")
    again.stop()
    with db() as s:
        assert s.get(FeedCursor, ("ambulans", EPOCH)).seq == 5  # type: ignore[union-attr]


def test_only_the_leader_stores_and_a_new_leader_reloads_and_backfills(sqlite_db, make_writer) -> None:  # type: ignore[no-untyped-def]
    leader = {"now": False}
    leads: list[int] = []
    writer = make_writer(sqlite_db, is_leader=lambda: leader["now"], on_lead=lambda: leads.append(1))
    writer.put([status(1), CursorItem("ambulans", EPOCH, 1)])
    assert pub(writer)["not_leader"] == 1 and writer.pending() == 0
    assert writer.cursor("ambulans", EPOCH) == NOT_RECORDING  # a follower's feeds ask for no replays
    with transaction(sqlite_db) as s:  # what the previous leader stored
        s.add(FeedCursor(publisher="ambulans", epoch=EPOCH, seq=7, updated_at=datetime.now(UTC)))
    leader["now"] = True
    wait_until(lambda: leads == [1], what="lead taken")
    assert writer.cursor("ambulans", EPOCH) == 7 and writer.counters()["leading"]
    # Until the feeds have re-read the cursor and asked for what is missing, a cursor they hand over is their
    # follower-time live position, not what the record holds: it must not move the cursor past 8..49.
    writer.put([CursorItem("ambulans", EPOCH, 50)])
    assert writer.cursor("ambulans", EPOCH) == 7
    writer.resume_cursors()  # the subscriber, once its backfill requests are out
    writer.put([status(8), CursorItem("ambulans", EPOCH, 8)])
    wait_until(lambda: pub(writer)["stored"] == 1, what="stored as leader")
    leader["now"] = False
    wait_until(lambda: not writer.counters()["leading"], what="lead lost")
    writer.put([status(9)])
    assert pub(writer)["not_leader"] == 2 and stored_seqs(sqlite_db) == [8]
