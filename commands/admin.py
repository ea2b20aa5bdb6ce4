"""The administrator's commands: users, role grants, passwords, unlocking and service tokens.

Passwords travel as `SecretStr`: the command log stores a hash of the command's content, and a SecretStr is
dumped as asterisks, so no password (nor a fast hash of one) is ever written there. A service token is made by
the caller; the command carries only its SHA-256."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr
from sqlalchemy.orm import Session

from commands.base import Command
from records.actor import Actor
from records.tokens import TokenView, create_token, revoke_token
from records.users import UserView, create_user, grant_role, revoke_role, set_active, set_password, unlock
from resources.vocabulary import Role

_ADMIN = (Role.ADMIN,)


class _UserCommand(Command):
    roles: ClassVar[tuple[Role, ...]] = _ADMIN
    topic: ClassVar[str] = "users"
    result_type: ClassVar[type[BaseModel]] = UserView


class CreateUser(_UserCommand):
    name: ClassVar[str] = "user.create"
    action: ClassVar[str] = "skapa användare"

    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=128)
    grant: list[Role] = []
    password: SecretStr | None = None

    def handle(self, session: Session, actor: Actor) -> UserView:
        return create_user(session, actor, self.username, self.display_name, self.grant,
                           self.password.get_secret_value() if self.password else None)


class GrantRole(_UserCommand):
    name: ClassVar[str] = "user.grant"
    action: ClassVar[str] = "tilldela roller"

    username: str
    role: Role

    def handle(self, session: Session, actor: Actor) -> UserView:
        return grant_role(session, actor, self.username, self.role)


class RevokeRole(_UserCommand):
    name: ClassVar[str] = "user.revoke"
    action: ClassVar[str] = "dra in roller"

    username: str
    role: Role

    def handle(self, session: Session, actor: Actor) -> UserView:
        return revoke_role(session, actor, self.username, self.role)


class SetUserActive(_UserCommand):
    name: ClassVar[str] = "user.active"
    action: ClassVar[str] = "avaktivera användare"

    username: str
    active: bool

    def handle(self, session: Session, actor: Actor) -> UserView:
        return set_active(session, actor, self.username, self.active)


class SetPassword(_UserCommand):
    """An administrator resets a password, or a user changes their own (any role may, for itself)."""

    name: ClassVar[str] = "user.password"
    action: ClassVar[str] = "byta lösenord"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN, Role.ADMIN)

    username: str
    password: SecretStr

    def handle(self, session: Session, actor: Actor) -> UserView:
        return set_password(session, actor, self.username, self.password.get_secret_value())


class UnlockUser(_UserCommand):
    name: ClassVar[str] = "user.unlock"
    action: ClassVar[str] = "låsa upp konton"

    username: str

    def handle(self, session: Session, actor: Actor) -> UserView:
        return unlock(session, actor, self.username)


class CreateServiceToken(Command):
    name: ClassVar[str] = "token.create"
    action: ClassVar[str] = "skapa tjänstenycklar"
    roles: ClassVar[tuple[Role, ...]] = _ADMIN
    topic: ClassVar[str] = "users"
    result_type: ClassVar[type[BaseModel]] = TokenView

    username: str
    label: str = ""
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    def handle(self, session: Session, actor: Actor) -> TokenView:
        return create_token(session, actor, self.username, self.label, self.token_sha256)


class RevokeServiceToken(Command):
    name: ClassVar[str] = "token.revoke"
    action: ClassVar[str] = "dra in tjänstenycklar"
    roles: ClassVar[tuple[Role, ...]] = _ADMIN
    topic: ClassVar[str] = "users"
    result_type: ClassVar[type[BaseModel]] = TokenView

    token_id: int

    def handle(self, session: Session, actor: Actor) -> TokenView:
        return revoke_token(session, actor, self.token_id)
