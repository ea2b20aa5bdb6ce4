"""Change events: one per command, written in its transaction, so every console can learn what changed.

On PostgreSQL the event is also sent with NOTIFY on the channel `larmcentral_changes`; PostgreSQL delivers it
only when the transaction commits, so a listener never hears of a change that was rolled back.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import now
from records.models import ChangeEvent

CHANNEL = "larmcentral_changes"


def emit_change(session: Session, actor: Actor, *, topic: str, case_id: int | None, command: str,
                command_id: str) -> None:
    event = ChangeEvent(at=now(), topic=topic, case_id=case_id, command=command, command_id=command_id,
                        user_id=actor.user_id)
    session.add(event)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps({"id": event.id, "topic": topic, "case_id": case_id, "command": command})
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})

