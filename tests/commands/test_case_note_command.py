"""Notes on a case (AddCaseNote, both backends): stored with author, role and time, audited, command-logged and
announced on the case; a repeated id stores one note; a note too long or empty is refused in Swedish before
anything is written; a note kept in a draft keeps the time it was typed, within the case's life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from command_world import World, snapshot
from pydantic import ValidationError
from sqlalchemy import select

from commands import AddCaseNote, run
from console.errors import user_message
from records.access_log import action_text
from records.case_notes import NOTE_MAX_LENGTH
from records.case_state import CaseStatus
from records.cases import CaseNotFound
from records.models import AuditEntry, Case, CaseNote, ChangeEvent, CommandLog

DOOR = "Portkod 1234, tredje våningen, hiss saknas"


def test_nurse_dispatcher_and_physician_add_notes_with_author_role_and_time(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    for actor, text in ((world.nurse, DOOR), (world.dispatcher, "Ambulansen möts vid grinden"),
                        (world.physician, "Ring tillbaka efter 20 min\nom inte bättre")):
        done = run(world.db, actor, AddCaseNote(case_id=case_id, text=f"  {text}  "))
        assert done.case_id == case_id  # type: ignore[attr-defined]
    with world.db() as s:
        notes = s.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)).all()
        assert [(n.text, n.user_id, n.role) for n in notes] == [
            (DOOR, world.nurse.user_id, "nurse"), ("Ambulansen möts vid grinden", world.dispatcher.user_id, "dispatcher"),
            ("Ring tillbaka efter 20 min\nom inte bättre", world.physician.user_id, "physician")]  # trimmed, lines kept
        assert all(n.written_at == n.recorded_at for n in notes)
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.note").order_by(AuditEntry.id)).all()
        assert [(a.case_id, a.user_id, a.detail["note_id"]) for a in audited] == \
            [(case_id, n.user_id, n.id) for n in notes]
        assert audited[0].detail["patient"] is None  # the case's patient at the time (none typed yet)
        assert "anteckning" in action_text("case.note", audited[0].detail)
        assert "Portkod" not in str(audited[0].detail)  # the log says a note was written, the note stays on the case
        assert s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id,
                                                       CommandLog.name == "case.note")).all() == ["case.note"] * 3
        events = s.execute(select(ChangeEvent.topic, ChangeEvent.case_id)
                           .where(ChangeEvent.command == "case.note")).all()
        assert events == [("cases", case_id)] * 3


def test_a_repeated_command_id_stores_one_note(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    cmd = AddCaseNote(case_id=case_id, text=DOOR)
    first = run(world.db, world.nurse, cmd)
    assert run(world.db, world.nurse, cmd) == first
    with world.db() as s:
        assert s.scalars(select(CaseNote.text).where(CaseNote.case_id == case_id)).all() == [DOOR]


@pytest.mark.parametrize(("text", "says"), [
    ("x" * (NOTE_MAX_LENGTH + 1), "Anteckningen är för lång (2\u00a0001 tecken, högst 2\u00a0000)"),
    ("   \n ", "Anteckningen är tom"),
    ("Portkod\x001234", "'Anteckning' innehåller ett otillåtet styrtecken"),
])
def test_a_note_too_long_empty_or_with_a_control_character_is_refused_in_swedish(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AddCaseNote(case_id=1, text=text)
    assert says in user_message(caught.value)
    assert not user_message(caught.value).startswith("Value error")


def test_a_note_of_the_maximum_length_is_kept_whole(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="å" * NOTE_MAX_LENGTH))
    with world.db() as s:
        assert s.scalar(select(CaseNote.text).where(CaseNote.case_id == case_id)) == "å" * NOTE_MAX_LENGTH


def test_the_time_typed_is_kept_within_the_cases_life(world: World) -> None:
    """A note kept in a draft while the database was away keeps when it was typed; a console clock that is wrong
    cannot put a note before its case or in the future."""
    case_id = world.case_in(CaseStatus.DRAFT)
    with world.db() as s:
        created = s.get(Case, case_id).created_at
    typed = created + timedelta(milliseconds=5)
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="skriven i samtalet", written_at=typed))
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="före ärendet", written_at=created - timedelta(days=1)))
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="i framtiden",
                                           written_at=datetime.now(UTC) + timedelta(days=1)))
    with world.db() as s:
        notes = {n.text: n for n in s.scalars(select(CaseNote).where(CaseNote.case_id == case_id))}
    assert notes["skriven i samtalet"].written_at == typed
    assert notes["före ärendet"].written_at == created
    assert notes["i framtiden"].written_at == notes["i framtiden"].recorded_at


def test_a_closed_case_takes_a_note_and_an_unknown_case_is_refused(world: World) -> None:
    closed = world.case_in(CaseStatus.CLOSED)
    run(world.db, world.dispatcher, AddCaseNote(case_id=closed, text="Dottern ringde: patienten åkte själv"))
    assert world.status(closed) is CaseStatus.CLOSED  # a note changes nothing the state machine decides on
    before = snapshot(world.db)
    with pytest.raises(CaseNotFound, match="Ärende 999999 finns inte"):
        run(world.db, world.nurse, AddCaseNote(case_id=999999, text=DOOR))
    assert snapshot(world.db) == before
