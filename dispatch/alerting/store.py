"""Alerts in the database: the outbox of docs/alert-protocol.md and each alert's state.

Every function works in the caller's transaction and changes state only; the command layer (commands/unit_alerts.py)
audits. An alert (UnitAlert) belongs to one assignment. Each `alert`, `update` and `cancel` is a revision — a
UnitAlertMessage holding the body exactly as sent — and the alert's `seq` names the latest; the sender delivers only
that one (`next_send_at`: when, None when nothing is due) until the gateway acknowledges it (`acked_seq`). An
acknowledgement of revision n counts for every revision up to n, and a repeat of one changes nothing.

Concurrency: a command that revises an alert and the sender that records a send may meet on one row. The sender's
writes are guarded updates (`WHERE seq = :seq`), so a revision made meanwhile is never overwritten with the old
one's bookkeeping; the commands lock the row (`FOR UPDATE` on PostgreSQL, SQLite's single writer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import case, func, null, select, update
from sqlalchemy.orm import Session

from dispatch.alerting.content import alert_body, alert_priority, content_hash
from dispatch.alerting.protocol import VERSION
from records.case_state import CaseStatus
from records.models import Assignment, Case, UnitAlert, UnitAlertMessage
from resources.settings import load_settings
from resources.vocabulary import Priority

SENT, ACKNOWLEDGED, ACCEPTED, DECLINED = "sent", "acknowledged", "accepted", "declined"
CANCEL_TEXTS = {"recalled": "Återkallad av larmcentralen", "reassigned": "Uppdraget går till en annan enhet",
                "redirected": "Omdirigerad till ett annat ärende", "case_closed": "Ärendet är avslutat",
                "declined": "Avböjt av besättningen"}
MessageType = Literal["alert", "update", "cancel"]
WAITING = CaseStatus.WAITING.value


class UnknownAlert(LookupError):
    """No alert with that id for that publisher (or a revision that was never sent)."""


def ack_timeout(priority: str) -> timedelta:
    """How long the gateway has to acknowledge a revision of an alert at `priority` (LARMCENTRAL_ALERT_ACK_TIMEOUTS)."""
    timeouts = load_settings().alert_ack_timeouts
    try:
        return timedelta(seconds=timeouts[Priority(priority)])
    except ValueError:
        return timedelta(seconds=timeouts[Priority.P3])


def resend_delay(sent_before: int) -> timedelta:
    """The wait after the (`sent_before` + 1)-th send of a revision: the first setting, doubling, at most the max."""
    s = load_settings()
    first, most = s.alert_resend_first_s, max(s.alert_resend_first_s, s.alert_resend_max_s)
    return timedelta(seconds=min(most, first * 2 ** min(sent_before, 20)))


# --- revisions (in a command's transaction) ------------------------------------------------------------------

def open_alert(session: Session, *, assignment_id: int, case_id: int, unit_id: str, publisher: str,
               content: dict[str, Any], at: datetime) -> UnitAlert:
    """A new alert, revision 1, due for sending at once."""
    alert_id = str(uuid.uuid4())
    priority = alert_priority(content.get("priority"))
    row = UnitAlert(alert_id=alert_id, assignment_id=assignment_id, case_id=case_id, unit_id=unit_id,
                    publisher=publisher, priority=priority, state=SENT, seq=1, acked_seq=0,
                    content_hash=content_hash(content), created_at=at, deadline_at=at + ack_timeout(priority),
                    timed_out_seq=0, next_send_at=at, sends=0)
    session.add(row)
    session.flush()
    _add_revision(session, row, "alert", alert_body(publisher, alert_id, 1, unit_id, case_id, content), at)
    return row


def revise_alert(session: Session, row: UnitAlert, content: dict[str, Any], at: datetime) -> UnitAlertMessage:
    """An `update`: the whole picture again under the next revision number."""
    row.seq += 1
    row.priority = alert_priority(content.get("priority"))
    row.content_hash = content_hash(content)
    row.deadline_at = at + ack_timeout(row.priority)
    row.next_send_at = at
    return _add_revision(session, row, "update",
                         alert_body(row.publisher, row.alert_id, row.seq, row.unit_id, row.case_id, content), at)


def cancel_alert(session: Session, row: UnitAlert, reason: str, at: datetime) -> UnitAlertMessage:
    """A `cancel`: the assignment ended. Always sent, also when the alert seems never to have gone out (the
    sender may be sending it right now)."""
    row.seq += 1
    row.cancelled_at, row.cancel_reason = at, reason
    row.deadline_at = at + ack_timeout(row.priority)
    row.next_send_at = at
    body = {"v": VERSION, "publisher": row.publisher, "alert_id": row.alert_id, "seq": row.seq,
            "unit_id": row.unit_id, "case_id": row.case_id, "reason": reason,
            "text": CANCEL_TEXTS.get(reason, CANCEL_TEXTS["recalled"])}
    return _add_revision(session, row, "cancel", body, at)


def _add_revision(session: Session, row: UnitAlert, kind: MessageType, body: dict[str, Any],
                  at: datetime) -> UnitAlertMessage:
    msg = UnitAlertMessage(alert_ref=row.id, case_id=row.case_id, seq=row.seq, type=kind, body=body, created_at=at,
                           sends=0)
    session.add(msg)
    session.flush()
    return msg


def has_open_alerts(session: Session, case_id: int) -> bool:
    return session.scalar(select(UnitAlert.id).where(UnitAlert.case_id == case_id, UnitAlert.cancelled_at.is_(None))
                          .limit(1)) is not None


def open_alerts_of_case(session: Session, case_id: int) -> list[UnitAlert]:
    """The case's alerts not cancelled (their assignment was active when last looked at), locked."""
    return list(session.scalars(select(UnitAlert).where(UnitAlert.case_id == case_id, UnitAlert.cancelled_at.is_(None))
                                .order_by(UnitAlert.id).with_for_update()))


