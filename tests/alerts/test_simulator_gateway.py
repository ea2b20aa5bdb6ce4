"""The simulator's units receive their assignments over the alert protocol (dispatch/simulator/alert_gateway.py),
acknowledge, accept and drive their status from them; its fault switches lose, delay and decline alerts. CURVE with
each publisher's own key, as `simulate --keys` runs it; the simulated clock stands still unless advanced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from command_world import World
from gateway_client import wait_for
from sqlalchemy import select

from commands import RecallUnit, run
from commands.alert_service import AlertService
from dispatch.feed.publisher import PublisherSecurity
from dispatch.simulator import Simulator, SimulatorRunner
from records.case_state import CaseStatus
from records.models import Case, UnitAlert
from resources.fleet import default_fleet
from resources.vocabulary import UnitStatus

pytestmark = pytest.mark.zmq
PUBLISHERS = ("ambulans", "mobila_team", "skanetrafiken", "raddningstjanst")


@pytest.fixture
def simulated(world: World, sender: AlertService, keys) -> Iterator[SimulatorRunner]:  # type: ignore[no-untyped-def]
    sim = Simulator(default_fleet(), background_per_hour=0, follow_service_hours=False)
    security = {p: PublisherSecurity(keys.secret(p), keys.server_public) for p in PUBLISHERS}
    runner = SimulatorRunner(sim, time_scale=0.0, heartbeat_interval=0.2, security=security)
    with runner:
        runner.connect_alerts(sender.bound)
        for gw in runner.call(lambda: list(runner.gateways.values())):
            gw.heartbeat_s = 0.2
        yield runner


def _row(world: World, case_id: int) -> UnitAlert:
    with world.db() as s:
        row = s.scalars(select(UnitAlert).where(UnitAlert.case_id == case_id).order_by(UnitAlert.id.desc())).first()
        assert row is not None
        s.expunge(row)
        return row


def _status(runner: SimulatorRunner, unit: str) -> UnitStatus:
    return runner.call(lambda: runner.sim.units[unit].status)  # type: ignore[no-any-return]


def test_a_simulated_unit_is_alerted_accepts_and_turns_back_when_recalled(world: World, simulated: SimulatorRunner
                                                                         ) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    unit = world.assign(case_id)
    wait_for(lambda: _row(world, case_id).state == "accepted", what="the crew accepts")
    assert _status(simulated, unit) is UnitStatus.ALERTED
    assert simulated.call(lambda: simulated.sim.units[unit].case_id) == case_id
    simulated.advance(600)  # mobilised: on its way
    assert _status(simulated, unit) is UnitStatus.EN_ROUTE
    run(world.db, world.dispatcher, RecallUnit(case_id=case_id, unit_id=unit, reason="Behövs inte"))
    wait_for(lambda: _status(simulated, unit).is_available, what="the unit turns back")
    assert simulated.call(lambda: simulated.sim.units[unit].case_id) is None
    wait_for(lambda: _row(world, case_id).closed_at is not None, what="the recall acknowledged")


def test_the_fault_switches_lose_delay_and_decline(world: World, simulated: SimulatorRunner) -> None:
    publisher = "ambulans"
    simulated.fault(publisher, alert_drop_rate=1.0)  # every alert lost: sent again and again
    first = world.case_in(CaseStatus.WAITING)
    unit = world.assign(first)
    wait_for(lambda: _row(world, first).sends >= 2, what="resent")
    assert _row(world, first).acked_seq == 0 and _status(simulated, unit) is UnitStatus.AVAILABLE_AT_STATION
    simulated.fault(publisher, alert_drop_rate=0.0, alert_delay_s=0.3)  # then taken, late
    wait_for(lambda: _row(world, first).state == "accepted", what="taken after the delay")
    assert simulated.call(lambda: simulated.gateways[publisher].applied) == 1  # the resends: acted on once

    simulated.fault(publisher, alert_delay_s=0.0, alert_decline_rate=1.0)  # the crews decline
    second = world.case_in(CaseStatus.WAITING)
    cmd = world.assign_command(second)
    ambulans = {u.id for u in default_fleet().units if u.publisher == publisher}
    other = next(a["unit_id"] for a in cmd.recommendation_shown["parts"][0]["alternatives"]
                 if a["unit_id"] != unit and a["unit_id"] in ambulans)
    run(world.db, world.dispatcher, cmd.model_copy(update={"unit_id": other, "deviation_reason": "Upptagen"}))
    wait_for(lambda: _row(world, second).state == "declined", what="declined")
    with world.db() as s:
        case = s.get(Case, second)
        assert case.status == CaseStatus.WAITING.value and "unit_declined" in case.flags
    assert _status(simulated, other) is UnitStatus.AVAILABLE_AT_STATION



def test_simulate_writes_the_alert_endpoints_into_its_configuration(tmp_path: Path) -> None:
    from dispatch.feed.config import load_subscriber_config

    sim = Simulator(default_fleet(), background_per_hour=0)
    endpoints = {p: f"tcp://127.0.0.1:{27010 + i}" for i, p in enumerate(PUBLISHERS)}
    with SimulatorRunner(sim, time_scale=0.0, alert_endpoints=endpoints) as runner:
        config = runner.subscriber_config()
    assert config.alert_endpoints() == endpoints
    path = tmp_path / "feeds.yaml"
    from dispatch.feed.config import save_subscriber_config

    save_subscriber_config(config, path)
    assert load_subscriber_config(path).alert_endpoints() == endpoints
