"""The simulator as a child process (`python main.py simulate`) behind the bridge: the board
syncs from it, an order reaches the simulated unit, and stopping leaves no process or thread."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.live_feeds import LiveFeeds
from console.dispatch.setup import build_dispatch_workspace
from console.tasks import DbExecutor
from dispatch.feed.receiver_link import MirrorFleetState
from dispatch.feed.state import FleetState
from records.db import open_database
from records.models import UnitStatusEvent
from resources.fleet import default_fleet
from resources.vocabulary import Role
from resources.vocabulary import UnitStatus as S
from tests.console_dispatch.test_recommendation_async import Report


@pytest.mark.zmq
def test_simulator_process_feeds_the_board_and_takes_orders(qtbot, fleet_model) -> None:
    feeds = LiveFeeds.demo_process(default_fleet(), time_scale=60.0)
    bridge = FeedBridge(feeds.state, fleet_model, [feeds], interval_ms=50)
    bridge.start()
    proc = feeds.simulator.proc
    try:
        qtbot.waitUntil(lambda: sum(not r.stale for r in fleet_model.rows()) > 700, timeout=20000)
        unit = next(r for r in fleet_model.rows() if r.type_code == "AMBULANS" and r.status is S.AVAILABLE_AT_STATION)
        feeds.tell_status(unit.id, S.OFF_DUTY).result(10)  # assignments reach it as alerts (tests/alerts)
        qtbot.waitUntil(lambda: unit.status is S.OFF_DUTY, timeout=20000)
    finally:
        bridge.stop()
    assert proc.poll() is not None and not feeds.running


PARENT = """
import os, sys, time
sys.path.insert(0, {root!r})
from console.dispatch.live_feeds import SimulatorProcess
sim = SimulatorProcess(time_scale=1.0).start()
print(sim.proc.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.zmq
def test_simulator_child_does_not_outlive_a_crashed_console(tmp_path) -> None:
    """The console is killed (SIGKILL: no clean-up at all); its simulator child ends by itself."""
    root = str(Path(__file__).resolve().parents[2])
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(root=root)], stdout=subprocess.PIPE, cwd=root)
    try:
        line = parent.stdout.readline()
        assert line.strip().isdigit(), "the simulator child did not start"
        child = int(line)
        assert _alive(child)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()


def _nine_free_ports() -> int:
    """A base port below the ephemeral range (as the console picks them) whose nine ports are all free now."""
    import random
    import socket

    for _ in range(200):
        base = random.randrange(20000, 32000, 10)
        probes = []
        try:
            for port in range(base, base + 9):
                s = socket.socket()
                probes.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in probes:
                s.close()
    raise AssertionError("no nine free ports found")


def test_the_demo_simulator_starts_on_other_ports_when_its_first_ones_are_taken(monkeypatch) -> None:
    """Another program holding a port the child picked makes it exit; the console tries fresh ports."""
    import socket

    from console.dispatch import live_feeds
    from console.dispatch.live_feeds import SimulatorProcess

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    taken = holder.getsockname()[1]
    holder.listen()
    free_base = _nine_free_ports()
    bases = iter([taken, free_base])

    class Picks:
        def randrange(self, *_: object) -> int:
            return next(bases)

    monkeypatch.setattr(live_feeds.random, "Random", Picks)
    sim = SimulatorProcess(time_scale=1.0)
    try:
        sim.start()
        assert sim.client is not None and sim.client.endpoint.endswith(f":{free_base + 8}")
    finally:
        sim.stop()
        holder.close()


@pytest.mark.zmq
def test_the_console_receives_the_feeds_in_a_process_of_its_own(qtbot, tmp_path, make_actor) -> None:
    """What `make run` builds: the simulator and the feed receiver (subscriber and record writer) are child
    processes; this process holds no feed thread and still shows every unit and stores their status events."""
    engine, factory = open_database(f"sqlite:///{tmp_path / 'konsol.sqlite3'}")
    executor = DbExecutor(factory)
    ws = build_dispatch_workspace(make_actor(factory, "dirigent", Role.DISPATCHER), executor, demo=True,
                                  simulator_process=True, time_scale=60.0)
    assert isinstance(ws.bridge.state, MirrorFleetState)
    ws.start()
    try:
        receiver = ws.feeds.receiver
        assert receiver is not None and receiver.proc is not None and receiver.proc.pid != os.getpid()
        child = receiver.proc
        qtbot.waitUntil(lambda: sum(not r.stale for r in ws.bridge.model.rows()) > 700, timeout=30000)
        assert not [t.name for t in threading.enumerate() if t.name.startswith("feed-")]

        def stored() -> int:
            with factory() as s:
                return s.scalar(select(func.count()).select_from(UnitStatusEvent)) or 0

        qtbot.waitUntil(lambda: stored() > 0, timeout=20000)
        qtbot.waitUntil(lambda: bool(ws.feeds.writer.counters()["publishers"]), timeout=10000)
    finally:
        ws.shutdown()
        executor.shutdown()
        engine.dispose()
    assert child.poll() is not None and not ws.feeds.running


