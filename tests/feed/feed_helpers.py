"""Helpers shared by the feed tests (a uniquely named module: `from conftest import ...` picked up
another directory's conftest when several test directories ran in one pytest call)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from dispatch.feed.config import FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher
from resources.fleet import Fleet, default_fleet


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


def lab_config(*pubs: FeedPublisher, **settings: object) -> SubscriberConfig:
    return SubscriberConfig(
        feeds=[FeedEndpoint(publisher=p.publisher, updates=p.updates_endpoint, snapshot=p.snapshot_endpoint)  # type: ignore[arg-type]
               for p in pubs],
        insecure_lab=True, **settings)  # type: ignore[arg-type]
