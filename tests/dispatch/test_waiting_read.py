"""Väntrummet re-read by the cases a change names (dispatch.waiting_read), on SQLite and PostgreSQL: only those
cases are read, a case no longer open leaves the listing, the others stay as shown, and what is newly shown is
audited (once), while the whole listing is still read at start and audited when its set changes."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.waiting_read import audit_shown, merged, read_waiting
from records.audit import now
from records.case_state import CaseEvent, CaseStatus
from records.cases import CaseIntake, advance, create_case
from records.db import transaction
from records.models import AuditEntry, Case
from resources.vocabulary import Role


def waiting_case(factory, actor, name: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        view = create_case(s, actor, CaseIntake(caller_name=name, address="Testgatan 1", kommun="Lund",
                                                lat=55.7047, lon=13.1910))
        row = s.get(Case, view.id)
        row.priority, row.care_need, row.complaint = "2", {"capabilities": ["nurse_assessment"]}, "FEBER"
        advance(s, actor, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
        return view.id


def listings(factory, actor) -> list[list[int]]:  # type: ignore[no-untyped-def]
    with factory() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.list",
                                                  AuditEntry.user_id == actor.user_id).order_by(AuditEntry.id))
        return [r.detail["case_ids"] for r in rows]


def test_a_named_case_is_read_alone_merged_and_audited_when_newly_shown(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    a, b = waiting_case(db, nurse, "A"), waiting_case(db, nurse, "B")
    with transaction(db) as s:
        first = read_waiting(s, dispatcher, frozenset())
    shown, at = merged([], {}, first)
    assert first.full and {c.id for c in shown} == {a, b} and listings(db, dispatcher) == [sorted([b, a], reverse=True)]

    c = waiting_case(db, nurse, "C")
    with transaction(db) as s:  # changed behind the console's back, without a notification naming it
        s.get(Case, a).address = "Ändrad utan avisering 2"
    with transaction(db) as s:
        read = read_waiting(s, dispatcher, {x.id for x in shown}, frozenset({c}))
    assert not read.full and [x.id for x in read.cases] == [c] and read.gone == frozenset()
    shown, at = merged(shown, at, read)
    assert {x.id for x in shown} == {a, b, c}
    assert next(x for x in shown if x.id == a).address == "Testgatan 1"  # not named: not re-read
    assert listings(db, dispatcher)[-1] == [c]  # only what is newly shown

    with transaction(db) as s:
        s.get(Case, b).status = CaseStatus.CLOSED.value
        s.get(Case, b).closed_at = now()
        read = read_waiting(s, dispatcher, {x.id for x in shown}, frozenset({b, 999_999}))
    assert read.cases == () and read.gone == frozenset({b, 999_999})
    shown, at = merged(shown, at, read)
    assert {x.id for x in shown} == {a, c}
    assert len(listings(db, dispatcher)) == 2  # a case leaving the listing shows nothing new

    with transaction(db) as s:  # the whole listing (F5, safety poll, reconnect) sees everything again
        full = read_waiting(s, dispatcher, {x.id for x in shown})
    shown, at = merged(shown, at, full)
    assert next(x for x in shown if x.id == a).address == "Ändrad utan avisering 2"
    assert len(listings(db, dispatcher)) == 2  # same set as shown: not audited again


def test_many_named_cases_read_the_whole_listing(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    a = waiting_case(db, nurse, "A")
    with transaction(db) as s:
        read = read_waiting(s, nurse, frozenset(), frozenset(range(1, 400)))
    assert read.full and [x.id for x in read.cases] == [a]


def test_a_partial_read_can_leave_the_audit_of_what_it_newly_shows_to_the_console(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(db, "dir.bo", Role.DISPATCHER)
    a = waiting_case(db, nurse, "A")
    with transaction(db) as s:
        shown, _ = merged([], {}, read_waiting(s, dispatcher, frozenset()))
    b = waiting_case(db, nurse, "B")
    with transaction(db) as s:
        read = read_waiting(s, dispatcher, {a}, frozenset({a, b}), audit_new=False)
    assert {x.id for x in read.cases} == {a, b} and read.new == frozenset({b})
    assert listings(db, dispatcher) == [[a]]  # the read wrote nothing: the console audits `new` once shown
    with transaction(db) as s:
        audit_shown(s, dispatcher, read.new, now())
    assert listings(db, dispatcher) == [[a], [b]]
