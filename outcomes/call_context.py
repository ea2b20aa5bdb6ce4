"""What the larmcentral knows about the patient of a call: the patient register and the recontact history.

One path for the console (call-taking, when the personnummer, number or address is typed) and the command
line (`main.py triage --pnr`): the register's context (records.patients.lookup_context, audited as
`patient.lookup`) enriched with the last "lämnad hemma" contact within the recontact window
(outcomes.recontact.recontact_context, audited as a read of the earlier case).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from outcomes.recontact import RecontactMatch, recontact_context
from records.actor import Actor
from records.patients import lookup_context
from resources.patient_context import PatientContext


def call_context(session: Session, actor: Actor, personnummer: str | None, *, age: int | None = None,
                 callback_phone: str | None = None, address: str | None = None, at: datetime | None = None,
                 exclude_case_id: int | None = None,
                 ask_unknown: bool = False) -> tuple[PatientContext, RecontactMatch | None]:
    """The patient context for triage and the recontact match, if any. `ask_unknown`: a patient the register
    does not know gets `register_known=False`, so triage asks the context questions (never a silent "nej")."""
    context = lookup_context(session, actor, personnummer, age=age, mark_unknown=ask_unknown)
    return recontact_context(session, context, callback_phone=callback_phone, address=address, at=at,
                             exclude_case_id=exclude_case_id, actor=actor)
