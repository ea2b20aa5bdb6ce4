"""What a command is: a named, frozen request carrying the id its caller chose.

A command is plain data (pydantic) plus one `handle(session, actor)` that does the domain work in the
runner's transaction and returns a pydantic result. The runner (commands/runner.py) wraps every command
the same way — permission, idempotency, command log, change event — so a handler only says what changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from records.actor import Actor
from resources.vocabulary import Role

CLINICAL_ROLES = (Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN)


class Command(BaseModel):
    """Base of every clinical write. Subclasses set the class variables and implement `handle`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]  # stable, stored in command_log and change_events
    action: ClassVar[str]  # Swedish, for "X får inte <action>"
    roles: ClassVar[tuple[Role, ...]]  # who may (admin too, as Actor.may says)
    topic: ClassVar[str] = "cases"  # which views a change event concerns
    result_type: ClassVar[type[BaseModel]]

    command_id: UUID = Field(default_factory=uuid4)

    def handle(self, session: Session, actor: Actor) -> BaseModel:
        raise NotImplementedError

    def affected_case(self, result: BaseModel) -> int | None:
        """The case the change event names (default: the command's or the result's `case_id`)."""
        value = getattr(self, "case_id", None)
        if value is None:
            value = getattr(result, "case_id", None)
        return int(value) if value is not None else None

    def payload_hash(self) -> str:
        """What the command asks for, without its id: a reused id with other content is refused."""
        body = self.model_dump(mode="json", exclude={"command_id"})
        text = json.dumps({"name": self.name, "body": body}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class Done(BaseModel):
    """The result of a command that has nothing to report beyond having happened."""

    case_id: int | None = None


class ConcurrentChange(ValueError):
    """Another console changed the same case between this command's read and its write; nothing was saved."""


class CommandIdReused(ValueError):
    """The caller sent a command id that an earlier, different command already used."""


def jsonable(result: BaseModel) -> dict[str, Any]:
    return result.model_dump(mode="json")
