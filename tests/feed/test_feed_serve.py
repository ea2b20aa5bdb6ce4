"""`feed serve`: the headless feed service persists status events and closes cases with the units' outcomes."""

from __future__ import annotations

import threading

from feed_helpers import small_fleet
from sqlalchemy import select

from dispatch.feed.config import FeedEndpoint, SubscriberConfig, save_subscriber_config
from dispatch.simulator import Simulator, SimulatorRunner
from larmcentral_cli import main as cli
from outcomes.system_jobs import ANALYSIS_USER, FEED_USER, provision_system_user
from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, CaseStatus, advance, create_case, get_case
from records.db import make_engine, migrate, session_factory
from records.identity import provision_and_sign_in
from records.models import FeedOutcomeInbox, Outcome, Review, UnitStatusEvent, User
from records.tokens import create_token, new_token, token_hash
from resources.vocabulary import Role

LAB = SubscriberConfig(feeds=[FeedEndpoint(publisher="ambulans", updates="tcp://127.0.0.1:1",
                                            snapshot="tcp://127.0.0.1:2")], insecure_lab=True)


def _token_for(factory, username: str, path):  # type: ignore[no-untyped-def]
    """A service token for the system user, made by an administrator (as `users token create` does)."""
    token = new_token()
    with factory() as s, s.begin():
        provision_system_user(s, username)
        admin = provision_and_sign_in(s, "admin.test", Role.ADMIN)
        create_token(s, admin, username, "test", token_hash(token))
    path.write_text(token + "\n", encoding="utf-8")
    return path


def test_serve_without_a_token_is_refused_in_swedish(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", f"sqlite:///{tmp_path / 'central.sqlite3'}")
    config_file = tmp_path / "flöden.yaml"
    save_subscriber_config(LAB, config_file)
    assert cli(["feed", "serve", str(config_file), "--duration", "0.1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "users token create system.flöde" in err and "Traceback" not in err


def test_serve_refuses_another_system_users_token(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    engine = make_engine(url)
    migrate(engine)
    token_file = _token_for(session_factory(engine), ANALYSIS_USER, tmp_path / "utfall.token")
    engine.dispose()
    config_file = tmp_path / "flöden.yaml"
    save_subscriber_config(LAB, config_file)
    assert cli(["feed", "serve", str(config_file), "--duration", "0.1", "--quiet", "--token-file",
                str(token_file)]) == 1
    assert "Tjänstenyckeln hör till system.utfall" in capsys.readouterr().err


def test_serve_persists_events_and_applies_outcomes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        nurse = provision_and_sign_in(s, "ssk.anna", Role.NURSE)
        case_id = create_case(s, nurse, CaseIntake(caller_name="Karin", kommun="Malmö")).id
    monkeypatch.setenv("LARMCENTRAL_TOKEN_FILE", str(_token_for(factory, FEED_USER, tmp_path / "flöde.token")))

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
        feed_user_id = s.scalars(select(User.id).where(User.username == FEED_USER)).one()
    assert {"larmad", "framkorning", "pa_plats"} <= statuses
    assert outcome.source == "feed" and outcome.unit_id == uid
    assert outcome.recorded_by == feed_user_id  # audited as the system user the token belongs to
    assert closed.status is CaseStatus.CLOSED
    engine.dispose()


def test_serve_applies_the_durable_outcome_inbox(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Outcomes stored in the inbox (by the record writer, here directly) are applied by `serve` as system.flöde;
    one that cannot be applied is dead, said on stderr and left for the RLS queue."""
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        nurse = provision_and_sign_in(s, "ssk.anna", Role.NURSE)
        case_id = create_case(s, nurse, CaseIntake(caller_name="Karin", kommun="Malmö")).id
        advance(s, nurse, case_id, CaseEvent.SEND_TO_WAITING_ROOM, priority="2")
        for seq, target in ((1, case_id), (2, 2**40)):
            body = {"v": 2, "publisher": "ambulans", "epoch": "epok-1", "seq": seq, "ts": 1_780_000_000.0,
                    "unit_id": "AMB-MA-1", "case_id": target, "code": "treated_left_home"}
            s.add(FeedOutcomeInbox(publisher="ambulans", epoch="epok-1", seq=seq, unit_id="AMB-MA-1",
                                   case_id=target, body=body, received_at=now(), state="pending", attempts=0,
                                   next_attempt_at=now()))
    monkeypatch.setenv("LARMCENTRAL_TOKEN_FILE", str(_token_for(factory, FEED_USER, tmp_path / "flöde.token")))
    config_file = tmp_path / "flöden.yaml"
    save_subscriber_config(LAB, config_file)
    assert cli(["feed", "serve", str(config_file), "--duration", "1.5", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert f"utfall registrerat: ärende {case_id}" in out
    assert f"ärende {2**40}" in err and "RLS-granskningskön" in err
    with factory() as s:
        assert get_case(s, nurse, case_id).status is CaseStatus.CLOSED
        states = {c: st for c, st in s.execute(select(FeedOutcomeInbox.case_id, FeedOutcomeInbox.state))}
        assert states == {case_id: "applied", 2**40: "dead"}
        assert s.scalar(select(Review).where(Review.reason == "feed_outcome_failed")) is not None
    engine.dispose()
