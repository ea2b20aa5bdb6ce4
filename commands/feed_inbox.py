"""The durable outcome inbox applied: every outcome a unit reported on a feed, through the command layer.

Whoever persists the feeds (the embedded console, or `feed serve` on PostgreSQL) inserts each outcome
message into `feed_outcome_inbox` when it arrives (state `pending`). `apply_due_outcomes` then applies the
due rows, oldest first, as the system user `system.flöde`:

* **One row, one transaction.** The row is picked and locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
  processes never take the same row; SQLite: its single write lock), `ApplyFeedOutcome` runs in a savepoint
  and the row is marked `applied` in the same transaction: applied and marked, or neither. A re-apply is a
  no-op anyway (the command id is derived from the message).
* **Per case in arrival order.** A row waits while an earlier row of the same case is still pending, so a
  correction never lands before the outcome it corrects.
* **Transient failures back off** (the database busy, down, a lock or write conflict): attempts + 1, the next
  attempt 2 s later, doubling up to 5 min; after MAX_ATTEMPTS the row is dead. When the database refuses even
  the bookkeeping (SQLite's write lock held by another process), the run stops with `stopped_by` and the row
  stays due: nothing is lost, the caller tries again later.
* **Permanent failures are dead at once** (unknown case, an invalid message, a refused state change, a
  permission): state `dead` with a Swedish reason, and an item in the RLS physician's review queue
  (reason `feed_outcome_failed`; on the case when it exists, else without one, naming the case number).

Every state change of a row is audited as the system user's job `feed.inbox` (records.identity.SYSTEM_JOBS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from commands.base import ConcurrentChange
from commands.closing import ApplyFeedOutcome, FeedOutcomeApplied
from commands.runner import execute
from outcomes.closing import FeedOutcome
from records.actor import Actor, NotPermitted
from records.audit import audit
from records.cases import CaseNotFound
from records.db import DatabaseUnavailable, WriteConflict, transaction
from records.identity import FEED_USER, JOB, verify_actor
from records.models import Case, FeedOutcomeInbox, Review
from records.review_queue import FEED_OUTCOME_FAILED

INBOX_JOB = "feed.inbox"  # the system user's job while it keeps the inbox (records.identity.SYSTEM_JOBS)
FIRST_DELAY_S = 2.0
MAX_DELAY_S = 300.0
MAX_ATTEMPTS = 20
PENDING, APPLIED, DEAD = "pending", "applied", "dead"
TRANSIENT: tuple[type[BaseException], ...] = (DatabaseUnavailable, WriteConflict, ConcurrentChange, StaleDataError,
                                              OperationalError, IntegrityError)
PG_CASE_ID_MAX = 2**31 - 1  # cases.id is a 32-bit integer on PostgreSQL (comparing a larger id is an error)
_BOUND_DEFAULT: Any = ...


@dataclass(frozen=True)
class DeadOutcome:
    """An inbox row given up on: what the status bar and the RLS queue say about it."""

    inbox_id: int
    unit_id: str
    case_id: int
    code: str
    reason: str  # Swedish


@dataclass
class InboxRun:
    """What one `apply_due_outcomes` call did."""

    applied: int = 0
    retried: int = 0
    dead: int = 0
    outcomes: list[FeedOutcomeApplied] = field(default_factory=list)  # one per applied row, in order
    dead_rows: list[DeadOutcome] = field(default_factory=list)
    stopped_by: str | None = None  # Swedish: why the run stopped early (the database busy or down)

    @property
    def applied_cases(self) -> list[int]:
        return [o.case_id for o in self.outcomes]


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th transient failure a row is tried again: 2 s, doubling, at most 5 min."""
    return timedelta(seconds=min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** max(0, min(attempts - 1, 16))))


def apply_due_outcomes(factory: sessionmaker[Session], actor: Actor, *, now: datetime | None = None,
                       limit: int = 100, bound: float | None | object = _BOUND_DEFAULT) -> InboxRun:
    """Apply up to `limit` due pending rows as `actor` (system.flöde), each in its own transaction.

    `now` (UTC) is when rows count as due and the base of the backoff; `bound` the transaction bound
    (records.db.transaction). Raises NotPermitted when `actor` is not the feed's system user or its sign-in
    no longer holds (nothing is touched then); every other failure is the row's, recorded on it."""
    if actor.username != FEED_USER:
        raise NotPermitted(f"Bara systemanvändaren {FEED_USER} tillämpar utfall från enheternas flöden.")
    at = now or datetime.now(UTC)
    result = InboxRun()
    for _ in range(limit):
        if not _apply_next(factory, actor, at, bound, result):
            break
    return result


def _tx(factory: sessionmaker[Session], bound: float | None | object) -> Any:
    return transaction(factory) if bound is _BOUND_DEFAULT else transaction(factory, bound=bound)


def _apply_next(factory: sessionmaker[Session], actor: Actor, at: datetime, bound: float | None | object,
                result: InboxRun) -> bool:
    """Apply the next due row; False when there is none or the run has to stop."""
    picked: list[tuple[int, int]] = []  # (row id, attempts) once a row is locked
    try:
        with _tx(factory, bound) as session:
            session.info[JOB] = INBOX_JOB
            actor = verify_actor(session, actor)  # NotPermitted: the caller's problem, not the row's
            row = _next_due(session, at)
            if row is None:
                return False
            picked.append((row.id, row.attempts))
            _apply_row(session, actor, row, at, result)
            return True
    except TRANSIENT as exc:
        if not picked:
            result.stopped_by = _why(exc)
            return False
        return _retry(factory, actor, picked[0], exc, at, bound, result)


