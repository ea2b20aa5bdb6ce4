"""A feed service's problem (the feed process silent, restarting, given up) is told once in the banner, and when
it is over the console says the feeds are received again; the same problem coming back is told again."""

from __future__ import annotations

from typing import Any

from console.dispatch.feed_bridge import FeedBridge
from dispatch.feed.state import FleetState
from resources.fleet import default_fleet


class Troubled:
    problem: str | None = None

    def start(self) -> Any:
        return self

    def stop(self) -> None:
        pass


def test_a_problem_is_told_once_its_end_too_and_told_again_when_it_returns(qtbot, fleet_model) -> None:  # type: ignore[no-untyped-def]
    service = Troubled()
    bridge = FeedBridge(FleetState(default_fleet()), fleet_model, [service], health_every=1)
    told: list[tuple[str, str]] = []
    bridge.failed.connect(lambda text: told.append(("fel", text)))
    bridge.recovered.connect(lambda text: told.append(("ok", text)))
    bridge.start()
    try:
        for problem in (None, "Flödesprocessen svarar inte.", "Flödesprocessen svarar inte.", None, None,
                        "Flödesprocessen svarar inte."):
            service.problem = problem
            bridge.tick()
        assert told == [("fel", "Flödesprocessen svarar inte."), ("ok", "Flödena tas emot igen."),
                        ("fel", "Flödesprocessen svarar inte.")]
    finally:
        bridge.stop()
