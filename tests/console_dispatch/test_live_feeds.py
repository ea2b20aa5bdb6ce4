"""The simulator as a child process (`python main.py simulate`) behind the bridge: the board
syncs from it, an order reaches the simulated unit, and stopping leaves no process or thread."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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


def test_the_demo_simulator_starts_on_other_ports_when_its_first_ones_are_taken(monkeypatch) -> None:
    """Another program holding a port the child picked makes it exit; the console tries fresh ports."""
    import socket

    from console.dispatch import live_feeds
    from console.dispatch.live_feeds import SimulatorProcess

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    taken = holder.getsockname()[1]
    holder.listen()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    free_base = free.getsockname()[1]
    free.close()
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
