"""Ready-made start/stop services: the live feeds (subscriber + the feed record writer), and the same fed by
the simulator for `make run` and demos. Each has `start()`/`stop()` (the console's FeedBridge
starts and stops them) and exposes `state` (FleetState) and `outcomes` (a queue of OutcomeMessage).

Who persists: in a centre where many consoles share one PostgreSQL database, only one process
should write the feeds' status events (`persist_feed_events`, env LARMCENTRAL_PERSIST_FEED).
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.config import SubscriberConfig
from dispatch.feed.messages import OutcomeMessage
from dispatch.feed.persist import FeedRecordWriter
from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber
from resources.fleet import Fleet
from resources.settings import load_settings

if TYPE_CHECKING:
    from dispatch.feed.leader import Leadership

log = logging.getLogger("dispatch.feed")

PERSIST_ENV = "LARMCENTRAL_PERSIST_FEED"  # resources.settings.Settings.persist_feed


def persist_feed_events(database_url: str, environ: Mapping[str, str] | None = None) -> bool:
    """Should this process write the feeds' status events to the database at `database_url`?

    LARMCENTRAL_PERSIST_FEED=1 or 0 decides; unset, it is on for the embedded SQLite database
    (one console, one file) and off for PostgreSQL, where one process per centre persists.
    `environ` replaces the process environment (tests). Raises SettingsError (a ValueError, in Swedish,
    naming the variable) for any other value."""
    chosen = load_settings(environ).persist_feed
    return database_url.startswith("sqlite") if chosen is None else chosen


class FeedService:
    """Subscriber thread + the feed record writer (dispatch.feed.persist). Outcomes go to `on_outcome` if given,
    else to the bounded queue `outcomes` (dropped and counted in `outcomes_dropped` when nobody drains it).
    `is_leader` (None: always) says whether this process's writer stores the record; when it becomes the leader
    every feed asks its publisher again for what the record lacks. `leadership` (dispatch.feed.leader) is such an
    election that the service starts before the writer and stops, giving the lead up, after it."""

    def __init__(self, config: SubscriberConfig, state: FleetState | None = None, *, fleet: Fleet | None = None,
                 session_factory: sessionmaker[Session] | None = None,
                 on_outcome: Callable[[OutcomeMessage], None] | None = None, outcome_queue_size: int = 10_000,
                 outcomes: queue.Queue[OutcomeMessage] | None = None,
                 is_leader: Callable[[], bool] | None = None, leadership: Leadership | None = None):
        if leadership is not None:
            if is_leader is not None:
                raise ValueError("FeedService: ange is_leader eller leadership, inte båda")
            is_leader = leadership.is_leader
        self.leadership = leadership
        self.config = config
        self.state = state or FleetState(fleet, unit_stale_after=config.unit_stale_after_s,
                                         feed_stale_after=config.feed_stale_after_s)
        self.writer = (FeedRecordWriter(session_factory, is_leader=is_leader, on_lead=self._request_backfill)
                       if session_factory is not None else None)
        self.outcomes: queue.Queue[OutcomeMessage] = outcomes if outcomes is not None else queue.Queue(outcome_queue_size)
        self.outcomes_dropped = 0
        self._on_outcome = on_outcome
        self.subscriber: FeedSubscriber | None = None

    def _request_backfill(self) -> None:
        if self.subscriber is not None:
            self.subscriber.request_backfill()
        elif self.writer is not None:  # no feed yet: each asks from the cursors after its first snapshot
            self.writer.resume_cursors()

    def _outcome(self, msg: OutcomeMessage) -> None:
        if self._on_outcome is not None:
            self._on_outcome(msg)
            return
        try:
            self.outcomes.put_nowait(msg)
        except queue.Full:
            self.outcomes_dropped += 1
            log.error("utfallskön är full; utfall för ärende %s tappat", msg.case_id)

    def start(self) -> FeedService:
        if self.leadership is not None:
            self.leadership.start()
        if self.writer is not None:
            self.writer.start()
        writer = self.writer
        self.subscriber = FeedSubscriber(self.config, self.state, on_outcome=self._outcome,
                                         record_sink=writer.put if writer is not None else None,
                                         record_cursor=writer.cursor if writer is not None else None,
                                         record_resume=writer.resume_cursors if writer is not None else None)
        try:
            self.subscriber.start()
        except BaseException:
            if self.writer is not None:
                self.writer.stop()
            if self.leadership is not None:
                self.leadership.stop()
            raise
        return self

    def stop(self, writer_timeout: float = 10.0) -> None:
        """Stop the subscriber, then the writer (it writes what it holds for about half of `writer_timeout`)."""
        if self.subscriber is not None:
            self.subscriber.stop()
            self.subscriber = None
        if self.writer is not None:
            self.writer.stop(writer_timeout)
        if self.leadership is not None:
            self.leadership.stop()  # after the writer's last batch: the lead passes on at once

    @property
    def leading(self) -> bool | None:
        """Does this process store the record (None: no election, it always does when it has a writer)?"""
        return None if self.leadership is None else self.leadership.is_leader()

    @property
    def running(self) -> bool:
        return self.subscriber is not None and self.subscriber.running


class SimulatedFeeds:
    """The simulator on loopback (ephemeral ports) plus a FeedService subscribed to it.

    `assign(unit_id, case_id, lat, lon, priority)` and `recall(unit_id)` send orders to the
    simulated units (raise dispatch.simulator.SimulatorError with a Swedish message).
    """

    def __init__(self, fleet: Fleet | None = None, state: FleetState | None = None, *, time_scale: float = 5.0,
                 background_per_hour: float = 120.0, seed: int = 1,
                 session_factory: sessionmaker[Session] | None = None,
                 on_outcome: Callable[[OutcomeMessage], None] | None = None, **settings: Any):
        from dispatch.simulator import Simulator, SimulatorRunner

        sim = Simulator(fleet, seed=seed, background_per_hour=background_per_hour)
        self.runner = SimulatorRunner(sim, time_scale=time_scale)
        self.fleet = sim.fleet
        self.state = state or FleetState(self.fleet, unit_stale_after=settings.get("unit_stale_after_s", 120.0),
                                         feed_stale_after=settings.get("feed_stale_after_s", 5.0))
        self.outcomes: queue.Queue[OutcomeMessage] = queue.Queue(10_000)
        self._session_factory = session_factory
        self._on_outcome = on_outcome
        self._settings = settings
        self.service: FeedService | None = None

    def start(self) -> SimulatedFeeds:
        self.runner.start()
        try:
            config = self.runner.subscriber_config(**self._settings)
            self.service = FeedService(config, self.state, session_factory=self._session_factory,
                                       on_outcome=self._on_outcome, outcomes=self.outcomes).start()
        except BaseException:
            self.runner.stop()
            raise
        return self

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None
        self.runner.stop()

    def __enter__(self) -> SimulatedFeeds:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def assign(self, unit_id: str, case_id: int | None, lat: float, lon: float, priority: str = "2") -> None:
        self.runner.assign(unit_id, case_id, lat, lon, priority)

    def recall(self, unit_id: str) -> None:
        self.runner.recall(unit_id)
