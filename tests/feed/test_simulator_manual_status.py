"""A status the dispatcher sets by hand reaches the simulator (demo mode), which goes on from there: out of service
stays out (service hours do not undo it), a radioed "på plats" puts the unit at the patient, illegal changes and
"larmad" are refused in Swedish."""

from __future__ import annotations

import pytest
from feed_helpers import small_fleet

from dispatch.simulator import OutcomeEvent, Simulator, SimulatorClient, SimulatorError, SimulatorRunner, StatusEvent
from resources.vocabulary import UnitStatus as S


def _sim() -> Simulator:
    return Simulator(small_fleet(), seed=3, background_per_hour=0, p_transport=1.0)


def _ambulance(sim: Simulator) -> str:
    return next(uid for uid, su in sim.units.items() if su.unit.type == "AMBULANS" and su.status.is_available)


def test_out_of_service_by_hand_stays_out() -> None:
    sim = _sim()
    uid = _ambulance(sim)
    [ev] = sim.set_status(uid, S.OFF_DUTY)
    assert isinstance(ev, StatusEvent) and ev.status is S.OFF_DUTY
    for _ in range(10):
        sim.step(60.0)  # service-hour checks run each simulated minute
    assert sim.units[uid].status is S.OFF_DUTY
    with pytest.raises(SimulatorError, match="inte ledig"):
        sim.assign(uid, 1, sim.units[uid].lat + 0.05, sim.units[uid].lon)
    sim.set_status(uid, S.AVAILABLE_AT_STATION)
    sim.step(60.0)
    assert sim.units[uid].status is S.AVAILABLE_AT_STATION


def test_radioed_on_scene_and_transport_move_the_mission_on() -> None:
    sim = _sim()
    uid = _ambulance(sim)
    su = sim.units[uid]
    target = (su.lat + 0.1, su.lon)
    sim.assign(uid, 7, *target, priority="1")
    assert [e.status for e in sim.set_status(uid, S.EN_ROUTE)] == [S.EN_ROUTE]
    assert [e.status for e in sim.set_status(uid, S.ON_SCENE)] == [S.ON_SCENE]
    assert (su.lat, su.lon) == target and su.case_id == 7
    [transport] = sim.set_status(uid, S.TRANSPORTING)
    assert transport.status is S.TRANSPORTING and su.destination is not None
    events = sim.set_status(uid, S.AT_HOSPITAL)
    assert [e.status for e in events if isinstance(e, StatusEvent)] == [S.AT_HOSPITAL]
    assert [(e.case_id, e.code) for e in events if isinstance(e, OutcomeEvent)] == [(7, "transported_ed")]


def test_illegal_and_alerted_are_refused() -> None:
    sim = _sim()
    uid = _ambulance(sim)
    with pytest.raises(SimulatorError, match="Otillåten statusändring Ledig på station → På plats"):
        sim.set_status(uid, S.ON_SCENE)
    with pytest.raises(SimulatorError, match="dirigering"):
        sim.set_status(uid, S.ALERTED)
    assert sim.units[uid].status is S.AVAILABLE_AT_STATION


def test_the_status_order_over_the_command_socket() -> None:
    """What the console's simulator process is sent (SimulatorProcess.set_status → SimulatorClient)."""
    sim = Simulator(small_fleet(), seed=1, background_per_hour=0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=0, command_endpoint="tcp://127.0.0.1:*")
    with runner:
        uid = _ambulance(sim)
        client = SimulatorClient(runner.bound_command_endpoint)
        client.set_status(uid, S.OFF_DUTY.value)
        assert runner.call(lambda: sim.units[uid].status) is S.OFF_DUTY
        with pytest.raises(SimulatorError, match="Otillåten statusändring Ej i tjänst → Transport"):
            client.set_status(uid, S.TRANSPORTING.value)
        with pytest.raises(SimulatorError, match="ogiltigt kommando"):
            client.set_status(uid, "hemma")
