"""The append-only audit log: every read and change of a case, by whom, from which console.

Nobody can rewrite it: the database refuses UPDATE and DELETE on audit_log (triggers, migration 0003;
on PostgreSQL also the application role's grants, records.roles), and every entry carries the hash of
the one before it (records.audit_chain), so a row changed behind the product's back — with the triggers
dropped by an owner — is found by `main.py audit verify` (records.audit_verify).

How an entry joins the chain
----------------------------
Two transactions must never chain onto the same predecessor, and the chain's order must be the id
order. So `audit()` does not insert: it queues the entry in `session.info`. Just before the transaction
commits (the `before_commit` session event, registered once on the Session class below), the queue is
written under the *chain lock*:

1. the session's other pending changes are flushed first (outside the lock);
2. the chain lock is taken — PostgreSQL: `pg_advisory_xact_lock(CHAIN_LOCK_KEY)`, held to COMMIT or
   ROLLBACK; SQLite: the database write lock (records.db begins every transaction with BEGIN
   IMMEDIATE; a no-op write makes sure of it on any other engine too);
3. the newest row's hash is read (`ORDER BY id DESC LIMIT 1`), each queued entry gets `prev_hash` and
   `hash` and is inserted on its own, so ids grow in chain order.

The lock is therefore held only from just before COMMIT, not for the whole transaction.

Reading the log inside the writing transaction: any statement run through the session that mentions
audit_log (`select(AuditEntry)…`, `audit_trail`, `session.get(AuditEntry, …)`, text SQL naming the
table) first writes the queue the same way (the `do_orm_execute` event), so the reader sees its own
transaction's entries exactly as before — only the lock is then held from that read to COMMIT. SQL sent
on `session.connection()` directly bypasses the session's events and does not see queued entries.

Rollback leaves nothing: a rolled-back transaction drops its queue (`after_soft_rollback`), and a
rolled-back savepoint drops only the entries queued inside it; the queue is always emptied when the
outer transaction ends, however it ends.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TableClause

from records.actor import Actor
from records.audit_chain import GENESIS, entry_hash
from records.models import AuditEntry

CHAIN_LOCK_KEY = 0x4C41524D41554449  # "LARMAUDI": the PostgreSQL advisory lock that serialises the chain
_QUEUE = "larmcentral.audit.queue"  # session.info: [(savepoint or None, AuditEntry)], in call order
_WRITING = "larmcentral.audit.writing"
_TABLE = AuditEntry.__tablename__


def now() -> datetime:
    return datetime.now(UTC)


def audit(session: Session, actor: Actor, action: str, case_id: int | None = None, **detail: Any) -> None:
    """Record `action` in the same transaction as the change it describes (both land or neither).

    Every read and change is audited, so this is also where it is checked that the actor is who it says:
    records.identity.check_audited_actor refuses (NotPermitted) an actor whose sign-in does not hold, an
    administrator reading patient data, and a system user outside its own job. A row about a case carries the
    case's patient at the time (`patient`), so a later change of personnummer does not move its history."""
    from records.identity import check_audited_actor  # identity audits too: imported when first needed

    actor = check_audited_actor(session, actor, action)
    if case_id is not None and "patient" not in detail:
        from records.models import Case

        case = session.get(Case, case_id)
        if case is not None:
            detail["patient"] = case.personnummer
    entry = AuditEntry(at=now(), user_id=actor.user_id, role=actor.role.value, console=actor.console,
                       action=action, case_id=case_id, detail=_jsonable(detail))
    if session.get_transaction() is None:
        session.connection()  # begin the transaction now (as session.add would), so its end clears the queue
    session.info.setdefault(_QUEUE, []).append((session.get_nested_transaction(), entry))


def audit_trail(session: Session, case_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))


def write_queued(session: Session) -> None:
    """Chain and insert this session's queued entries now (see the module docstring). Called before
    commit and before any read of audit_log; harmless when nothing is queued."""
    queue: list[tuple[SessionTransaction | None, AuditEntry]] = session.info.get(_QUEUE) or []
    if not queue or session.info.get(_WRITING):
        return
    session.info[_WRITING] = True
    try:
        session.flush()  # everything else first, outside the chain lock
        _take_chain_lock(session)
        prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
        entries = [entry for _, entry in queue]
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(prev, at=entry.at, user_id=entry.user_id, role=entry.role,
                                           console=entry.console, action=entry.action, case_id=entry.case_id,
                                           detail=entry.detail)
        session.add_all(entries)
        # One INSERT for them all, ids taken under the lock in chain order: SQLAlchemy inserts pending objects in
        # the order they were added and numbers a multi-row INSERT's rows in parameter order (its sentinel).
        session.flush()
        del queue[:len(entries)]
    finally:
        session.info[_WRITING] = False


def _take_chain_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:  # SQLite: hold the write lock (already held under records.db's BEGIN IMMEDIATE)
        session.execute(text(f"UPDATE {_TABLE} SET id = id WHERE 0"))


def _mentions_audit_log(statement: Any) -> bool:
    for element in visitors.iterate(statement):
        if isinstance(element, TableClause) and element.name == _TABLE:
            return True
        if isinstance(element, TextClause) and _TABLE in element.text:
            return True
    return False


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Also fires when a savepoint is released: writing the queue then is correct, only a little earlier.
    write_queued(session)


@event.listens_for(Session, "do_orm_execute")
def _before_reading_the_log(state: ORMExecuteState) -> None:
    session = state.session
    if session.info.get(_QUEUE) and not session.info.get(_WRITING) and _mentions_audit_log(state.statement):
        write_queued(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    queue = session.info.get(_QUEUE)
    if not queue:
        return
    if previous_transaction.nested:  # a savepoint: forget only what was queued inside it
        queue[:] = [(tag, e) for tag, e in queue if not _inside(tag, previous_transaction)]
    else:
        queue.clear()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get(_QUEUE):
        session.info[_QUEUE].clear()


def _inside(tag: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while tag is not None:
        if tag is savepoint:
            return True
        tag = tag.parent
    return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/inf (PostgreSQL refuses them); the chain's hash neither
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
