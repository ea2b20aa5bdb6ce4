"""Free-text notes on a case: door code, floor, directions, what the caller added. Each note keeps its author, the
role they wrote it as and when it was written; a note is added, never changed (a correction is a new note).

Only the AddCaseNote command writes them (commands/notes.py); they are read with the rest of the case
(records.case_detail), never on their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.cases import CaseNotFound
from records.models import Case, CaseNote
from records.text_fields import check_text, column_length
from resources.numbers import sv_number

NOTE_MAX_LENGTH = column_length(CaseNote.text) or 2000
NOTE_LABEL = "Anteckning"


class NoteRefused(ValueError):
    """The note cannot be stored as typed (empty, too long, a control character); the message says why in Swedish."""


def check_note(text: str) -> str:
    """The note as it will be stored (trimmed), or NoteRefused naming what is wrong."""
    text = text.strip()
    if not text:
        raise NoteRefused("Anteckningen är tom: skriv något innan du sparar den.")
    if len(text) > NOTE_MAX_LENGTH:
        raise NoteRefused(f"Anteckningen är för lång ({sv_number(len(text))} tecken, högst "
                          f"{sv_number(NOTE_MAX_LENGTH)}). Korta den eller dela upp den i flera anteckningar.")
    try:
        return check_text(text, NOTE_LABEL, NOTE_MAX_LENGTH, multiline=True)
    except ValueError as exc:
        raise NoteRefused(str(exc)) from None


def add_note(session: Session, actor: Actor, case_id: int, text: str, written_at: datetime | None = None) -> CaseNote:
    """Store a note on the case, audited. `written_at`: when the author typed it (a note kept in a call's draft
    while the database was away is sent later); kept between the case's creation and now, so a console's wrong
    clock cannot put a note before its case or in the future."""
    text = check_note(text)
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte; anteckningen kan inte sparas på det.")
    at = now()
    written = min(max(written_at, case.created_at), at) if written_at is not None else at
    note = CaseNote(case_id=case_id, text=text, written_at=written, recorded_at=at, user_id=actor.user_id,
                    role=actor.role.value)
    session.add(note)
    session.flush()
    audit(session, actor, "case.note", case_id, note_id=note.id, length=len(text))
    return note
