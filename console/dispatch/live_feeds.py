"""The services behind the live fleet: the FeedSubscriber thread and, in demo mode, the simulator.

`LiveFeeds` is what FeedBridge starts and stops. In demo mode the simulator runs in-process on its
own thread, publishing the four feeds on loopback; the subscriber connects to the endpoints it
bound. Orders to the simulator (assign, recall) run on a one-thread executor so the GUI never
waits for the simulator's tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dispatch.feed.config import SubscriberConfig
from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber
from dispatch.simulator.model import Simulator
from dispatch.simulator.runner import SimulatorRunner
from resources.fleet import Fleet

log = logging.getLogger("larmcentral.console.feeds")


class LiveFeeds:
    """Start: simulator (demo only), then the subscriber. Stop: the reverse; no thread is left."""

    def __init__(self, state: FleetState, config: SubscriberConfig | None = None, *,
                 simulator: SimulatorRunner | None = None, subscriber_settings: dict[str, Any] | None = None):
        if config is None and simulator is None:
            raise ValueError("ange en flödeskonfiguration eller en simulator")
        self.state = state
        self.config = config
        self.simulator = simulator
        self.subscriber_settings = subscriber_settings or {}
        self.subscriber: FeedSubscriber | None = None
        self._orders: ThreadPoolExecutor | None = None

    @classmethod
    def demo(cls, fleet: Fleet, *, time_scale: float = 4.0, state: FleetState | None = None,
             **subscriber_settings: Any) -> LiveFeeds:
        """The default fleet simulated on loopback (time runs `time_scale` times faster)."""
        runner = SimulatorRunner(Simulator(fleet), time_scale=time_scale)
        return cls(state or FleetState(fleet), simulator=runner, subscriber_settings=subscriber_settings)

    def start(self) -> LiveFeeds:
        if self.simulator is not None:
            self.simulator.start()
            self._orders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-orders")
        config = self.config or self.simulator.subscriber_config(**self.subscriber_settings)  # type: ignore[union-attr]
        try:
            self.subscriber = FeedSubscriber(config, self.state).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.subscriber is not None:
            self.subscriber.stop()
            self.subscriber = None
        if self._orders is not None:
            self._orders.shutdown(wait=True, cancel_futures=True)
            self._orders = None
        if self.simulator is not None:
            self.simulator.stop()

    @property
    def running(self) -> bool:
        return self.subscriber is not None and self.subscriber.running

    # --- orders to the simulator (demo mode) --------------------------------------------------------
    def order(self, fn: Callable[[SimulatorRunner], Any]) -> Future[Any] | None:
        """Run `fn(simulator)` off the GUI thread; None when there is no simulator."""
        if self.simulator is None or self._orders is None:
            return None
        sim = self.simulator
        return self._orders.submit(fn, sim)

    def tell_assigned(self, unit_id: str, case_id: int, lat: float, lon: float, priority: str) -> Future[Any] | None:
        return self.order(lambda sim: sim.assign(unit_id, case_id, lat, lon, priority))

    def tell_recalled(self, unit_id: str) -> Future[Any] | None:
        return self.order(lambda sim: sim.recall(unit_id))