def _next_due(session: Session, at: datetime) -> FeedOutcomeInbox | None:
    earlier = aliased(FeedOutcomeInbox)
    query = (select(FeedOutcomeInbox)
             .where(FeedOutcomeInbox.state == PENDING, FeedOutcomeInbox.next_attempt_at <= at,
                    ~exists().where(earlier.case_id == FeedOutcomeInbox.case_id, earlier.state == PENDING,
                                    earlier.id < FeedOutcomeInbox.id))
             .order_by(FeedOutcomeInbox.id).limit(1))
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=FeedOutcomeInbox)
    row = session.scalar(query)
    return row if row is not None and row.state == PENDING else None


def _apply_row(session: Session, actor: Actor, row: FeedOutcomeInbox, at: datetime, result: InboxRun) -> None:
    try:
        if _case(session, row.case_id) is None:  # also a case id beyond cases.id's range
            raise CaseNotFound(f"Ärende {row.case_id} finns inte.")
        cmd = ApplyFeedOutcome.for_message(FeedOutcome.model_validate(row.body))
        with session.begin_nested():  # a refused command rolls back to here; the row is then marked dead
            applied = execute(session, actor, cmd)
    except TRANSIENT:
        raise
    except Exception as exc:  # noqa: BLE001 - anything else will not get better by waiting: dead, with why
        session.info[JOB] = INBOX_JOB
        _mark_dead(session, actor, row, _why(exc), at, result)
        return
    session.info[JOB] = INBOX_JOB
    assert isinstance(applied, FeedOutcomeApplied)
    row.state, row.done_at, row.last_error = APPLIED, at, None
    audit(session, actor, "feed_inbox.applied", applied.case_id, **_about(row))
    result.applied += 1
    result.outcomes.append(applied)


def _retry(factory: sessionmaker[Session], actor: Actor, picked: tuple[int, int], exc: BaseException,
           at: datetime, bound: float | None | object, result: InboxRun) -> bool:
    """Record a transient failure on the row (in a transaction of its own: the apply's was rolled back)."""
    row_id, attempts = picked
    try:
        with _tx(factory, bound) as session:
            session.info[JOB] = INBOX_JOB
            # Waits (within the bound) for a holder of the row: another applier, or the backend of the apply's
            # own connection when the watchdog cut it, which lets go once it notices.
            row = session.scalar(select(FeedOutcomeInbox).where(FeedOutcomeInbox.id == row_id).with_for_update())
            if row is None or row.state != PENDING or row.attempts != attempts:
                return True  # another applier dealt with it meanwhile
            why = _why(exc)
            row.attempts = attempts + 1
            if row.attempts >= MAX_ATTEMPTS:
                _mark_dead(session, actor, row, f"Gav upp efter {row.attempts} försök: {why}", at, result)
                return True
            row.next_attempt_at, row.last_error = at + backoff(row.attempts), why
            audit(session, actor, "feed_inbox.retry", None, **_about(row), attempts=row.attempts,
                  next_attempt_at=row.next_attempt_at, error=why)
            result.retried += 1
            return True
    except TRANSIENT as again:  # the database refuses the bookkeeping too: stop; the row stays due
        result.stopped_by = _why(again)
        return False


def _mark_dead(session: Session, actor: Actor, row: FeedOutcomeInbox, why: str, at: datetime,
               result: InboxRun) -> None:
    row.state, row.done_at, row.last_error = DEAD, at, why
    code = str(row.body.get("code", "?")) if isinstance(row.body, dict) else "?"
    case = _case(session, row.case_id)
    detail = (f"Utfallet {code} som enhet {row.unit_id} rapporterade för ärende {row.case_id} "
              f"({row.publisher}, nr {row.seq}) kunde inte registreras: {why}")
    session.add(Review(case_id=case.id if case else None, reason=FEED_OUTCOME_FAILED, detail=detail,
                       created_at=at, status="open"))
    case_id = case.id if case else None
    audit(session, actor, "review.open", case_id, reason=FEED_OUTCOME_FAILED, case=row.case_id)
    audit(session, actor, "feed_inbox.dead", case_id, **_about(row), attempts=row.attempts, reason=why)
    result.dead += 1
    result.dead_rows.append(DeadOutcome(row.id, row.unit_id, row.case_id, code, why))


def _case(session: Session, case_id: int) -> Case | None:
    if _is_postgres(session) and not 0 < case_id <= PG_CASE_ID_MAX:
        return None
    return session.get(Case, case_id)


def _about(row: FeedOutcomeInbox) -> dict[str, Any]:
    return {"inbox_id": row.id, "publisher": row.publisher, "epoch": row.epoch, "seq": row.seq,
            "unit_id": row.unit_id, "case": row.case_id}


def _why(exc: BaseException) -> str:
    """A failure in Swedish, for the row's last_error, the review and the status bar."""
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
        what = errors[0]["msg"] if errors else str(exc)
        return f"Utfallsmeddelandet är ogiltigt ({where or 'meddelandet'}: {what})."
    if isinstance(exc, DatabaseUnavailable | WriteConflict | ConcurrentChange | LookupError | ValueError
                  | PermissionError):
        return str(exc)
    if isinstance(exc, StaleDataError):
        return "Ärendet ändrades samtidigt från en annan konsol."
    if isinstance(exc, IntegrityError):
        return "Samma utfall registrerades samtidigt av en annan process."
    if isinstance(exc, OperationalError):
        return "Databasen kan inte nås just nu."
    return f"Oväntat fel ({type(exc).__name__}): {exc}"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
