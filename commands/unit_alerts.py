"""Alerts to the units through the command layer (docs/alert-protocol.md): made with the assignment, kept in step
with the case, and the units' answers applied — each in the transaction of the command that causes it, audited.

* **An assignment alerts its unit** (`alert_assignment`, called by AssignUnit and ReassignUnit): the alert and its
  first revision are stored in the assignment's own transaction; the sender (commands/alert_service.py) sends it
  only after that commits. A unit taken from another case gets that case's alert cancelled (`redirected`).
* **Every command keeps the case's alerts in step** (`sync_case_alerts`, run by commands.runner after the command's
  work): an alert whose assignment ended — recalled, reassigned, the case closed, declined — is cancelled; one whose
  picture of the case changed — priority, address, care need, a new note — gets an `update`.
* **The units' answers** come back through the sender as commands of the feed's system user: `ApplyAlertReply`
  (ack, accept, decline; a decline recalls the assignment, puts the case back in väntrummet marked
  `unit_declined` with the reason) and `MarkAlertTimedOut` (a revision not acknowledged in time). Their ids are
  derived from the message, so a resent answer is applied once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.base import Command
from dispatch.alerting import store
from dispatch.alerting.content import alert_content, changed_fields, content_hash, shares_care_plan
from dispatch.alerting.protocol import MAX_REASON_CHARS
from dispatch.assignment import NoActiveAssignment, recall
from outcomes.recontact import complaint_name
from records.actor import Actor
from records.audit import audit, now
from records.cases import add_flags
from records.models import Assignment, Case, UnitAlert
from resources.fleet import default_fleet
from resources.vocabulary import Role

REPLY_NAMESPACE = uuid.UUID("3c9e2b71-5d0a-4f3e-9b8c-7a1d2e4f6b50")
DECLINED_FLAG = "unit_declined"
ENDED_TO_CANCEL = {"recalled": "recalled", "reassigned": "reassigned", "redirected": "redirected",
                   "case_closed": "case_closed", "declined": "declined"}


@cache
def _publishers() -> dict[str, str]:
    return {u.id: u.publisher for u in default_fleet().units}


def publisher_of(unit_id: str) -> str:
    """The publisher whose gateway alerts the unit ("" for a unit outside the fleet register: never sent)."""
    return _publishers().get(unit_id, "")


def _content(session: Session, assignment: Assignment) -> dict[str, Any]:
    return alert_content(session, assignment, complaint_name)


def alert_assignment(session: Session, actor: Actor, assignment_id: int) -> UnitAlert:
    """Store the alert of a new assignment (revision 1, due at once), and cancel what else its unit was alerted for
    (the assignment there was ended by this one: `redirected`)."""
    assignment = session.get(Assignment, assignment_id)
    assert assignment is not None and assignment.active
    at = now()
    for other in store.open_alerts_of_unit(session, assignment.unit_id):
        _cancel(session, actor, other, "redirected", at)
    content = _content(session, assignment)
    row = store.open_alert(session, assignment_id=assignment.id, case_id=assignment.case_id,
                           unit_id=assignment.unit_id, publisher=publisher_of(assignment.unit_id), content=content,
                           at=at)
    audit(session, actor, "unit_alert.create", assignment.case_id, unit=assignment.unit_id, alert=row.alert_id,
          part=assignment.part, priority=row.priority, seq=1, deadline_s=(row.deadline_at - at).total_seconds(),
          care_plan=shares_care_plan(content))  # the patient's own plan passed on to the crew (its access log)
    return row


def sync_case_alerts(session: Session, actor: Actor, case_id: int) -> None:
    """Cancel the case's alerts whose assignment has ended, send an update where the crew's picture changed.
    One indexed read when the case has no open alert (most commands)."""
    if not store.has_open_alerts(session, case_id):
        return
    # The case before its alerts, as every command that locks the case does: a revision's row refers to the case
    # (a foreign key PostgreSQL checks with a key-share lock), so taking the alerts first could deadlock with a
    # dispatcher's command holding the case and waiting for the alerts.
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update(key_share=True))
    store.lock_case_alerts(session, case_id)
    alerts = store.open_alerts_of_case(session, case_id)
    at = now()
    for row in alerts:
        assignment = session.get(Assignment, row.assignment_id)
        if assignment is None or not assignment.active:
            ended = (assignment.ended_reason if assignment is not None else None) or "recalled"
            _cancel(session, actor, row, ENDED_TO_CANCEL.get(ended, "recalled"), at)
            continue
        content = _content(session, assignment)
        if content_hash(content) == row.content_hash:
            continue
        previous = store.revision(session, row)
        old = previous.body if previous is not None and previous.type != "cancel" else {}
        store.revise_alert(session, row, content, at)
        audit(session, actor, "unit_alert.update", case_id, unit=row.unit_id, alert=row.alert_id, seq=row.seq,
              changed=changed_fields(old, content), priority=row.priority, care_plan=shares_care_plan(content))


def _cancel(session: Session, actor: Actor, row: UnitAlert, reason: str, at: datetime) -> None:
    store.cancel_alert(session, row, reason, at)
    audit(session, actor, "unit_alert.cancel", row.case_id, unit=row.unit_id, alert=row.alert_id, seq=row.seq,
          reason=reason)


# --- the units' answers -------------------------------------------------------------------------------------

class AlertReplyApplied(BaseModel):
    alert_id: str
    case_id: int
    unit_id: str
    kind: str
    applied: bool  # False: a repeat, or refused
    refused: str | None = None  # Swedish: why an accept or decline was not taken (the gateway is told)


class ApplyAlertReply(Command):
    """What a unit's gateway answered an alert: `ack` of a revision (received, or refused by its system), the crew's
    `accept`, or its `decline` with a reason. Applied by the feed's system user as the sender receives it; the id is
    derived from the message (an ack per revision, one accept and one decline per alert), so a resend is a replay."""

    name: ClassVar[str] = "alert.unit_reply"
    action: ClassVar[str] = "registrera enheters svar på larm"
    roles: ClassVar[tuple[Role, ...]] = (Role.DISPATCHER,)
    result_type: ClassVar[type[BaseModel]] = AlertReplyApplied

    alert_id: str = Field(min_length=1, max_length=64)
    case_id: int  # the alert's case (looked up by the sender; checked here): locked first
    publisher: str = Field(min_length=1, max_length=32)  # whose endpoint it came on: must be the alert's
    unit_id: str = Field(min_length=1, max_length=32)
    kind: Literal["ack", "accept", "decline"]
    seq: int | None = Field(default=None, ge=1)  # ack: the revision acknowledged
    refused: bool = False  # ack: the unit's system refused the revision
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)  # decline; a refused ack

    @classmethod
    def for_message(cls, *, alert_id: str, case_id: int, publisher: str, unit_id: str, kind: str,
                    seq: int | None = None, refused: bool = False, reason: str | None = None) -> ApplyAlertReply:
        key = f"{alert_id}:{kind}:{seq}" if kind == "ack" else f"{alert_id}:{kind}"
        return cls(alert_id=alert_id, case_id=case_id, publisher=publisher, unit_id=unit_id, kind=kind,  # type: ignore[arg-type]
                   seq=seq, refused=refused, reason=reason, command_id=uuid.uuid5(REPLY_NAMESPACE, key))

    def payload_hash(self) -> str:
        """One decline per alert: a resend with another reason is the same decline (the first reason stands)."""
        import hashlib

        return hashlib.sha256(f"{self.name}:{self.alert_id}:{self.kind}:{self.seq}".encode()).hexdigest()

    def locks(self) -> list[tuple[type[Any], int]]:
        return [(Case, self.case_id)]  # the case, then its alert: the order every command takes them in

    def handle(self, session: Session, actor: Actor) -> AlertReplyApplied:
        store.lock_case_alerts(session, self.case_id)  # all of the case's, in order, before the runner's sync
        row = store.alert_by_id(session, self.alert_id, lock=True)
        if row is None or row.publisher != self.publisher or row.case_id != self.case_id or row.unit_id != self.unit_id:
            raise store.UnknownAlert(f"Larmet {self.alert_id} är okänt för {self.publisher}.")
        at = now()
        about = {"unit_id": self.unit_id, "alert": self.alert_id}
        if self.kind == "ack":
            assert self.seq is not None
            if self.refused:
                applied = store.apply_refusal(row, self.seq, self.reason or "", at)
                if applied:
                    audit(session, actor, "unit_alert.refused", row.case_id, **about, seq=self.seq, reason=self.reason,
                          of=_type_of(session, row, self.seq))
            else:
                late = row.timed_out_seq >= self.seq
                applied = store.apply_ack(row, self.seq, at, session)
                if applied:
                    audit(session, actor, "unit_alert.ack", row.case_id, **about, seq=self.seq,
                          of=_type_of(session, row, self.seq), late=late)
            return self._result(row, applied)
        refusal = store.accept_refusal(row) if self.kind == "accept" else store.decline_refusal(row)
        if refusal is not None:
            audit(session, actor, "unit_alert.reply_refused", row.case_id, **about, kind=self.kind, refused=refusal,
                  reason=self.reason)
            return self._result(row, False, refusal)
        if self.kind == "accept":
            applied = store.apply_accept(row, at)
            if applied:
                audit(session, actor, "unit_alert.accept", row.case_id, **about)
            return self._result(row, applied)
        reason = (self.reason or "").strip() or "inget skäl angivet"
        applied = store.apply_decline(row, reason, at)
        if applied:
            audit(session, actor, "unit_alert.decline", row.case_id, **about, reason=reason)
            _back_to_waiting(session, actor, row, reason)
        return self._result(row, applied)

    def _result(self, row: UnitAlert, applied: bool, refused: str | None = None) -> AlertReplyApplied:
        return AlertReplyApplied(alert_id=row.alert_id, case_id=row.case_id, unit_id=row.unit_id, kind=self.kind,
                                 applied=applied, refused=refused)


def _back_to_waiting(session: Session, actor: Actor, row: UnitAlert, reason: str) -> None:
    """The crew declined: its assignment ends as a recall would end it, the case goes back to väntrummet (its
    waiting time kept) with the reason, and it is marked so the dispatcher sees why. The runner's sync then
    cancels the alert (`declined`)."""
    assignment = session.get(Assignment, row.assignment_id)
    if assignment is None or not assignment.active:
        return  # already recalled or the case closed meanwhile: nothing to undo
    try:
        recall(session, actor, row.case_id, unit_id=row.unit_id, reason=f"{row.unit_id} avböjde: {reason}",
               ended_reason="declined")
    except NoActiveAssignment:
        return
    add_flags(session, actor, row.case_id, DECLINED_FLAG)


def _type_of(session: Session, row: UnitAlert, seq: int) -> str:
    msg = store.revision(session, row, seq)
    return msg.type if msg is not None else "alert"


class AlertTimedOut(BaseModel):
    alert_id: str
    case_id: int
    seq: int
    marked: bool  # False: acknowledged meanwhile, or already marked


class MarkAlertTimedOut(Command):
    """The latest revision of an alert was not acknowledged within its priority's time: the assignment shows
    "ej kvitterad" and every dispatcher's console raises an alert. The sender keeps resending."""

    name: ClassVar[str] = "alert.timeout"
    action: ClassVar[str] = "markera larm som ej kvitterade"
    roles: ClassVar[tuple[Role, ...]] = (Role.DISPATCHER,)
    result_type: ClassVar[type[BaseModel]] = AlertTimedOut

    alert_id: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1)
    case_id: int

    @classmethod
    def for_revision(cls, alert_id: str, seq: int, case_id: int) -> MarkAlertTimedOut:
        return cls(alert_id=alert_id, seq=seq, case_id=case_id,
                   command_id=uuid.uuid5(REPLY_NAMESPACE, f"{alert_id}:timeout:{seq}"))

    def locks(self) -> list[tuple[type[Any], int]]:
        return [(Case, self.case_id)]  # the case, then its alert (see sync_case_alerts)

    def handle(self, session: Session, actor: Actor) -> AlertTimedOut:
        store.lock_case_alerts(session, self.case_id)
        row = store.alert_by_id(session, self.alert_id, lock=True)
        if row is None or row.case_id != self.case_id:
            raise store.UnknownAlert(f"Larmet {self.alert_id} finns inte.")
        marked = store.mark_timed_out(row, self.seq)
        if marked:
            waited = (now() - (row.deadline_at - store.ack_timeout(row.priority))).total_seconds()
            audit(session, actor, "unit_alert.timeout", row.case_id, unit=row.unit_id, alert=row.alert_id,
                  seq=self.seq, of=_type_of(session, row, self.seq), waited_s=round(waited, 1),
                  timeout_s=store.ack_timeout(row.priority).total_seconds())
        return AlertTimedOut(alert_id=row.alert_id, case_id=row.case_id, seq=self.seq, marked=marked)
