"""Administering users: create, grant and revoke roles, deactivate, set passwords, unlock — each audited, each
refused to anyone but an administrator. The commands in commands/admin.py call these."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor, NotPermitted, require_role
from records.audit import audit, now
from records.identity import (
    add_grant,
    end_all_sessions,
    granted_roles,
    new_user,
    remove_grant,
    user_by_name,
)
from records.models import RoleGrant, User
from records.passwords import check_policy, hash_password
from resources.vocabulary import Role

ADMIN = (Role.ADMIN,)


class UserView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    display_name: str
    active: bool
    auth_source: str
    roles: list[Role]
    locked: bool


def view(session: Session, user: User) -> UserView:
    return UserView(id=user.id, username=user.username, display_name=user.display_name, active=user.active,
                    auth_source=user.auth_source, roles=sorted(granted_roles(session, user.id)),
                    locked=user.locked_until is not None and user.locked_until > now())


def list_users(session: Session, actor: Actor) -> list[UserView]:
    require_role(actor, *ADMIN, action="se användare")
    return [view(session, u) for u in session.scalars(select(User).order_by(User.username))]


def create_user(session: Session, actor: Actor, username: str, display_name: str, roles: list[Role],
                password: str | None) -> UserView:
    require_role(actor, *ADMIN, action="skapa användare")
    if password is not None:
        check_policy(password, username)
    user = new_user(session, username, display_name, password_hash=hash_password(password) if password else None)
    for role in roles:
        add_grant(session, user, role, actor.user_id)
    audit(session, actor, "user.create", username=user.username, roles=sorted(r.value for r in roles),
          with_password=password is not None)
    return view(session, user)


def grant_role(session: Session, actor: Actor, username: str, role: Role) -> UserView:
    require_role(actor, *ADMIN, action="tilldela roller")
    user = user_by_name(session, username)
    if add_grant(session, user, role, actor.user_id):
        audit(session, actor, "user.grant", username=user.username, role=role.value)
    return view(session, user)


def revoke_role(session: Session, actor: Actor, username: str, role: Role) -> UserView:
    require_role(actor, *ADMIN, action="dra in roller")
    user = user_by_name(session, username)
    if role is Role.ADMIN and user.id == actor.user_id:
        raise NotPermitted("Du kan inte dra in din egen administratörsroll.")
    if role is Role.ADMIN and _last_admin(session, user.id):
        raise NotPermitted("Det måste finnas minst en aktiv administratör kvar.")
    if remove_grant(session, user, role, actor.user_id):
        audit(session, actor, "user.revoke", username=user.username, role=role.value)
    return view(session, user)


def set_active(session: Session, actor: Actor, username: str, active: bool) -> UserView:
    require_role(actor, *ADMIN, action="avaktivera användare")
    user = user_by_name(session, username)
    if not active and user.id == actor.user_id:
        raise NotPermitted("Du kan inte avaktivera dig själv.")
    if not active and Role.ADMIN in granted_roles(session, user.id) and _last_admin(session, user.id):
        raise NotPermitted("Det måste finnas minst en aktiv administratör kvar.")
    if user.active != active:
        user.active = active
        if not active:
            end_all_sessions(session, user.id, "deactivated")
        audit(session, actor, "user.activate" if active else "user.deactivate", username=user.username)
    return view(session, user)


def set_password(session: Session, actor: Actor, username: str, password: str) -> UserView:
    """An administrator sets (resets) a password, or a user changes their own."""
    user = user_by_name(session, username)
    if user.id != actor.user_id:
        require_role(actor, *ADMIN, action="byta andras lösenord")
    if user.auth_source != "local":
        raise ValueError(f"{user.username} loggar in via katalogtjänsten; lösenordet byts där.")
    check_policy(password, user.username)
    user.password_hash, user.password_changed_at = hash_password(password), now()
    user.failed_logins, user.locked_until = 0, None
    audit(session, actor, "user.password", username=user.username, own=user.id == actor.user_id)
    return view(session, user)


def unlock(session: Session, actor: Actor, username: str) -> UserView:
    require_role(actor, *ADMIN, action="låsa upp konton")
    user = user_by_name(session, username)
    user.failed_logins, user.locked_until = 0, None
    audit(session, actor, "user.unlock", username=user.username)
    return view(session, user)


def bootstrap_admin(session: Session, username: str, display_name: str, password: str) -> UserView:
    """The first administrator, from the command line of the machine holding the database. Refused once any
    active administrator exists (from then on administrators create users)."""
    if _admin_count(session) > 0:
        raise NotPermitted("Det finns redan en administratör; nya användare skapas av en administratör.")
    check_policy(password, username)
    user = new_user(session, username, display_name, password_hash=hash_password(password))
    add_grant(session, user, Role.ADMIN, None)
    system = Actor(user_id=user.id, username=user.username, display_name=user.display_name, role=Role.ADMIN,
                   console="bootstrap")
    audit(session, system, "user.bootstrap_admin", username=user.username)
    return view(session, user)


def _admin_count(session: Session) -> int:
    rows = session.scalars(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
                           .where(RoleGrant.role == Role.ADMIN.value, RoleGrant.revoked_at.is_(None),
                                  User.active.is_(True), User.auth_source != "system"))
    return len(set(rows))


def _last_admin(session: Session, user_id: int) -> bool:
    rows = set(session.scalars(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
                               .where(RoleGrant.role == Role.ADMIN.value, RoleGrant.revoked_at.is_(None),
                                      User.active.is_(True), User.auth_source != "system")))
    return rows == {user_id}
