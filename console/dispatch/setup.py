"""Building the dispatch workspace with its live fleet: one call for the shell.

    ws = build_dispatch_workspace(actor, executor, demo=True)
    ws.start()            # feeds, repaint timer, väntrummet refresh
    ...
    ws.shutdown()         # before the executor and the window go

Feeds: `demo=True` runs the simulator on loopback, in-process (default) or as a child process
(`simulator_process=True`, `python main.py simulate`); otherwise `config` (a
SubscriberConfig, e.g. from `dispatch.feed.config.load_subscriber_config`) names the real feeds;
`live_feeds` uses ready-made LiveFeeds (tests: a stepped simulator); with none of these the board
shows every unit as "Ingen kontakt". Outcomes on the feeds close their cases unless
`apply_outcomes=False` (console/dispatch/feed_outcomes.py).

Status events are persisted (unit_status_events, batched off the feed thread) to the executor's
database when `persist_events` says so; by default `dispatch.feed.service.persist_feed_events`
decides (env LARMCENTRAL_PERSIST_FEED; unset: on for SQLite, off for a shared PostgreSQL).
Ready-made `live_feeds` keep their own choice.

Where the feeds are received: LARMCENTRAL_FEED_RECEIVER=process (the default) runs the subscriber and the
record writer in a child process (dispatch.feed.receiver_link), for real feeds and for the demo's simulator
process; the in-process demo simulator (tests) and an in-memory database keep them on threads here.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from console.dispatch.case_panel import install_case_panel
from console.dispatch.close_case import install_close_case
from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.targets import WaitTargets
from console.dispatch.unit_alerts import install_unit_alerts
from console.dispatch.unit_status import install_unit_status
from console.dispatch.workspace import DispatchWorkspace
from console.fleet_model import FleetTableModel
from console.tasks import DbExecutor
from dispatch.feed.config import SubscriberConfig
from dispatch.feed.receiver_link import MirrorFleetState
from dispatch.feed.service import persist_feed_events
from dispatch.feed.state import FleetState
from records.actor import Actor
from resources.fleet import Fleet, default_fleet
from resources.geography import Geography, default_geography
from resources.palette import Palette, default_palette
from resources.settings import load_settings


def build_dispatch_workspace(actor: Actor, executor: DbExecutor, *, demo: bool = False,
                             config: SubscriberConfig | None = None, fleet: Fleet | None = None,
                             palette: Palette | None = None, geography: Geography | None = None,
                             time_scale: float = 4.0, targets: WaitTargets | None = None,
                             refresh_ms: int | None = None, simulator_process: bool = False,
                             live_feeds: LiveFeeds | None = None, apply_outcomes: bool = True,
                             persist_events: bool | None = None,
                             clock: Callable[[], datetime] | None = None) -> DispatchWorkspace:
    fleet = fleet or default_fleet()
    palette = palette or default_palette()
    geography = geography or default_geography()
    model = FleetTableModel.from_fleet(fleet, palette, {k.name: k.delregion for k in geography.kommuner})
    feeds: LiveFeeds | None = live_feeds
    if persist_events is None:
        persist_events = persist_feed_events(database_url_of(executor.factory))
    sessions = executor.factory if persist_events else None
    # Who alerts the units (docs/alert-protocol.md): the console that persists the feeds; in demo mode always, its
    # simulator being its own. On a shared PostgreSQL without demo, `feed serve` does.
    alerts = executor.factory if (persist_events or demo or simulator_process) else None
    own_process = (load_settings().feed_receiver == "process" and (config is not None or simulator_process)
                   and not (persist_events and in_memory(executor.factory)))
    kind = MirrorFleetState if own_process else FleetState
    if feeds is not None:
        state = feeds.state
    elif config is not None:
        state = kind(fleet, unit_stale_after=config.unit_stale_after_s, feed_stale_after=config.feed_stale_after_s)
        feeds = LiveFeeds(state, config, session_factory=sessions, fleet=fleet, alerts_factory=alerts)
    elif demo:
        make = LiveFeeds.demo_process if simulator_process else LiveFeeds.demo
        feeds = make(fleet, time_scale=time_scale, session_factory=sessions, state=kind(fleet), alerts_factory=alerts)
        state = feeds.state
    else:
        state = FleetState(fleet)
    bridge = FeedBridge(state, model, [feeds] if feeds else [], refresh_stale=feeds is None)
    ws = DispatchWorkspace(actor, executor, bridge, fleet=fleet, geography=geography, feeds=feeds,
                           targets=targets, refresh_ms=refresh_ms, apply_outcomes=apply_outcomes, clock=clock)
    install_unit_status(ws)  # the board's "Ändra status…" (console/dispatch/unit_status.py)
    install_close_case(ws)  # "Avsluta ärende…" with a structured outcome (console/dispatch/close_case.py)
    install_case_panel(ws)  # the whole selected case beside the recommendation (console/dispatch/case_panel.py)
    install_unit_alerts(ws)  # the units' alert states on their cases, and their alerts (console/dispatch/unit_alerts.py)
    return ws


def database_url_of(factory: sessionmaker[Session]) -> str:
    """The URL (password hidden) of the engine a session factory is bound to ("" if unbound)."""
    bind = factory.kw.get("bind")
    return "" if bind is None else bind.url.render_as_string(hide_password=True)


def in_memory(factory: sessionmaker[Session]) -> bool:
    """Is the factory's database an in-memory SQLite one (which no other process can open)?"""
    bind = factory.kw.get("bind")
    return bind is not None and bind.url.get_backend_name() == "sqlite" and bind.url.database in (None, "", ":memory:")


def freeze_startup_objects() -> None:
    """Move every object alive after start-up out of the cyclic collector's reach (gc.freeze).

    The feed threads allocate fast; each full collection would otherwise walk the whole loaded
    palette, fleet, ORM and Qt wrapper graph while holding the GIL, stalling the GUI for 100–350 ms
    (measured with bench/bench_gui.py). Call once, after the main window is built.
    """
    gc.collect()
    gc.freeze()


GUI_SWITCH_INTERVAL_S = 0.001


def favour_the_gui_thread() -> None:
    """Let a thread waiting for the GIL have it after 1 ms instead of CPython's 5 ms (sys.setswitchinterval).

    The console's worker threads (database, recommendation, feed link) run Python while the GUI thread waits for
    the GIL at every call into Python (a slot, a paint); each wait lasted up to the switch interval, and a repaint
    makes many. Measured with bench/bench_gui.py (its `before` console keeps CPython's 5 ms)."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
