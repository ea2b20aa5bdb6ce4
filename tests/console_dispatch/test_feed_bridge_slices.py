"""FeedBridge's slices under a flood that outruns them: the board keeps taking the newest changes, and the map
and the recommendation (units_changed) still hear at least once a tick instead of waiting for a quiet moment."""

from __future__ import annotations

from console.dispatch.feed_bridge import FeedBridge
from dispatch.feed.state import FleetState
from resources.fleet import default_fleet
from resources.vocabulary import UnitStatus as S
from tests.console_dispatch.test_recommendation_async import Report


def test_units_changed_is_not_starved_when_changes_outrun_the_slices(qtbot, fleet_model) -> None:  # type: ignore[no-untyped-def]
    fleet = default_fleet()
    state = FleetState(fleet)
    bridge = FeedBridge(state, fleet_model, slice_rows=100)
    heard: list[set[str]] = []
    told: list[int] = []
    bridge.units_changed.connect(heard.append)
    fleet_model.dataChanged.connect(lambda *_: told.append(1))
    statuses = (S.ON_SCENE, S.EN_ROUTE)
    for k in range(4):  # every tick the whole fleet changes again; between ticks only two slices fit
        state.apply([(Report(u.id, statuses[k % 2], u.lat, u.lon, None, float(k)), float(k)) for u in fleet.units])
        bridge.tick()
        bridge.apply_slice()
        bridge.apply_slice()
    assert told, "the board was never told of a change during the flood"
    # In a flood the map and the recommendation hear half a paint interval after the board (another paint event).
    qtbot.waitUntil(lambda: bool(heard), timeout=3000)
    assert all(h for h in heard) and len(heard) <= 4
    bridge.stop()
