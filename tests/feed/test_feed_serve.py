"""`feed serve`: the headless feed service persists status events and closes cases with the units' outcomes."""

from __future__ import annotations

import threading

from feed_helpers import small_fleet
from sqlalchemy import select

from dispatch.feed.config import save_subscriber_config
from dispatch.simulator import Simulator, SimulatorRunner
from larmcentral_cli import main as cli
from records.cases import CaseIntake, CaseStatus, create_case, get_case
from records.db import make_engine, migrate, session_factory
from records.models import Outcome, UnitStatusEvent
from records.users import sign_in
from resources.vocabulary import Role


def test_serve_persists_events_and_applies_outcomes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        nurse = sign_in(s, "ssk.anna", Role.NURSE)
        case_id = create_case(s, nurse, CaseIntake(caller_name="Karin", kommun="Malmö")).id

    sim = Simulator(small_fleet(), seed=2, background_per_hour=0, p_transport=0.0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=0.0, heartbeat_interval=0.1)
    stop = threading.Event()
    with runner:
        config_file = tmp_path / "flöden.yaml"
        save_subscriber_config(runner.subscriber_config(), config_file)
        uid = next(u for u, su in sim.units.items() if su.unit.type == "AMBULANS")
        lat, lon = runner.call(lambda: (sim.units[uid].lat, sim.units[uid].lon))
        runner.assign(uid, case_id, lat + 0.05, lon, "2")

        def drive() -> None:  # the unit drives, treats the patient and reports while `serve` runs
            while not stop.wait(0.2):
                runner.advance(120.0)

        driver = threading.Thread(target=drive)
        driver.start()
        try:
            assert cli(["feed", "serve", str(config_file), "--duration", "6", "--quiet"]) == 0
        finally:
            stop.set()
            driver.join()

    with factory() as s, s.begin():
        statuses = set(s.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == uid)))
        outcome = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).one()
        closed = get_case(s, nurse, case_id)
    assert {"larmad", "framkorning", "pa_plats"} <= statuses
    assert outcome.source == "feed" and outcome.unit_id == uid
    assert closed.status is CaseStatus.CLOSED
    engine.dispose()
