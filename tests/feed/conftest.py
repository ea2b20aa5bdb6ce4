"""Fixtures for the feed tests: real ZeroMQ sockets on loopback (helpers: feed_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import zmq

from dispatch.feed.config import SubscriberConfig
from dispatch.feed.publisher import FeedPublisher
from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber


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