def open_alerts_of_unit(session: Session, unit_id: str) -> list[UnitAlert]:
    return list(session.scalars(select(UnitAlert).where(UnitAlert.unit_id == unit_id, UnitAlert.cancelled_at.is_(None))
                                .order_by(UnitAlert.id).with_for_update()))


def lock_case_alerts(session: Session, case_id: int) -> None:
    """Lock every alert of the case, in id order: the order each transaction that locks several alert rows takes
    them in (with the case locked before), so two of them never wait on each other."""
    session.execute(select(UnitAlert.id).where(UnitAlert.case_id == case_id).order_by(UnitAlert.id).with_for_update())


def alert_by_id(session: Session, alert_id: str, *, lock: bool = False) -> UnitAlert | None:
    stmt = select(UnitAlert).where(UnitAlert.alert_id == alert_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def revision(session: Session, row: UnitAlert, seq: int | None = None) -> UnitAlertMessage | None:
    return session.scalar(select(UnitAlertMessage).where(UnitAlertMessage.alert_ref == row.id,
                                                         UnitAlertMessage.seq == (row.seq if seq is None else seq)))


# --- the gateway's answers (in the reply commands' transactions) -----------------------------------------------

def apply_ack(row: UnitAlert, seq: int, at: datetime, session: Session) -> bool:
    """An `ack` (result ok) of revision `seq`. True when it acknowledged something new; False for a repeat. A repeat
    of the latest revision still ends its resending (a resync after the gateway's restart sent it again)."""
    if seq > row.seq:
        raise UnknownAlert(f"revision {seq} av larmet {row.alert_id} har inte skickats")
    new = seq > row.acked_seq
    if new:
        row.acked_seq = seq
        session.execute(update(UnitAlertMessage).where(UnitAlertMessage.alert_ref == row.id,
                                                       UnitAlertMessage.seq <= seq, UnitAlertMessage.acked_at.is_(None))
                        .values(acked_at=at).execution_options(synchronize_session=False))
        kind = session.scalar(select(UnitAlertMessage.type).where(UnitAlertMessage.alert_ref == row.id,
                                                                  UnitAlertMessage.seq == seq))
        if row.state == SENT and kind != "cancel":
            row.state, row.acked_at = ACKNOWLEDGED, at
    if seq >= row.seq:
        row.next_send_at = None
        if row.cancelled_at is not None and row.closed_at is None:
            row.closed_at = at
    return new


def apply_refusal(row: UnitAlert, seq: int, reason: str, at: datetime) -> bool:
    """An `ack` with result refused: that revision will not be taken; stop sending it and count it as not
    acknowledged (the dispatchers are alerted). False when it changes nothing (an older revision, a repeat)."""
    if seq > row.seq:
        raise UnknownAlert(f"revision {seq} av larmet {row.alert_id} har inte skickats")
    if seq < row.seq or row.acked_seq >= seq or row.timed_out_seq >= seq:
        return False
    row.timed_out_seq, row.refused_reason, row.next_send_at = seq, reason, None
    if row.cancelled_at is not None:  # a refused recall will not be taken later either: told once, then closed
        row.closed_at = at
    return True


def accept_refusal(row: UnitAlert) -> str | None:
    """Why an `accept` cannot be taken (Swedish), None when it can (or is a repeat)."""
    if row.state == DECLINED:
        return "Uppdraget är redan avböjt."
    if row.cancelled_at is not None:
        return "Larmet är återkallat."
    return None


def decline_refusal(row: UnitAlert) -> str | None:
    """Why a `decline` cannot be taken (Swedish), None when it can (or is a repeat)."""
    if row.state == DECLINED:
        return None
    if row.cancelled_at is not None:
        return "Larmet är redan återkallat."
    return None


def apply_accept(row: UnitAlert, at: datetime) -> bool:
    if row.state == ACCEPTED:
        return False
    row.state, row.accepted_at = ACCEPTED, at
    row.acked_at = row.acked_at or at  # the crew saw it: received, whatever became of the ack
    return True


def apply_decline(row: UnitAlert, reason: str, at: datetime) -> bool:
    if row.state == DECLINED:
        return False
    row.state, row.declined_at, row.decline_reason = DECLINED, at, reason
    row.acked_at = row.acked_at or at
    return True


def mark_timed_out(row: UnitAlert, seq: int) -> bool:
    """Revision `seq` passed its deadline unacknowledged. False when it is no longer the question."""
    if seq != row.seq or row.acked_seq >= seq or row.timed_out_seq >= seq:
        return False
    row.timed_out_seq = seq
    return True


# --- the sender's bookkeeping (its own short transactions) -----------------------------------------------------

@dataclass(frozen=True)
class Due:
    """A revision to send now."""

    row_id: int
    alert_id: str
    publisher: str
    seq: int
    type: str
    body: dict[str, Any]
    sent_before: int  # how often this revision was sent already


def due_messages(session: Session, now: datetime, publishers: set[str], limit: int = 500) -> list[Due]:
    """The latest revision of every alert due for sending to one of `publishers`, oldest due first."""
    if not publishers:
        return []
    rows = session.execute(
        select(UnitAlert.id, UnitAlert.alert_id, UnitAlert.publisher, UnitAlert.seq, UnitAlertMessage.type,
               UnitAlertMessage.body, UnitAlertMessage.sends)
        .join(UnitAlertMessage, (UnitAlertMessage.alert_ref == UnitAlert.id) & (UnitAlertMessage.seq == UnitAlert.seq))
        .where(UnitAlert.next_send_at <= now, UnitAlert.publisher.in_(sorted(publishers)))
        .order_by(UnitAlert.next_send_at, UnitAlert.id).limit(limit)).all()
    return [Due(*r) for r in rows]


def record_sent(session: Session, sent: list[Due], at: datetime) -> None:
    """What was handed to the sockets: next attempt after the backoff, counted on the alert and the revision.
    Guarded by the revision: one made meanwhile keeps its own `next_send_at` (now). A revision already acknowledged
    (sent again to a restarted gateway) is sent once: no resends wait for an acknowledgement it already has. Rows in
    id order, as every transaction locks alert rows."""
    for d in sorted(sent, key=lambda d: d.row_id):
        later = case((UnitAlert.acked_seq >= UnitAlert.seq, null()), else_=at + resend_delay(d.sent_before))
        session.execute(update(UnitAlert).where(UnitAlert.id == d.row_id, UnitAlert.seq == d.seq,
                                                UnitAlert.next_send_at.is_not(None))
                        .values(sends=UnitAlert.sends + 1, last_sent_at=at, next_send_at=later)
                        .execution_options(synchronize_session=False))
        session.execute(update(UnitAlertMessage).where(UnitAlertMessage.alert_ref == d.row_id,
                                                       UnitAlertMessage.seq == d.seq)
                        .values(sends=UnitAlertMessage.sends + 1, last_sent_at=at,
                                first_sent_at=func.coalesce(UnitAlertMessage.first_sent_at, at))
                        .execution_options(synchronize_session=False))


def send_now(session: Session, publisher: str, now: datetime, *, everything_open: bool) -> int:
    """The gateway of `publisher` is back: what is due goes at once instead of after its backoff. With
    `everything_open` (a new gateway epoch: it may have lost what it had) also every open alert already
    acknowledged, so its latest revision is sent again."""
    cond = [UnitAlert.publisher == publisher, UnitAlert.closed_at.is_(None)]
    if not everything_open:
        cond.append(UnitAlert.next_send_at.is_not(None))
    ids = list(session.scalars(select(UnitAlert.id).where(*cond).order_by(UnitAlert.id).with_for_update()))
    if ids:  # locked in id order first (see lock_case_alerts), then changed
        session.execute(update(UnitAlert).where(UnitAlert.id.in_(ids), UnitAlert.closed_at.is_(None))
                        .values(next_send_at=now).execution_options(synchronize_session=False))
    return len(ids)


def overdue(session: Session, now: datetime, limit: int = 200) -> list[tuple[str, int, int]]:
    """(alert id, revision, case id) of every latest revision past its deadline, unacknowledged and not yet
    counted as such."""
    return [(a, s, c) for a, s, c in session.execute(
        select(UnitAlert.alert_id, UnitAlert.seq, UnitAlert.case_id)
        .where(UnitAlert.next_send_at.is_not(None), UnitAlert.deadline_at <= now,
               UnitAlert.acked_seq < UnitAlert.seq, UnitAlert.timed_out_seq < UnitAlert.seq)
        .order_by(UnitAlert.deadline_at).limit(limit)).all()]


def known_alert(session: Session, alert_id: str) -> tuple[int, str, str, int, int] | None:
    """(case id, publisher, unit id, latest revision, acknowledged revision) of an alert, or None."""
    row = session.execute(select(UnitAlert.case_id, UnitAlert.publisher, UnitAlert.unit_id, UnitAlert.seq,
                                 UnitAlert.acked_seq).where(UnitAlert.alert_id == alert_id)).first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


# --- what the consoles show ----------------------------------------------------------------------------------

AlertStatus = Literal["unsent", "sent", "acknowledged", "accepted", "declined", "not_acknowledged", "cancelled"]
STATUS_LABELS: dict[str, str] = {"unsent": "Ej skickat", "sent": "Skickat", "acknowledged": "Kvitterat",
                                 "accepted": "Accepterat", "declined": "Avböjt", "not_acknowledged": "Ej kvitterat",
                                 "cancelled": "Återkallat"}
PENDING_WORDS = {"alert": "Larmet", "update": "Uppdateringen", "cancel": "Återkallelsen"}


@dataclass(frozen=True)
class AlertView:
    """One alert as the dispatchers see it (no patient data: unit, case, state and times)."""

    alert_id: str
    case_id: int
    unit_id: str
    assignment_id: int
    status: str  # AlertStatus
    pending: str  # type of the latest revision: alert | update | cancel
    seq: int
    acked: bool  # the latest revision acknowledged
    created_at: datetime
    acked_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    decline_reason: str | None
    refused_reason: str | None
    cancelled_at: datetime | None
    deadline_at: datetime
    sends: int

    @property
    def label(self) -> str:
        if self.status == "not_acknowledged" and self.pending != "alert":
            return f"{PENDING_WORDS[self.pending]} ej kvitterad"
        return STATUS_LABELS[self.status]

    @property
    def problem(self) -> bool:
        return self.status == "not_acknowledged"


def status_of(row: UnitAlert, pending: str) -> str:
    if row.state == DECLINED:  # the crew's answer says most (its recall need not reach a crew that declined)
        return "declined"
    if row.timed_out_seq == row.seq and row.acked_seq < row.seq:
        return "not_acknowledged"
    if row.cancelled_at is not None:
        return "cancelled"
    if row.state in (ACCEPTED, ACKNOWLEDGED):
        return row.state
    return "unsent" if row.sends == 0 else "sent"


def alert_views(session: Session, case_ids: list[int] | None = None, *, open_only: bool = False) -> list[AlertView]:
    """The alerts of `case_ids` (all when None), oldest first; `open_only`: not yet closed."""
    stmt = (select(UnitAlert, UnitAlertMessage.type)
            .join(UnitAlertMessage, (UnitAlertMessage.alert_ref == UnitAlert.id) & (UnitAlertMessage.seq == UnitAlert.seq))
            .order_by(UnitAlert.id))
    if case_ids is not None:
        if not case_ids:
            return []
        stmt = stmt.where(UnitAlert.case_id.in_(sorted(set(case_ids))))
    if open_only:
        stmt = stmt.where(UnitAlert.closed_at.is_(None))
    return [AlertView(alert_id=r.alert_id, case_id=r.case_id, unit_id=r.unit_id, assignment_id=r.assignment_id,
                      status=status_of(r, kind), pending=kind, seq=r.seq, acked=r.acked_seq >= r.seq,
                      created_at=r.created_at, acked_at=r.acked_at, accepted_at=r.accepted_at,
                      declined_at=r.declined_at, decline_reason=r.decline_reason, refused_reason=r.refused_reason,
                      cancelled_at=r.cancelled_at, deadline_at=r.deadline_at, sends=r.sends)
            for r, kind in session.execute(stmt).all()]


def alert_problems(session: Session) -> list[AlertView]:
    """What the dispatchers' consoles raise an alert for: every open alert whose latest revision was not
    acknowledged in time (or was refused), and every declined alert whose case is back in väntrummet because of it
    (the case waits and the declined assignment is its latest)."""
    late = [v for v in alert_views(session, None, open_only=True) if v.problem]
    latest = (select(Assignment.case_id, func.max(Assignment.id).label("last"))
              .group_by(Assignment.case_id).subquery())
    declined_ids = list(session.scalars(
        select(UnitAlert.case_id).join(Case, Case.id == UnitAlert.case_id)
        .join(latest, (latest.c.case_id == UnitAlert.case_id) & (latest.c.last == UnitAlert.assignment_id))
        .where(UnitAlert.state == DECLINED, Case.status == WAITING)))
    declined = [v for v in alert_views(session, declined_ids) if v.status == "declined"] if declined_ids else []
    return late + [v for v in declined if v.alert_id not in {p.alert_id for p in late}]
