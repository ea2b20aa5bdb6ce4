"""Change events: one per command, written in its transaction, so every console can learn what changed.

The row in `change_events` is the durable record. At commit the consoles are told (records/change_feed.py):
on PostgreSQL one NOTIFY per topic on the channel `larmcentral_changes`, payload the topic and the case ids the
transaction touched (the topic alone when they would not fit in 8,000 bytes), sent just before COMMIT so
PostgreSQL delivers it only if the transaction commits; on SQLite the same change is published to the
in-process bus after the commit. A transaction rolled back tells nobody.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import now
from records.change_feed import CHANNEL, LOCAL_BUS, Change, database_key, encode
from records.models import ChangeEvent

__all__ = ["CHANNEL", "emit_change"]

_PENDING = "larmcentral.changes"  # session.info key: {topic: set of case ids} of the open transaction


def emit_change(session: Session, actor: Actor, *, topic: str, case_id: int | None, command: str,
                command_id: str) -> None:
    event_row = ChangeEvent(at=now(), topic=topic, case_id=case_id, command=command, command_id=command_id,
                            user_id=actor.user_id)
    session.add(event_row)
    session.flush()
    ids = session.info.setdefault(_PENDING, {}).setdefault(topic, set())
    if case_id is not None:
        ids.add(case_id)


def _pending(session: Session) -> dict[str, set[int]] | None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction tells, when it commits
        return None
    return session.info.get(_PENDING) or None


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    pending = _pending(session)
    if pending and session.get_bind().dialect.name == "postgresql":
        for topic, ids in sorted(pending.items()):
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": encode(topic, ids)})


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = _pending(session)
    bind = session.get_bind()
    if pending and bind.dialect.name == "sqlite":
        session.info.pop(_PENDING, None)
        key = database_key(bind.engine.url)
        for topic, ids in sorted(pending.items()):
            LOCAL_BUS.publish(key, Change(topic, frozenset(ids) or None))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outer transaction ended (committed and told, or rolled back)
        session.info.pop(_PENDING, None)
