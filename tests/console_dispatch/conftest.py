"""Fixtures for the dispatch workspace tests: the default fleet's board model, and a real feed on
loopback (FeedPublisher → FeedSubscriber thread → FleetState) behind a FeedBridge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import zmq

from console.dispatch.feed_bridge import FeedBridge
from console.fleet_model import FleetTableModel
from dispatch.feed.config import FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher
from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import default_palette


@pytest.fixture(autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    """Every test stops what it started: no feed, simulator, order or database thread survives it. (The database
    watchdog is one thread for the process's life, records.db: whichever test first opens a transaction starts it.)"""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive() and t.name != "db-watchdog"]
    for t in left:
        t.join(2.0)  # a thread told to stop may need a moment to return
    assert [t.name for t in left if t.is_alive()] == []


def make_fleet_model() -> FleetTableModel:
    geo = default_geography()
    return FleetTableModel.from_fleet(default_fleet(), default_palette(), {k.name: k.delregion for k in geo.kommuner})


@pytest.fixture
def fleet_model() -> FleetTableModel:
    return make_fleet_model()


@dataclass
class LiveFeed:
    publisher: FeedPublisher
    subscriber: FeedSubscriber
    state: FleetState
    model: FleetTableModel
    bridge: FeedBridge

    def pump(self) -> None:
        """What a publisher's loop does between updates: answer snapshot requests, send a heartbeat."""
        self.publisher.serve_snapshots()
        self.publisher.heartbeat()


@pytest.fixture
def live_feed(qtbot, fleet_model: FleetTableModel) -> Iterator[LiveFeed]:  # type: ignore[no-untyped-def]
    """One 'ambulans' feed on loopback, every ambulance published once, subscriber synced."""
    ctx = zmq.Context()
    pub = FeedPublisher("ambulans", context=ctx, seed=1)
    for u in default_fleet().units:
        if u.publisher == "ambulans":
            pub.set_state(u.id, "ledig_station", u.lat, u.lon)
    config = SubscriberConfig(feeds=[FeedEndpoint(publisher="ambulans", updates=pub.updates_endpoint,
                                                  snapshot=pub.snapshot_endpoint)],
                              insecure_lab=True, feed_stale_after_s=1.0, unit_stale_after_s=60.0,
                              poll_interval_s=0.01)
    state = FleetState(default_fleet(), unit_stale_after=config.unit_stale_after_s,
                       feed_stale_after=config.feed_stale_after_s)
    sub = FeedSubscriber(config, state, context=ctx)
    bridge = FeedBridge(state, fleet_model, [sub], interval_ms=50, health_every=1)
    live = LiveFeed(pub, sub, state, fleet_model, bridge)
    bridge.start()
    try:
        qtbot.waitUntil(lambda: (live.pump(), bool(state.feeds()) and state.feeds()[0].synced)[1], timeout=10000)
        yield live
    finally:
        bridge.stop()
        assert not sub.running
        pub.close()
        ctx.term()
