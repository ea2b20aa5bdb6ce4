"""Helpers for the feed tests: real ZeroMQ sockets on loopback, polled waits with deadlines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import zmq

from dispatch.feed.config import FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher
from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber
from resources.fleet import Fleet, default_fleet

pytestmark = pytest.mark.zmq


def small_fleet() -> Fleet:
    """A handful of units of each publisher from the default fleet."""
    units = []
    for publisher in ("ambulans", "mobila_team", "skanetrafiken", "raddningstjanst"):
        units += [u for u in default_fleet().units if u.publisher == publisher][:6]
    return Fleet(units=tuple(units))


def unit_ids(publisher: str, fleet: Fleet | None = None) -> list[str]:
    return [u.id for u in (fleet or small_fleet()).units if u.publisher == publisher]


def wait_until(condition: Callable[[], bool], *, pumps: tuple[FeedPublisher, ...] = (), timeout: float = 10.0,
               heartbeat: bool = True, what: str = "condition") -> None:
    """Poll `condition` until true; meanwhile serve the publishers' snapshot requests and send
    heartbeats every 50 ms. Fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    next_beat = 0.0
    while True:
        for pub in pumps:
            pub.serve_snapshots()
        now = time.monotonic()
        if heartbeat and now >= next_beat:
            next_beat = now + 0.05
            for pub in pumps:
                pub.heartbeat()
        if condition():
            return
        if now > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def zctx() -> Iterator[zmq.Context]:  # type: ignore[type-arg]
    ctx = zmq.Context()
    yield ctx
    ctx.destroy(linger=0)


@pytest.fixture
def make_publisher(zctx: zmq.Context) -> Iterator[Callable[..., FeedPublisher]]:  # type: ignore[type-arg]
    made: list[FeedPublisher] = []

    def _make(publisher: str = "ambulans", **kwargs: object) -> FeedPublisher:
        pub = FeedPublisher(publisher, context=zctx, seed=7, **kwargs)  # type: ignore[arg-type]
        made.append(pub)
        return pub

    yield _make
    for pub in made:
        pub.close()


def lab_config(*pubs: FeedPublisher, **settings: object) -> SubscriberConfig:
    return SubscriberConfig(
        feeds=[FeedEndpoint(publisher=p.publisher, updates=p.updates_endpoint, snapshot=p.snapshot_endpoint)  # type: ignore[arg-type]
               for p in pubs],
        insecure_lab=True, **settings)  # type: ignore[arg-type]


@pytest.fixture
def make_subscriber() -> Iterator[Callable[..., FeedSubscriber]]:
    started: list[FeedSubscriber] = []

    def _make(config: SubscriberConfig, state: FleetState, **kwargs: object) -> FeedSubscriber:
        sub = FeedSubscriber(config, state, **kwargs)  # type: ignore[arg-type]
        started.append(sub)
        return sub.start()

    yield _make
    for sub in started:
        sub.stop()
        assert not sub.running
