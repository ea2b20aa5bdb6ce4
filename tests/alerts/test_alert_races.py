"""Races on one case's alerts, on SQLite and PostgreSQL: the sender's bookkeeping (what it sent, the gateway back
up), the units' acknowledgements and dispatchers' changes of the case hammer the same two alert rows at once. Every
transaction that locks alert rows takes the case (when it locks one) and then the rows in id order; before that,
PostgreSQL found deadlocks here. Nothing may fail, and the end state must be what the last step says."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from command_world import World
from sqlalchemy import select

from commands import AddCaseNote, ApplyAlertReply, run
from dispatch.alerting import store
from outcomes.system_jobs import feed_actor
from records.audit import now
from records.case_state import CaseStatus
from records.db import transaction
from records.models import Assignment, UnitAlert
from resources.fleet import default_fleet

ROUNDS_S = 1.0


def _two_units_on_one_case(world: World) -> int:
    case_id = world.case_in(CaseStatus.WAITING)
    first = world.assign_command(case_id)
    run(world.db, world.dispatcher, first)
    with world.db() as s:  # a second part: the same case, another ambulans unit (no recommendation for it: by hand)
        a = s.scalars(select(Assignment).where(Assignment.case_id == case_id)).one()
        part_unit = a.unit_id
    ambulans = [u.id for u in default_fleet().units if u.publisher == "ambulans" and u.id != part_unit]
    rec = world.recommendation(case_id)
    rec["parts"].append({**rec["parts"][0], "part": "IVPA"})
    cmd = first.model_copy(update={"unit_id": ambulans[0], "part": "IVPA", "recommendation_shown": rec,
                                   "deviation_reason": "Andra enheten"})
    run(world.db, world.dispatcher, cmd.model_copy(update={"command_id": uuid.uuid4()}))
    return case_id


def _hammer(steps: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    stop = time.monotonic() + ROUNDS_S

    def loop(step: Callable[[], None]) -> None:
        while time.monotonic() < stop:
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
                return

    threads = [threading.Thread(target=loop, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_sender_acks_and_case_changes_on_the_same_alerts_never_deadlock(world: World) -> None:
    case_id = _two_units_on_one_case(world)
    with transaction(world.db) as s:
        system = feed_actor(s, "test-konsol")
        rows = [(r.id, r.alert_id, r.unit_id) for r in s.scalars(select(UnitAlert).order_by(UnitAlert.id))]
    assert len(rows) == 2
    notes = [0]

    def note() -> None:  # a dispatcher's change: an update revision of both alerts, in one transaction
        notes[0] += 1
        run(world.db, world.dispatcher, AddCaseNote(case_id=case_id, text=f"Anteckning {notes[0]}"))

    def sender() -> None:  # the sender: the gateway back up, then what it sent, highest id first
        with transaction(world.db) as s:
            store.send_now(s, "ambulans", now(), everything_open=True)
        with transaction(world.db) as s:
            due = store.due_messages(s, now(), {"ambulans"})
        with transaction(world.db) as s:
            store.record_sent(s, sorted(due, key=lambda d: -d.row_id), now())

    def ack() -> None:  # the higher id's unit acknowledges whatever is its latest revision
        row_id, alert_id, unit = rows[1]
        with world.db() as s:
            seq = s.scalar(select(UnitAlert.seq).where(UnitAlert.id == row_id))
        run(world.db, system, ApplyAlertReply.for_message(alert_id=alert_id, case_id=case_id, publisher="ambulans",
                                                          unit_id=unit, kind="ack", seq=seq))

    errors = _hammer([note, sender, ack])
    assert errors == [], [repr(e) for e in errors]
    with world.db() as s:
        final = {r.id: (r.seq, r.acked_seq) for r in s.scalars(select(UnitAlert))}
    assert all(seq == notes[0] + 1 for seq, _ in final.values())  # every note a revision of both, none lost
    assert final[rows[1][0]][1] <= final[rows[1][0]][0]
