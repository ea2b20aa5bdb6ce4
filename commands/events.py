"""Change events: one per command, written in its transaction, so every console can learn what changed.

The row in `change_events` is the durable record. At commit the consoles are told (records/change_feed.py):
on PostgreSQL one NOTIFY per topic on the channel `larmcentral_changes`, payload the topic and the case ids the
transaction touched (the topic alone when they would not fit in 8,000 bytes), sent just before COMMIT so
PostgreSQL delivers it only if the transaction commits; on SQLite the same change is published to the
in-process bus after the commit. A transaction rolled back tells nobody.

A command's change event names its own case, but a command may change others too (a unit taken from case A for
case B sends A back to väntrummet): every case row the transaction changed is named in its "cases" notification,
so a console that re-reads only the cases a change names (dispatch.waiting_read) never misses one. The same
notification says which of them are open for dispatch once the transaction commits (read in it, just before
COMMIT; records.change_feed): a console re-reads only those it shows or that are open.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, event, select, text
from sqlalchemy.orm import Session

from dispatch.waiting_read import OPEN_STATUSES
from records.actor import Actor
from records.audit import now
from records.change_feed import CHANNEL, LOCAL_BUS, Change, database_key, encode
from records.db import key_chunks
from records.models import Case, ChangeEvent

__all__ = ["CHANNEL", "emit_change"]

_PENDING = "larmcentral.changes"  # session.info key: {topic: set of case ids} of the open transaction
_TOUCHED = "larmcentral.cases_touched"  # session.info key: ids of the case rows the open transaction changed
_OPEN = "larmcentral.cases_open"  # session.info key: of the named cases, those open for dispatch at commit
_OPEN_OF = (select(Case.id).where(Case.id.in_(bindparam("ids", expanding=True)),
                                  Case.status.in_([s.value for s in OPEN_STATUSES])))


def emit_change(session: Session, actor: Actor, *, topic: str, case_id: int | None, command: str,
                command_id: str) -> None:
    event_row = ChangeEvent(at=now(), topic=topic, case_id=case_id, command=command, command_id=command_id,
                            user_id=actor.user_id)
    session.add(event_row)
    session.flush()
    ids = session.info.setdefault(_PENDING, {}).setdefault(topic, set())
    if case_id is not None:
        ids.add(case_id)


@event.listens_for(Session, "before_flush")
def _note_cases(session: Session, _context: Any, _instances: Any) -> None:
    touched = [obj.id for obj in session.dirty
               if isinstance(obj, Case) and obj.id is not None and session.is_modified(obj)]
    if touched:
        session.info.setdefault(_TOUCHED, set()).update(touched)


def _pending(session: Session) -> dict[str, set[int]] | None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction tells, when it commits
        return None
    pending: dict[str, set[int]] | None = session.info.get(_PENDING) or None
    if pending and pending.get("cases"):  # named cases: every case changed is named (none named: all of them)
        pending["cases"] |= session.info.get(_TOUCHED, set())
    return pending


# insert=True: ahead of records.audit's before_commit, which takes the audit chain's lock (on PostgreSQL held to
# COMMIT): the flush, the read of what is open and the NOTIFY need not wait in that line.
@event.listens_for(Session, "before_commit", insert=True)
def _notify(session: Session) -> None:
    if not session.info.get(_PENDING) or session.in_nested_transaction():
        return
    session.flush()  # commit's own flush comes after this hook: the cases it changes must be named too
    pending = _pending(session)
    if not pending:
        return
    named = pending.get("cases")
    if named:  # read in the transaction (flushed first): what its commit leaves open
        session.info[_OPEN] = frozenset(i for chunk in key_chunks(sorted(named))
                                        for i in session.scalars(_OPEN_OF, {"ids": list(chunk)}))
    if session.get_bind().dialect.name == "postgresql":
        for topic, ids in sorted(pending.items()):
            opened = session.info.get(_OPEN) if topic == "cases" else None
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": encode(topic, ids, opened)})


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = _pending(session)
    bind = session.get_bind()
    if pending and bind.dialect.name == "sqlite":
        session.info.pop(_PENDING, None)
        opened = session.info.pop(_OPEN, None)
        key = database_key(bind.engine.url)
        for topic, ids in sorted(pending.items()):
            named = frozenset(ids) or None
            LOCAL_BUS.publish(key, Change(topic, named, opened if topic == "cases" and named else None))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outer transaction ended (committed and told, or rolled back)
        session.info.pop(_PENDING, None)
        session.info.pop(_TOUCHED, None)
        session.info.pop(_OPEN, None)
