"""The append-only audit log: every read and change of a case, by whom, from which console."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.models import AuditEntry


def now() -> datetime:
    return datetime.now(UTC)


def audit(session: Session, actor: Actor, action: str, case_id: int | None = None, **detail: Any) -> None:
    """Record `action` in the same transaction as the change it describes (both land or neither)."""
    session.add(AuditEntry(at=now(), user_id=actor.user_id, role=actor.role.value, console=actor.console,
                           action=action, case_id=case_id, detail=_jsonable(detail)))


def audit_trail(session: Session, case_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
