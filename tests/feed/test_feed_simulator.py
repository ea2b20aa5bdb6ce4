"""The simulator: status cycle, outcomes, return to station (fake clock), and the live runner."""

from __future__ import annotations

import pytest
from feed_helpers import small_fleet, wait_until

from dispatch.feed.state import FleetState
from dispatch.feed.subscriber import FeedSubscriber
from dispatch.simulator import OutcomeEvent, Simulator, SimulatorClient, SimulatorError, SimulatorRunner, StatusEvent
from resources.vocabulary import UnitStatus


def run_until(sim: Simulator, unit_id: str, status: UnitStatus, limit_s: float = 6 * 3600):  # type: ignore[no-untyped-def]
    events = []
    t = 0.0
    while sim.units[unit_id].status is not status:
        events += sim.step(5.0)
        t += 5.0
        assert t < limit_s, f"{unit_id} never reached {status}"
    return events


def ambulance(sim: Simulator) -> str:
    return next(uid for uid, su in sim.units.items() if su.unit.type == "AMBULANS" and su.status.is_available)


def test_assignment_goes_through_the_cycle_with_transport(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sim = Simulator(small_fleet(), seed=3, background_per_hour=0, p_transport=1.0, follow_service_hours=False)
    uid = ambulance(sim)
    home = (sim.units[uid].lat, sim.units[uid].lon)
    [alert] = sim.assign(uid, 77, home[0] + 0.1, home[1], "1")
    assert alert.status is UnitStatus.ALERTED and alert.case_id == 77
    events = run_until(sim, uid, UnitStatus.AVAILABLE_AT_STATION)
    statuses = [e.status for e in events if isinstance(e, StatusEvent) and e.unit_id == uid]
    assert statuses == [UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING, UnitStatus.AT_HOSPITAL,
                        UnitStatus.AVAILABLE_OUT, UnitStatus.AVAILABLE_AT_STATION]
    [outcome] = [e for e in events if isinstance(e, OutcomeEvent)]
    assert (outcome.case_id, outcome.code) == (77, "transported_ed") and outcome.destination.startswith("AKM_")
    assert (sim.units[uid].lat, sim.units[uid].lon) == home


def test_left_at_home_and_travel_time_follows_speed() -> None:
    sim = Simulator(small_fleet(), seed=4, background_per_hour=0, p_transport=0.0, follow_service_hours=False)
    uid = ambulance(sim)
    su = sim.units[uid]
    target = (su.lat + 0.2, su.lon)  # about 22 km north
    sim.assign(uid, 5, *target, priority="2")
    run_until(sim, uid, UnitStatus.EN_ROUTE)
    t0 = sim.time
    run_until(sim, uid, UnitStatus.ON_SCENE)
    speed = su.rtype.speed
    expected_s = 22.2 / (speed.kmh / speed.road_factor) * 3600
    assert abs((sim.time - t0) - expected_s) < 0.05 * expected_s
    events = run_until(sim, uid, UnitStatus.AVAILABLE_AT_STATION)
    codes = [e.code for e in events if isinstance(e, OutcomeEvent)]
    assert codes in (["treated_left_home"], ["left_home_advice"])


def test_orders_are_checked() -> None:
    sim = Simulator(small_fleet(), background_per_hour=0, follow_service_hours=False)
    uid = ambulance(sim)
    with pytest.raises(SimulatorError, match="okänd enhet"):
        sim.assign("NOPE", 1, 55.6, 13.0)
    with pytest.raises(SimulatorError, match="utanför Skåne"):
        sim.assign(uid, 1, 59.3, 18.0)
    sim.assign(uid, 1, 55.7, 13.2)
    with pytest.raises(SimulatorError, match="inte ledig"):
        sim.assign(uid, 2, 55.7, 13.2)
    [back] = sim.recall(uid)
    assert back.status.is_available and sim.units[uid].case_id is None


def test_background_churn_keeps_the_board_alive() -> None:
    sim = Simulator(small_fleet(), seed=2, background_per_hour=3600, follow_service_hours=False)
    events = []
    for _ in range(60):
        events += sim.step(10.0)
    assert any(isinstance(e, StatusEvent) and e.status is UnitStatus.ALERTED for e in events)
    assert not any(isinstance(e, OutcomeEvent) for e in events), "made-up missions have no case and no outcome"


def test_runner_publishes_and_takes_orders_over_the_command_socket() -> None:
    fleet = small_fleet()
    sim = Simulator(fleet, seed=1, background_per_hour=0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=600, command_endpoint="tcp://127.0.0.1:*", heartbeat_interval=0.1)
    state = FleetState(fleet)
    outcomes = []
    with runner:
        sub = FeedSubscriber(runner.subscriber_config(), state, on_outcome=outcomes.append)
        with sub:
            wait_until(lambda: all(f.synced for f in state.feeds()) and len(state.feeds()) == 4, what="four feeds")
            assert not any(v.stale for v in state.units())
            uid = ambulance(sim)
            # Assignments reach the units as alerts (docs/alert-protocol.md; tests/alerts); here an in-process order.
            runner.assign(uid, 99, sim.units[uid].lat + 0.05, sim.units[uid].lon, "1")
            wait_until(lambda: state.unit(uid).case_id == 99, what="assignment visible in the fleet state")
            wait_until(lambda: any(o.case_id == 99 for o in outcomes), timeout=30, what="outcome on the feed")
            wait_until(lambda: state.unit(uid).status is UnitStatus.AVAILABLE_AT_STATION, timeout=30,
                       what="back at station")
            client = SimulatorClient(runner.bound_command_endpoint)
            with pytest.raises(SimulatorError, match="okänd enhet"):
                client.set_status("NOPE", "ej_i_tjanst")
            with pytest.raises(SimulatorError, match="ogiltigt kommando"):  # no private channel for assignments
                client.send({"cmd": "assign", "unit_id": uid, "case_id": 1, "lat": 55.6, "lon": 13.0})
            runner.fault("ambulans", restart=True)
            wait_until(lambda: {f.publisher: f for f in state.feeds()}["ambulans"].restarts == 1,
                       what="restart detected")
    assert not runner.running


def test_runner_misbehaviour_switches_are_survived() -> None:
    fleet = small_fleet()
    sim = Simulator(fleet, seed=1, background_per_hour=0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=1, heartbeat_interval=0.05)
    state = FleetState(fleet, unit_stale_after=60, feed_stale_after=0.3)
    with runner, FeedSubscriber(runner.subscriber_config(), state):
        feeds = lambda: {f.publisher: f for f in state.feeds()}  # noqa: E731
        wait_until(lambda: feeds()["ambulans"].synced and feeds()["ambulans"].messages > 0, what="sync")
        runner.fault("ambulans", drop_rate=0.3, flood_rate=3000, garbage=2)
        wait_until(lambda: feeds()["ambulans"].gaps >= 3, what="gaps from dropped messages")
        runner.fault("ambulans", drop_rate=0.0, flood_rate=0)
        published = lambda: runner.call(lambda: runner.publishers["ambulans"].seq)  # noqa: E731
        wait_until(lambda: feeds()["ambulans"].seq == published(), what="caught up after the faults")
        amb = [uid for uid, su in sim.units.items() if su.unit.publisher == "ambulans"]
        expected = runner.call(lambda: {uid: (sim.units[uid].status, round(sim.units[uid].lat, 5)) for uid in amb})
        assert {v.unit_id: (v.status, v.lat) for v in state.units_by_id(amb)} == expected
        f = feeds()["ambulans"]
        per_garbage = len(runner.call(lambda: runner.publishers["ambulans"].send_garbage("AMB-001")))
        wait_until(lambda: feeds()["ambulans"].rejected == 3 * per_garbage, what="the third garbage burst counted")
        f = feeds()["ambulans"]
        assert f.resyncs >= f.gaps >= 3
        runner.fault("ambulans", restart=True, same_epoch=True)  # a publisher bug: numbering restarts
        epoch = f.epoch
        wait_until(lambda: feeds()["ambulans"].resets == 1 and feeds()["ambulans"].synced, what="same-epoch reset")
        assert feeds()["ambulans"].epoch == epoch and feeds()["ambulans"].restarts >= 1
        runner.fault("ambulans", silent=True)
        wait_until(lambda: all(v.stale for v in state.units_by_id(amb)), what="silent feed goes stale")
        assert not any(v.stale for v in state.units() if v.publisher == "mobila_team")


def test_a_stopped_clock_moves_only_when_advanced() -> None:
    fleet = small_fleet()
    sim = Simulator(fleet, seed=1, background_per_hour=0, p_transport=0.0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=0.0, heartbeat_interval=0.1)
    with pytest.raises(SimulatorError, match="inte startad"):
        runner.advance(1.0)
    state = FleetState(fleet)
    with runner, FeedSubscriber(runner.subscriber_config(), state):
        wait_until(lambda: len(state.feeds()) == 4 and all(f.synced for f in state.feeds()), what="four feeds")
        uid = ambulance(sim)
        start = runner.call(lambda: (sim.units[uid].lat, sim.units[uid].lon))
        runner.assign(uid, 7, start[0] + 0.1, start[1], "1")
        wait_until(lambda: state.unit(uid).status is UnitStatus.ALERTED, what="alerted")
        assert runner.call(lambda: (sim.time, sim.units[uid].status)) == (0.0, UnitStatus.ALERTED)
        seen = [UnitStatus.ALERTED]
        while seen[-1] is not UnitStatus.AVAILABLE_AT_STATION:
            runner.advance(60.0)
            want = runner.call(lambda: (sim.units[uid].status, round(sim.units[uid].lat, 5)))
            wait_until(lambda want=want: (state.unit(uid).status, state.unit(uid).lat) == want, what=str(want))
            if want[0] is not seen[-1]:
                seen.append(want[0])
            assert len(seen) < 10 and runner.call(lambda: sim.time) < 6 * 3600
        assert seen[:4] == [UnitStatus.ALERTED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE_OUT]
        with pytest.raises(ValueError, match="bakåt"):
            runner.advance(-1.0)


def test_simulate_on_a_taken_port_says_so_and_exits_instead_of_hanging() -> None:
    """A publisher socket left open after its bind failed made terminating the ZeroMQ context wait for ever."""
    import socket
    import subprocess
    import sys
    from pathlib import Path

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "main.py", "simulate", "--base-port", str(port), "--duration", "1"],
                              cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    finally:
        holder.close()
    assert done.returncode == 1
    assert "Kunde inte starta simulatorn" in done.stderr and str(port) in done.stderr
