"""Users and sign-in. The console asks who is working and in which role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.models import AuditEntry, User
from records.text_fields import check_text, column_length
from resources.vocabulary import Role


def sign_in(session: Session, username: str, role: Role, display_name: str | None = None,
            console: str | None = None) -> Actor:
    """Find or create the user and return an Actor for this console. Audited."""
    username = check_text(username.strip(), "Användarnamn", column_length(User.username))
    if not username:
        raise ValueError("Ange användarnamn.")
    if display_name is not None:
        display_name = check_text(display_name.strip(), "Namn", column_length(User.display_name)) or None
    if console is not None:
        check_text(console, "Konsol", column_length(AuditEntry.console))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name or username, role=role.value, created_at=now())
        session.add(user)
        session.flush()
    elif user.role != role.value:
        user.role = role.value
    extra = {"console": console} if console else {}
    actor = Actor(user_id=user.id, username=user.username, display_name=user.display_name, role=role, **extra)
    audit(session, actor, "user.sign_in")
    return actor
