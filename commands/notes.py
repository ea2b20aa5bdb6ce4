"""A free-text note on a case (door code, floor, directions, what the caller added), by the nurse during or after
the call, or by the dispatcher or physician while the case is handled.

A note changes nothing the case's state machine decides on, so it is allowed in every state — a closed case too:
what is learnt afterwards ("dottern ringde, patienten åkte själv") is still worth keeping on the case — and it
locks no case row (a note never waits for a dispatch on the same case). The change event names the case under
the topic `cases`, so every console showing the case re-reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, field_validator
from sqlalchemy.orm import Session

from commands.base import CLINICAL_ROLES, Command
from records.actor import Actor
from records.case_notes import add_note, check_note
from resources.vocabulary import Role


class NoteAdded(BaseModel):
    case_id: int
    note_id: int
    written_at: datetime


class AddCaseNote(Command):
    """A note on the case, with its author and when it was written (`written_at`: when it was typed, if earlier
    than it reaches the database — a note kept in a call's draft)."""

    name: ClassVar[str] = "case.note"
    action: ClassVar[str] = "skriva anteckningar på ärenden"
    roles: ClassVar[tuple[Role, ...]] = CLINICAL_ROLES
    result_type: ClassVar[type[BaseModel]] = NoteAdded

    case_id: int
    text: str
    written_at: AwareDatetime | None = None

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        return check_note(value)  # empty, too long or a control character: refused here, in Swedish

    def locks(self) -> list[tuple[type[Any], int]]:
        return []

    def handle(self, session: Session, actor: Actor) -> NoteAdded:
        note = add_note(session, actor, self.case_id, self.text, self.written_at)
        return NoteAdded(case_id=self.case_id, note_id=note.id, written_at=note.written_at)
