"""Two dispatcher processes on PostgreSQL race for one unit: exactly one wins, the other is told who."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime

import pytest
from sqlalchemy import func, select

from records.db import make_engine, migrate, session_factory
from resources.vocabulary import Role

pytestmark = pytest.mark.postgres

AT = datetime(2026, 11, 25, 10, 0).astimezone()


def _dispatcher(url: str, username: str, case_id: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One console: sign in, compute the recommendation, wait for the other, assign."""
    from dispatch.assignment import AssignmentConflict, assign
    from dispatch.case_input import case_from_record
    from dispatch.fleet_view import default_snapshot
    from dispatch.recommend import recommend
    from records.identity import provision_and_sign_in
    from records.models import Case

    engine = make_engine(url)
    factory = session_factory(engine)
    try:
        with factory() as s, s.begin():
            actor = provision_and_sign_in(s, username, Role.DISPATCHER, display_name=username, console=f"konsol-{username}")
        with factory() as s:
            rec = recommend(case_from_record(s.get(Case, case_id)), default_snapshot(), AT)
        unit = rec.parts[0].recommended.unit_id
        barrier.wait(timeout=60)
        try:
            with factory() as s, s.begin():
                assign(s, actor, case_id, unit, "", rec)
            results.put((username, "ok", unit))
        except AssignmentConflict as exc:
            results.put((username, "conflict", str(exc)))
    except Exception as exc:  # noqa: BLE001 - report anything else to the test
        results.put((username, "error", repr(exc)))
    finally:
        engine.dispose()


def test_two_processes_assigning_the_same_unit_yield_exactly_one_winner(postgres_url, make_actor):
    from records.case_state import CaseEvent
    from records.cases import CaseIntake, CaseStatus, advance, create_case
    from records.models import Assignment, Case
    from resources.care_need import CareNeed
    from resources.vocabulary import Capability, TransportNeed

    engine = make_engine(postgres_url)
    migrate(engine)
    factory = session_factory(engine)
    nurse = make_actor(factory, "ssk.anna", Role.NURSE)
    need = CareNeed(capabilities={Capability.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
    case_ids = []
    with factory() as s, s.begin():
        for _ in range(2):
            view = create_case(s, nurse, CaseIntake(kommun="Lund", lat=55.70, lon=13.19))
            row = s.get(Case, view.id)
            row.priority, row.care_need = "3", need.model_dump(mode="json")
            advance(s, nurse, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
            case_ids.append(view.id)

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    names = ["usk.berit", "usk.cecilia"]
    procs = [ctx.Process(target=_dispatcher, args=(postgres_url, n, c, barrier, results))
             for n, c in zip(names, case_ids, strict=True)]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[1] != "error" for r in got), got
    winners = [r for r in got if r[1] == "ok"]
    losers = [r for r in got if r[1] == "conflict"]
    assert len(winners) == 1 and len(losers) == 1, got
    winner_name, _, unit = winners[0]
    winner_case = case_ids[names.index(winner_name)]
    message = losers[0][2]
    print(message)
    assert f"Enheten {unit} är redan dirigerad till ärende {winner_case}" in message
    assert winner_name in message
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Assignment).where(Assignment.active.is_(True))) == 1
        statuses = {c: s.get(Case, c).status for c in case_ids}
    assert statuses[winner_case] == CaseStatus.ASSIGNED.value
    assert sorted(statuses.values()) == sorted([CaseStatus.ASSIGNED.value, CaseStatus.WAITING.value])
    engine.dispose()
