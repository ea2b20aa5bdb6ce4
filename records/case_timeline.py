"""A case's timeline: every step of one case in time order — from the audit log (each command's writes: created,
triaged, red flags, väntrummet, units alerted, recalled and replaced, statuses set by hand, outcome, follow-up,
reopening, RLS review, alerts acknowledged), the units' own statuses from their feeds while they were on the case
(unit_status_events), and the notes written on it (case_notes).

Each entry says when (Swedish local time), who (the user's name; a unit for what its feed reported) and what, in
Swedish without internal codes (those are in `detail`; records.timeline_texts has the words). Consecutive saves
of the intake by one user are one entry ("Uppgifterna ändrades (3 sparningar): adress, telefon"); a unit's
repeated reports of one status (position updates) are its first. The status rows dispatch writes itself when it
alerts or frees a unit (publisher "larmcentral") are told by the command's own entry instead.

Who may read it: the clinical roles (records.case_summary); the read is audited as a read of the case
(`case.read`, via "timeline"), with its patient.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit
from records.case_summary import CaseSummary, require_case_reader, summarise
from records.cases import CaseNotFound
from records.db import scalars_where_in
from records.models import Assignment, AuditEntry, Case, CaseNote, UnitAlertMessage, UnitStatusEvent, User
from records.timeline_texts import alert_message, describe, fields_text, unit_status_text
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role

DISPATCH_PUBLISHER = "larmcentral"  # dispatch.assignment.STATUS_PUBLISHER (a lower layer cannot import it)
FEED_USER = "system.flöde"  # records.identity.FEED_USER: its outcomes are a unit's report


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime  # Swedish local time
    who: str
    what: str
    detail: str = ""
    kind: str  # ärende | triage | enhet | utfall | uppföljning | granskning | larm | anteckning


class CaseTimeline(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: CaseSummary
    entries: list[TimelineEntry]


class _Item:
    """An entry with its sort key: time, then the source's order (audit rows in id order)."""

    __slots__ = ("at", "rank", "entry")

    def __init__(self, at: datetime, rank: tuple[int, int], entry: TimelineEntry):
        self.at, self.rank, self.entry = at, rank, entry


def case_timeline(session: Session, actor: Actor, case_id: int) -> CaseTimeline:
    """Every event of case `case_id`, oldest first. NotPermitted for a non-clinical role, CaseNotFound."""
    require_case_reader(actor, "se ärendets händelser")
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    items = [*_audited(session, case_id), *_unit_statuses(session, case_id), *_notes(session, case_id),
             *_alert_messages(session, case_id)]
    items.sort(key=lambda i: (i.at, i.rank))
    audit(session, actor, "case.read", case_id, via="timeline", patient=case.personnummer)
    return CaseTimeline(case=summarise(case), entries=[i.entry for i in items])


def _local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def _names(session: Session, user_ids: set[int]) -> dict[int, User]:
    return {u.id: u for u in scalars_where_in(session, User, User.id, sorted(user_ids))}


_ROLE_WORDS = {Role.NURSE.value: "sjuksköterska", Role.DISPATCHER.value: "dirigent",
               Role.PHYSICIAN.value: "RLS-läkare", Role.ADMIN.value: "administratör"}


def _who(user: User | None, role: str) -> str:
    """The user's name and the role they acted in ("Anna Berg (sjuksköterska)"); a system user's name alone."""
    if user is None:
        return "okänd användare"
    label = _ROLE_WORDS.get(role, "") if user.auth_source != "system" else ""
    return f"{user.display_name} ({label})" if label else user.display_name


def _audited(session: Session, case_id: int) -> list[_Item]:
    rows = list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))
    rows = sorted({r.id: r for r in [*rows, *_statuses_set_by_hand(session, case_id)]}.values(), key=lambda r: r.id)
    users = _names(session, {r.user_id for r in rows})
    out: list[_Item] = []
    saves: list[AuditEntry] = []  # consecutive plain intake saves by one user, told as one entry
    for row in rows:
        detail = row.detail or {}
        plain_save = row.action == "case.update_intake" and "patient_before" not in detail
        if saves and not (plain_save and row.user_id == saves[0].user_id):
            out.append(_saves(saves, users))
            saves = []
        if plain_save:
            saves.append(row)
            continue
        described = describe(row.action, detail)
        if described is None:
            continue
        what, more, kind = described
        who = _who(users.get(row.user_id), row.role)
        user = users.get(row.user_id)
        if row.action == "outcome.record" and detail.get("source") == "feed" or (
                user is not None and user.username == FEED_USER and detail.get("unit_id")):
            who = f"{detail.get('unit_id') or 'enhet'} (enhetens rapport)"
        out.append(_Item(row.at, (0, row.id), TimelineEntry(at=_local(row.at), who=who, what=what, detail=more,
                                                            kind=kind)))
    if saves:
        out.append(_saves(saves, users))
    return out


