"""The feeds received in a child process (dispatch.feed.receiver_link / receiver_child): real publishers on
loopback, a real child process, the real record writer in it, the console's MirrorFleetState reading it."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_helpers import lab_config, small_fleet, unit_ids, wait_until
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.config import CurveSettings, FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher
from dispatch.feed.receiver_link import FeedReceiverProcess, MirrorFleetState
from records.models import FeedOutcomeInbox, UnitStatusEvent
from resources.vocabulary import UnitStatus


@pytest.fixture
def publisher():  # type: ignore[no-untyped-def]
    pub = FeedPublisher("ambulans", seed=3)
    fleet = small_fleet()
    for u in fleet.units:
        if u.publisher == "ambulans":
            pub.set_state(u.id, UnitStatus.AVAILABLE_AT_STATION, u.lat, u.lon)
    yield pub
    pub.close()


def test_units_and_outcomes_reach_the_console_and_the_child_stores_them(publisher, db, db_url):  # type: ignore[no-untyped-def]
    fleet = small_fleet()
    first, second = unit_ids("ambulans", fleet)[:2]
    state = MirrorFleetState(fleet)
    receiver = FeedReceiverProcess(lab_config(publisher, poll_interval_s=0.01), state, fleet,
                                   database_url=db_url).start()
    try:
        assert receiver.running and receiver.proc is not None and receiver.proc.pid != os.getpid()
        wait_until(lambda: state.drain_changes() and not state.unit(first).stale, pumps=(publisher,),
                   what="the snapshot through the child")
        u = state.unit(second)
        publisher.publish_status(second, UnitStatus.ALERTED, u.lat, u.lon, 4711)
        publisher.publish_outcome(second, 4711, "treated_left_home")
        wait_until(lambda: second in state.drain_changes() or state.unit(second).status is UnitStatus.ALERTED,
                   pumps=(publisher,), what="the status change through the child")
        assert state.unit(second).case_id == 4711 and not state.unit(second).stale
        wait_until(lambda: receiver.pump() >= 0 and not receiver.outcomes.empty(), pumps=(publisher,),
                   what="the outcome message through the child")
        assert receiver.outcomes.get_nowait().case_id == 4711
        feeds = state.feeds()
        assert [f.publisher for f in feeds] == ["ambulans"] and feeds[0].synced and feeds[0].messages >= 1
        wait_until(lambda: receiver.pump() >= 0 and receiver.writer_counters.get("written", 0) > 0,
                   pumps=(publisher,), what="the child's writer counters")
    finally:
        receiver.stop()
    assert receiver.proc is None
    with db() as s:  # the child's writer stored the change and the outcome before it ended
        assert s.scalar(select(func.count()).select_from(UnitStatusEvent)
                        .where(UnitStatusEvent.unit_id == second, UnitStatusEvent.case_id == 4711)) == 1
        assert s.scalar(select(func.count()).select_from(FeedOutcomeInbox)) == 1


def test_a_child_that_dies_is_started_again_and_its_units_are_no_contact_meanwhile(publisher, tmp_path):  # type: ignore[no-untyped-def]
    fleet = small_fleet()
    first = unit_ids("ambulans", fleet)[0]
    state = MirrorFleetState(fleet)
    receiver = FeedReceiverProcess(lab_config(publisher, poll_interval_s=0.01), state, fleet).start()
    try:
        wait_until(lambda: state.drain_changes() is not None and not state.unit(first).stale, pumps=(publisher,),
                   what="the first snapshot")
        old = receiver.proc
        assert old is not None
        old.send_signal(signal.SIGKILL)
        old.wait(10)
        pumps: list[float] = []  # the console's thread calls pump(): starting the new child must not hold it

        def timed_drain() -> set[str]:
            t0 = time.perf_counter()
            changes = state.drain_changes()
            pumps.append(time.perf_counter() - t0)
            return changes

        wait_until(lambda: timed_drain() is not None and state.unit(first).stale, pumps=(publisher,),
                   what="the units marked stale")
        assert receiver.restarts == 1 and receiver.proc is not None and receiver.proc.pid != old.pid
        wait_until(lambda: timed_drain() is not None and not state.unit(first).stale, pumps=(publisher,),
                   what="the units back from the new child", timeout=30)
        assert receiver.problem is None
        assert max(pumps) < 0.5, f"a pump held the console's thread {max(pumps):.1f} s"
    finally:
        receiver.stop()


def test_the_child_ends_when_its_parent_is_gone(tmp_path):  # type: ignore[no-untyped-def]
    # A parent pid that is not the child's parent: the guard sees it at once and the process ends.
    proc = subprocess.Popen([sys.executable, "-m", "dispatch.feed.receiver_child", "1", str(tmp_path)])
    assert proc.wait(15) == 0


def test_a_child_that_cannot_start_says_why_in_swedish(publisher, tmp_path):  # type: ignore[no-untyped-def]
    fleet = small_fleet()
    config = SubscriberConfig(feeds=lab_config(publisher).feeds,
                              curve=CurveSettings(server_secret_key=tmp_path / "saknas.key_secret",
                                                  allowed_publishers=tmp_path))
    receiver = FeedReceiverProcess(config, MirrorFleetState(fleet), fleet)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="flödena kunde inte tas emot"):
        receiver.start()
    assert time.monotonic() - started < 30 and receiver.proc is None


def test_an_unreachable_database_does_not_stop_the_feeds_nor_show_its_password(publisher, capfd):  # type: ignore[no-untyped-def]
    # The record writer waits for the database (backoff, nothing lost); the board must not wait with it.
    fleet = small_fleet()
    first = unit_ids("ambulans", fleet)[0]
    state = MirrorFleetState(fleet)
    receiver = FeedReceiverProcess(lab_config(publisher, poll_interval_s=0.01), state, fleet,
                                   database_url="postgresql+psycopg://larm:hemligt-lösen@127.0.0.1:9/larm").start()
    try:
        wait_until(lambda: state.drain_changes() is not None and not state.unit(first).stale, pumps=(publisher,),
                   what="the snapshot through the child while the database is away")
        assert receiver.running and receiver.problem is None
    finally:
        receiver.stop()
    out, err = capfd.readouterr()
    assert "hemligt" not in out + err


def test_a_child_that_stops_answering_leaves_its_units_no_contact_until_it_answers_again(publisher):  # type: ignore[no-untyped-def]
    # A child alive but silent (stopped, starved, stuck) must not leave the board showing units as heard.
    fleet = small_fleet()
    first = unit_ids("ambulans", fleet)[0]
    state = MirrorFleetState(fleet)
    receiver = FeedReceiverProcess(lab_config(publisher, poll_interval_s=0.01, feed_stale_after_s=1.0), state,
                                   fleet).start()
    try:
        wait_until(lambda: state.drain_changes() is not None and not state.unit(first).stale, pumps=(publisher,),
                   what="the first snapshot")
        assert receiver.proc is not None
        receiver.proc.send_signal(signal.SIGSTOP)
        try:
            wait_until(lambda: state.drain_changes() is not None and state.unit(first).stale, pumps=(publisher,),
                       what="the units of a silent child marked no contact")
            assert receiver.problem and "svarar inte" in receiver.problem and receiver.running
        finally:
            receiver.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: state.drain_changes() is not None and not state.unit(first).stale, pumps=(publisher,),
                   what="every unit sent again once the child answers")
        assert receiver.problem is None and receiver.restarts == 0
    finally:
        receiver.stop()


def test_a_child_that_keeps_dying_is_tried_again_a_minute_later(publisher):  # type: ignore[no-untyped-def]
    fleet = small_fleet()
    receiver = FeedReceiverProcess(lab_config(publisher, poll_interval_s=0.01), MirrorFleetState(fleet), fleet).start()
    try:
        assert receiver.proc is not None
        receiver._recent_starts = [time.monotonic()] * 5  # it has been started five times this minute
        receiver.proc.send_signal(signal.SIGKILL)
        receiver.proc.wait(10)
        wait_until(lambda: receiver.pump() >= 0 and receiver.proc is None, what="the child given up for now")
        assert receiver.problem and "inom en minut" in receiver.problem
        receiver._recent_starts, receiver._retry_at = [], time.monotonic()  # the minute has passed
        receiver.pump()
        assert receiver.proc is not None and receiver.restarts == 1
    finally:
        receiver.stop()


FLOOD = Path(__file__).with_name("flood_publisher.py")
FLOOD_S = 12.0
LOCKED_S = 8.0  # the database held by another writer meanwhile: the child's record writer falls far behind
STOP_WAIT_S = 5.0  # the console's wait; the child's own stop budget (receiver_child.STOP_S) is well inside it


def hold_write_lock(factory: sessionmaker[Session]) -> Session:
    """A session that keeps the feed record from being written until it is closed (another console writing)."""
    s = factory()
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("LOCK TABLE unit_status_events IN SHARE MODE"))
    else:
        s.execute(text("SELECT 1"))  # records.db begins every SQLite transaction IMMEDIATE: the write lock
    return s


def test_a_child_asked_to_stop_during_a_flood_ends_by_itself_and_stores_every_outcome_the_console_got(
        db, db_url, caplog):  # type: ignore[no-untyped-def]
    # Closing the console (or a shift change) mid-flood with the record writer far behind: the child must not make
    # the console wait for its whole backlog (nor be killed with its last writes), and every outcome the console
    # was told of is in the inbox; the status events not written are replayed from the cursor at the next start.
    flood = subprocess.Popen([sys.executable, str(FLOOD), "--rate", "20000"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert flood.stdout is not None
        _, updates, snapshot = flood.stdout.readline().split()
        fleet = small_fleet()
        state = MirrorFleetState(fleet)
        config = SubscriberConfig(feeds=[FeedEndpoint(publisher="ambulans", updates=updates, snapshot=snapshot)],
                                  insecure_lab=True, poll_interval_s=0.01)
        receiver = FeedReceiverProcess(config, state, fleet, database_url=db_url).start()
        told: list[int] = []  # case ids of the outcomes the console received

        def take_outcomes() -> None:
            while True:
                try:
                    told.append(receiver.outcomes.get_nowait().case_id)
                except queue.Empty:
                    return

        try:
            lock: Session | None = hold_write_lock(db)
            started = time.monotonic()
            while time.monotonic() - started < FLOOD_S:
                state.drain_changes()
                take_outcomes()
                if lock is not None and time.monotonic() - started > LOCKED_S:
                    lock.close()
                    lock = None
                time.sleep(0.05)
            assert receiver.writer_counters.get("backlog", 0) > 10_000, "no flood: the writer kept up"
            caplog.set_level(logging.ERROR, logger="dispatch.feed.receiver")
            receiver.stop(timeout=STOP_WAIT_S)
            take_outcomes()
        finally:
            if lock is not None:
                lock.close()
            receiver.stop()
    finally:
        assert flood.stdin is not None and flood.stdout is not None
        flood.stdin.close()
        flood.wait(10)
        flood.stdout.close()
    assert "stannade inte" not in caplog.text  # it ended by itself, not killed after the console's wait
    counters = receiver.writer_counters  # its last counters, sent after its writer stopped
    assert counters["backlog"] == 0 and counters["written"] > 0
    assert len(told) >= FLOOD_S * 2
    with db() as s:
        inboxed = set(s.scalars(select(FeedOutcomeInbox.case_id)))
        stored = s.scalar(select(func.count()).select_from(UnitStatusEvent))
    assert stored, "no status event stored"
    assert set(told) <= inboxed, f"outcomes the console got but the record lacks: {sorted(set(told) - inboxed)}"
