"""The simulator as a child process (`python main.py simulate`) behind the bridge: the board
syncs from it, an order reaches the simulated unit, and stopping leaves no process or thread."""

from __future__ import annotations

import pytest

from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.live_feeds import LiveFeeds
from resources.fleet import default_fleet
from resources.vocabulary import UnitStatus as S


@pytest.mark.zmq
def test_simulator_process_feeds_the_board_and_takes_orders(qtbot, fleet_model) -> None:
    feeds = LiveFeeds.demo_process(default_fleet(), time_scale=60.0)
    bridge = FeedBridge(feeds.state, fleet_model, [feeds], interval_ms=50)
    bridge.start()
    proc = feeds.simulator.proc
    try:
        qtbot.waitUntil(lambda: sum(not r.stale for r in fleet_model.rows()) > 700, timeout=20000)
        unit = next(r for r in fleet_model.rows() if r.type_code == "AMBULANS" and r.status is S.AVAILABLE_AT_STATION)
        feeds.tell_assigned(unit.id, 99, unit.lat + 0.05, unit.lon + 0.05, "1").result(10)
        qtbot.waitUntil(lambda: unit.case_id == 99 and unit.status in (S.ALERTED, S.EN_ROUTE, S.ON_SCENE),
                        timeout=20000)
    finally:
        bridge.stop()
    assert proc.poll() is not None and not feeds.running
