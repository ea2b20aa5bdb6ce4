"""What a command is: a named, frozen request carrying the id its caller chose.

A command is plain data (pydantic) plus one `handle(session, actor)` that does the domain work in the
runner's transaction and returns a pydantic result. The runner (commands/runner.py) wraps every command
the same way — permission, idempotency, command log, change event — so a handler only says what changes.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
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
    lock_on: ClassVar[tuple[type[Any], str] | None] = None  # (model, field naming its id); default: the case
    result_type: ClassVar[type[BaseModel]]

    command_id: UUID = Field(default_factory=uuid4)

    @field_validator("*", mode="before")
    @classmethod
    def _validate_nested_again(cls, value: Any) -> Any:
        """A nested model handed in ready-made (an intake, a triage) is validated again: one built with model_copy
        or model_construct skipped its checks."""
        return value.model_dump() if isinstance(value, BaseModel) else value

    @model_validator(mode="after")
    def _plain_data(self) -> Self:
        """What a command carries is stored as JSON on both backends: refused here, the same way on both, when
        it could not be (NaN, NUL, a lone surrogate, absurd nesting or size) — not by one database only."""
        _check_plain(self.model_dump(mode="python", exclude={"command_id"}), self.name, 0)
        return self

    def handle(self, session: Session, actor: Actor) -> BaseModel:
        raise NotImplementedError

    def locks(self) -> list[tuple[type[Any], int]]:
        """The rows this command decides on, locked before anything is read: two consoles (or a retry racing
        its first run) acting on the same case, follow-up or review take turns instead of both succeeding on
        what each read. The row `lock_on` names, else the command's case."""
        if self.lock_on is not None:
            model, field = self.lock_on
            return [(model, int(getattr(self, field)))]
        case_id = getattr(self, "case_id", None)
        if case_id is None:
            return []
        from records.models import Case

        return [(Case, int(case_id))]

    def affected_case(self, result: BaseModel) -> int | None:
        """The case the change event names (default: the command's or the result's `case_id`)."""
        value = getattr(self, "case_id", None)
        if value is None:
            value = getattr(result, "case_id", None)
        return int(value) if value is not None else None

    def payload_hash(self) -> str:
        """What the command asks for, without its id: a reused id with other content is refused. A secret
        (a password) counts through a slow digest salted with the command id, so a repeat with another password
        is refused too, while the command log holds nothing a password could be cheaply guessed from."""
        body = self.model_dump(mode="json", exclude={"command_id"})
        for field in type(self).model_fields:
            secret = getattr(self, field)
            if isinstance(secret, SecretStr):
                body[field] = hashlib.pbkdf2_hmac("sha256", secret.get_secret_value().encode(),
                                                  str(self.command_id).encode(), 200_000).hex()
        text = json.dumps({"name": self.name, "body": body}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


MAX_DEPTH = 24  # care needs, recommendations and drafts nest a handful of levels
MAX_TEXT = 100_000  # characters in one string: a note is far shorter


def _check_plain(value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: för djupt nästlade uppgifter (högst {MAX_DEPTH} nivåer)")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(k, where, depth + 1)
            _check_plain(v, f"{where}.{k}", depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]", depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: talet {value} kan inte sparas (NaN eller oändligt)")
    elif isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"{where}: texten är för lång ({len(value)} tecken, högst {MAX_TEXT})")
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise ValueError(f"{where}: texten innehåller ett ogiltigt tecken (NUL eller ett halvt teckenpar)")


class Done(BaseModel):
    """The result of a command that has nothing to report beyond having happened."""

    case_id: int | None = None


class ConcurrentChange(ValueError):
    """Another console changed the same case between this command's read and its write; nothing was saved."""


class CommandIdReused(ValueError):
    """The caller sent a command id that an earlier, different command already used."""


def jsonable(result: BaseModel) -> dict[str, Any]:
    return result.model_dump(mode="json")