def test_hundreds_of_changed_units_reach_the_board_in_slices(qtbot, fleet_model) -> None:
    """A flood changes every unit between two ticks: the board takes them a slice per pass of the event loop
    (each pass short), and the map and recommendation hear once, after the last slice, about all of them."""
    fleet = default_fleet()
    state = FleetState(fleet)
    bridge = FeedBridge(state, fleet_model, slice_rows=100)
    heard: list[set[str]] = []
    bridge.units_changed.connect(heard.append)
    state.apply([(Report(u.id, S.ON_SCENE, u.lat, u.lon, None, 1.0), 1.0) for u in fleet.units])
    assert bridge.tick() == 100 and heard == []
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard == [{u.id for u in fleet.units}]
    assert all(r.status is S.ON_SCENE for r in fleet_model.rows())
    assert bridge.rows_applied == len(fleet.units)


def test_a_flood_is_shown_at_most_every_paint_interval_a_trickle_at_once(qtbot, fleet_model) -> None:
    """More than `flood_rows` units changed in a tick: the board's views and the map are told once per
    `flood_paint_ms`, not per slice, and half an interval apart (two short paints, not one as long as both); a few
    changed units are shown in the same tick."""
    fleet = default_fleet()
    state = FleetState(fleet)
    bridge = FeedBridge(state, fleet_model, slice_rows=100, flood_rows=200, flood_paint_ms=2000)
    told: list[int] = []
    heard: list[set[str]] = []
    fleet_model.dataChanged.connect(lambda *_: told.append(1))
    bridge.units_changed.connect(heard.append)
    few = fleet.units[:3]
    state.apply([(Report(u.id, S.EN_ROUTE, u.lat, u.lon, None, 1.0), 1.0) for u in few])
    bridge.tick()
    assert told == [1] and heard == [{u.id for u in few}]  # shown at once
    told.clear(), heard.clear()
    state.apply([(Report(u.id, S.ON_SCENE, u.lat, u.lon, None, 1.0), 1.0) for u in fleet.units])
    bridge.tick()
    qtbot.waitUntil(lambda: not bridge._pending, timeout=5000)  # every slice applied to the model...
    assert all(r.status is S.ON_SCENE for r in fleet_model.rows()) and told == [] and heard == []
    qtbot.waitUntil(lambda: bool(told), timeout=5000)  # ...and told to the board's views once, at the paint interval
    assert heard == []  # the map is repainted in another pass of the event loop, not in the board's paint event
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert len(told) == 1 and heard == [{u.id for u in fleet.units}]


def test_a_flood_is_taken_in_at_the_tick_before_its_paint_not_at_every_tick(qtbot, fleet_model) -> None:
    """Between two paints of a flood the state coalesces the changes: the ticks far from the next paint take nothing
    in (each take was the whole fleet, applied again and again before anyone saw it); the tick before the paint takes
    all of them, the newest, and the flood's end is shown at once as before."""
    fleet = default_fleet()
    state = FleetState(fleet)
    bridge = FeedBridge(state, fleet_model, slice_rows=1000, flood_rows=200, flood_paint_ms=1000)
    state.apply([(Report(u.id, S.ON_SCENE, u.lat, u.lon, None, 1.0), 1.0) for u in fleet.units])
    bridge.tick()  # a flood: applied, and shown (nothing shown for a while)
    assert all(r.status is S.ON_SCENE for r in fleet_model.rows()) and bridge.rows_applied == len(fleet.units)
    state.apply([(Report(u.id, S.EN_ROUTE, u.lat, u.lon, None, 2.0), 2.0) for u in fleet.units])
    assert bridge.tick() == 0 and bridge.tick() == 0  # the next paint is most of a second away: left in the state
    assert all(r.status is S.ON_SCENE for r in fleet_model.rows()) and bridge.rows_applied == len(fleet.units)
    state.apply([(Report(u.id, S.ON_SCENE, u.lat, u.lon, None, 3.0), 3.0) for u in fleet.units[:5]])
    bridge._last_shown -= 0.95  # the next paint is due within this tick's interval
    assert bridge.tick() == len(fleet.units)  # every unit, once, as it is now
    rows = fleet_model.rows()
    assert [r.status for r in rows[:5]] == [S.ON_SCENE] * 5 and all(r.status is S.EN_ROUTE for r in rows[5:])
    state.apply([(Report(u.id, S.AVAILABLE_OUT, u.lat, u.lon, None, 4.0), 4.0) for u in fleet.units[:3]])
    bridge._last_shown -= 1.0
    bridge.tick()  # the flood is over: a few units, taken in and shown at once
    assert not bridge._flood and [r.status for r in fleet_model.rows()[:3]] == [S.AVAILABLE_OUT] * 3
    assert bridge.rows_applied == 2 * len(fleet.units) + 3
