"""Reading väntrummet (the open cases a dispatcher works from): all of it, or only the cases a change named.

A change notification names the cases it touched (records.change_feed). Re-reading the whole listing for
each one made every console validate every open case and, at a centre's size, kept the server and the
consoles' CPUs busy with work that changed nothing: `read_waiting(..., ids=…)` reads just those cases, and
`merged()` folds them into what the console shows (a case no longer open, or gone, leaves it). The whole
listing is read at start, after a reconnect (ids None), for large bursts and by the slow safety poll.

Auditing: what the user is shown is audited when it changes, not on every read: the whole listing when its
set of cases changed (records.cases.list_cases), a partial read for the cases it newly shows. A partial read is
what every console runs for every change at the centre, and auditing in it put each console's read behind the
audit chain's lock (a hundred consoles queueing on it for every new case): with `audit_new=False` the read
only says which cases it newly shows (`WaitingRead.new`) and the console audits them right after showing them,
batched (`audit_shown`, console/shown_audit.py), still in the same chain and attributed to the same user.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dispatch.assignment import first_assigned_at
from records.actor import Actor
from records.audit import audit
from records.case_state import CaseStatus
from records.cases import CaseView, list_cases
from records.models import Case

OPEN_STATUSES = (CaseStatus.WAITING, CaseStatus.ASSIGNED)
_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
FULL_READ_ABOVE = 200  # named cases: more than this and the whole listing is cheaper to read
_NAMED = select(Case).where(Case.id.in_(bindparam("ids", expanding=True)))  # built once: every console, every change


@dataclass(frozen=True)
class WaitingRead:
    """`cases`: the open cases read (all of them when `full`); `gone`: cases read that are not open (or do not
    exist); `assigned_at`: when each assigned case read got its unit."""

    cases: tuple[CaseView, ...]
    full: bool
    gone: frozenset[int] = frozenset()
    assigned_at: dict[int, datetime] = field(default_factory=dict)
    new: frozenset[int] = frozenset()  # a partial read's newly shown cases, not yet audited (audit_new=False)


def read_waiting(session: Session, actor: Actor, shown: Collection[int],
                 ids: Collection[int] | None = None, *, audit_new: bool = True) -> WaitingRead:
    """The open cases named by `ids` (None: the whole listing). `shown`: the ids the console shows now.
    `audit_new=False`: a partial read leaves the audit of what it newly shows (`new`) to the caller, who must
    pass them to `audit_shown` once shown (a whole read is always audited here)."""
    if ids is None or len(ids) > FULL_READ_ABOVE:
        cases = list_cases(session, actor, OPEN_STATUSES, unchanged_from=shown)
        return WaitingRead(tuple(cases), True, assigned_at=_assigned(session, cases))
    rows: Sequence[Case] = session.scalars(_NAMED, {"ids": list(ids)}).all() if ids else []
    cases = [CaseView.model_validate(c) for c in rows if c.status in _OPEN_VALUES]
    open_ids = {c.id for c in cases}
    new = frozenset(open_ids.difference(shown))
    if new and audit_new:
        audit_shown(session, actor, new)
        new = frozenset()
    return WaitingRead(tuple(cases), False, frozenset(ids) - open_ids, _assigned(session, cases), new)


def audit_shown(session: Session, actor: Actor, ids: Collection[int], shown_at: datetime | None = None) -> None:
    """Audit that `actor` was shown the cases `ids` in väntrummet (`case.list`, as a whole listing is);
    `shown_at`: when, if before this transaction (the audit of a batch, written after it was shown)."""
    if ids:
        extra = {} if shown_at is None else {"shown_at": shown_at}
        audit(session, actor, "case.list", None, case_ids=sorted(ids), **extra)


def merged(current: Sequence[CaseView], assigned_at: Mapping[int, datetime],
           read: WaitingRead) -> tuple[list[CaseView], dict[int, datetime]]:
    """What the console shows after `read`: (cases, assigned_at)."""
    if read.full:
        return list(read.cases), dict(read.assigned_at)
    fresh = {c.id for c in read.cases}
    by_id = {c.id: c for c in current if c.id not in read.gone}
    by_id.update((c.id, c) for c in read.cases)
    at = {k: v for k, v in assigned_at.items() if k in by_id and k not in fresh}
    at.update(read.assigned_at)
    return list(by_id.values()), at


def _assigned(session: Session, cases: Sequence[CaseView]) -> dict[int, datetime]:
    return first_assigned_at(session, [c.id for c in cases if c.status is CaseStatus.ASSIGNED])
