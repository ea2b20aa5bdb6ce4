"""The dispatch workspace's GUI paths as they were before the stall work of issue 15 (the fleet board always through
its filter proxy; väntrummet's columns measured and refitted at every dataChanged; a flood taken in at every
tick of the feed bridge, not only at the tick before its paint; the map framed again at every new ★ unit; CPython's
5 ms GIL switch interval), for bench_gui.py's `before`
console: run beside the shipped console on the same flood in the same run, their figures are an honest ratio.
`apply()` patches the classes before the workspace is built."""

from __future__ import annotations


def apply() -> None:
    from console.dispatch import setup
    from console.dispatch.feed_bridge import FeedBridge
    from console.dispatch.fleet_board import FleetBoard
    from console.dispatch.map_view import SkaneMap
    from console.dispatch.waiting_room import ColumnFit

    def route_through_proxy(self: FleetBoard) -> None:
        self._show_model(self.proxy)  # the proxy shown whether or not a filter or a sort is in use

    FleetBoard._route = route_through_proxy  # type: ignore[method-assign]
    ColumnFit._fit_when_needed = ColumnFit.fit  # type: ignore[method-assign]  # every change: a whole fit
    FeedBridge._between_flood_paints = lambda self: False  # type: ignore[method-assign]  # drain at every tick
    SkaneMap._still_framed = lambda self: False  # type: ignore[method-assign]  # framed again at every change
    setup.favour_the_gui_thread = lambda: None  # CPython's switch interval
