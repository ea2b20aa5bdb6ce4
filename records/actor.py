"""Who is doing something: every write (and every read of a case) carries an Actor."""

from __future__ import annotations

import socket

from pydantic import BaseModel, ConfigDict, Field

from resources.vocabulary import Role


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: int
    username: str
    display_name: str = ""
    role: Role
    session_id: int | None = None  # the UserSession this actor signed in with (records.identity.verify_actor)
    # The session's secret: a session id is a number anyone can guess, so the holder proves it with this.
    session_key: str | None = Field(default=None, repr=False)
    console: str = Field(default_factory=lambda: socket.gethostname()[:64], max_length=64)  # audit_log.console

    def may(self, *roles: Role) -> bool:
        return self.role in roles


class NotPermitted(PermissionError):
    """The actor's role may not do this. The message is Swedish and shown to the user."""


def require_role(actor: Actor, *roles: Role, action: str) -> None:
    if not actor.may(*roles):
        allowed = " eller ".join(r.label for r in roles)
        raise NotPermitted(f"{actor.role.label} får inte {action}; det kräver {allowed}.")