def _statuses_set_by_hand(session: Session, case_id: int) -> list[AuditEntry]:
    """A unit's status set by hand without naming the case (a status outside the mission, e.g. free again) while
    the unit was on the case: found by the audit log's time index within each assignment, then by the unit."""
    now = datetime.now(UTC)
    out: list[AuditEntry] = []
    for a in session.scalars(select(Assignment).where(Assignment.case_id == case_id)):
        stmt = select(AuditEntry).where(AuditEntry.at >= a.assigned_at, AuditEntry.at <= (a.ended_at or now),
                                        AuditEntry.action == "unit.status", AuditEntry.case_id.is_(None))
        out += [r for r in session.scalars(stmt) if (r.detail or {}).get("unit_id") == a.unit_id]
    return out


def _saves(rows: list[AuditEntry], users: dict[int, User]) -> _Item:
    first, last = rows[0], rows[-1]
    fields = fields_text([f for r in rows for f in (r.detail or {}).get("fields") or []])
    times = f" ({len(rows)} sparningar)" if len(rows) > 1 else ""
    detail = f"Senast {_local(last.at):%H:%M:%S}" if len(rows) > 1 else ""
    entry = TimelineEntry(at=_local(first.at), who=_who(users.get(first.user_id), first.role),
                          what=f"Uppgifterna ändrades{times}: {fields}", detail=detail, kind="ärende")
    return _Item(first.at, (0, first.id), entry)


def _unit_statuses(session: Session, case_id: int) -> Iterator[_Item]:
    """What each unit's feed reported while the unit was on the case: each change of status once."""
    now = datetime.now(UTC)
    for a in session.scalars(select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id)):
        stmt = (select(UnitStatusEvent)
                .where(UnitStatusEvent.unit_id == a.unit_id, UnitStatusEvent.event_time >= a.assigned_at,
                       UnitStatusEvent.event_time <= (a.ended_at or now),
                       UnitStatusEvent.publisher != DISPATCH_PUBLISHER)
                .order_by(UnitStatusEvent.event_time, UnitStatusEvent.id))
        last: str | None = None
        for ev in session.scalars(stmt):
            if ev.status == last:
                continue
            last = ev.status
            flag = f"Utanför statusschemat ({ev.flag})" if ev.flag else ""
            yield _Item(ev.event_time, (1, ev.id), TimelineEntry(
                at=_local(ev.event_time), who=f"{ev.unit_id} (flöde)", what=f"{ev.unit_id}: {unit_status_text(ev.status)}",
                detail=flag, kind="enhet"))


ALERT_SENDER = "Larmcentralen (utlarmning)"


def _alert_messages(session: Session, case_id: int) -> list[_Item]:
    """Every revision of every alert sent to the case's units (docs/alert-protocol.md): when it was first sent
    (or, not sent yet, when it was queued), how often, and when the unit's system acknowledged it. The answers
    (ack, accept, decline) and timeouts are the reply commands' audit rows."""
    out: list[_Item] = []
    previous: dict[int, dict[str, object]] = {}
    for m in session.scalars(select(UnitAlertMessage).where(UnitAlertMessage.case_id == case_id)
                             .order_by(UnitAlertMessage.id)):
        what = alert_message(m.type, m.body, previous.get(m.alert_ref))
        if m.type != "cancel":
            previous[m.alert_ref] = m.body
        if m.first_sent_at is None:
            at, detail = m.created_at, "Ej skickat ännu (enhetssystemet har inte nåtts)"
        else:
            at = m.first_sent_at
            detail = f"Skickat {_local(at):%H:%M:%S}"
            if m.sends > 1 and m.last_sent_at is not None:
                detail += f", {m.sends} sändningar (senast {_local(m.last_sent_at):%H:%M:%S})"
            if m.acked_at is not None:
                detail += f"; kvitterat {_local(m.acked_at):%H:%M:%S}"
        out.append(_Item(at, (3, m.id), TimelineEntry(at=_local(at), who=ALERT_SENDER, what=what, detail=detail,
                                                      kind="enhet")))
    return out


def _notes(session: Session, case_id: int) -> list[_Item]:
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)))
    users = _names(session, {n.user_id for n in notes})
    return [_Item(n.written_at, (2, n.id), TimelineEntry(
        at=_local(n.written_at), who=_who(users.get(n.user_id), n.role), what=f"Anteckning: {n.text}",
        kind="anteckning")) for n in notes]
