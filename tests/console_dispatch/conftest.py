"""Fixtures for the dispatch workspace tests: the default fleet's board model and a FleetState
driven by a fake clock (the real FleetState, so staleness follows the feed layer's rules)."""

from __future__ import annotations

import pytest

from console.fleet_model import FleetTableModel
from dispatch.feed.state import FleetState
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import default_palette


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fleet_model() -> FleetTableModel:
    geo = default_geography()
    return FleetTableModel.from_fleet(default_fleet(), default_palette(), {k.name: k.delregion for k in geo.kommuner})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fleet_state(clock: FakeClock) -> FleetState:
    return FleetState(default_fleet(), unit_stale_after=60.0, feed_stale_after=5.0, clock=clock)
