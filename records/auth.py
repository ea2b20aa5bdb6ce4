"""Signing in: one interface, two backends chosen by LARMCENTRAL_AUTH_BACKEND.

* `LocalAuthenticator`: accounts in the database with argon2id password hashes; after
  LARMCENTRAL_LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
  LARMCENTRAL_LOGIN_LOCKOUT_MINUTES.
* `records.ldap_auth.LdapAuthenticator`: a bind against the region's directory; roles come from its groups.

A third backend (the region's SAML/OIDC identity provider, SITHS) implements the same `Authenticator`:
take what the user presented, answer with a `Identity` or raise `AuthFailed` (docs/identity.md).

`sign_in_with_password` runs in its own transactions: a failed attempt is counted and audited even though the
sign-in itself is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from records.actor import Actor
from records.audit import audit, now
from records.db import transaction
from records.identity import canonical_username, granted_roles, open_session
from records.models import User
from records.passwords import hash_password, needs_rehash, verify_password
from resources.settings import load_settings
from resources.vocabulary import Role

WRONG = "Fel användarnamn eller lösenord."  # the same words for an unknown user and a wrong password


class AuthFailed(PermissionError):
    """Sign-in refused. The message is Swedish and safe to show (it never says whether the user exists)."""


class Identity(BaseModel):
    """Who the backend vouched for, and the roles its source grants (None: the database's grants decide)."""

    model_config = ConfigDict(frozen=True)

    username: str
    display_name: str
    roles: frozenset[Role] | None = None


class Authenticator(Protocol):
    name: str  # stored as UserSession.via

    def authenticate(self, factory: sessionmaker[Session], username: str, password: str) -> Identity: ...


class LocalAuthenticator:
    name = "password"

    def authenticate(self, factory: sessionmaker[Session], username: str, password: str) -> Identity:
        settings = load_settings()
        failure: str | None = None
        with transaction(factory) as session:
            user = session.scalar(select(User).where(User.username == canonical_username(username)))
            if user is None or user.auth_source != "local":
                hash_password(password)  # the same time for an unknown user: no user-name probing by timing
                failure = WRONG
            elif user.locked_until is not None and user.locked_until > now():
                failure = (f"Kontot är låst efter för många felaktiga lösenord; försök igen efter "
                           f"{_local_time(user.locked_until)} eller be en administratör låsa upp det.")
            elif not verify_password(user.password_hash, password):
                user.failed_logins += 1
                locked = user.failed_logins >= settings.login_max_failures
                if locked:
                    user.locked_until = now() + timedelta(minutes=settings.login_lockout_minutes)
                    user.failed_logins = 0
                _audit_attempt(session, user, "user.sign_in_failed", locked=locked)
                failure = WRONG + (" Kontot är nu låst." if locked else "")
            elif not user.active:
                _audit_attempt(session, user, "user.sign_in_refused", why="deactivated")
                failure = "Kontot är avaktiverat. Kontakta en administratör."
            else:
                user.failed_logins, user.locked_until = 0, None
                if user.password_hash and needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                return Identity(username=user.username, display_name=user.display_name)
        raise AuthFailed(failure)


def authenticator() -> Authenticator:
    """The backend the settings choose."""
    if load_settings().auth_backend == "ldap":
        import importlib

        ldap = importlib.import_module("records.ldap_auth")  # ldap3 is loaded only where a directory is used
        backend: Authenticator = ldap.LdapAuthenticator.from_settings()
        return backend
    return LocalAuthenticator()


def sign_in_with_password(factory: sessionmaker[Session], username: str, password: str, role: Role | None, *,
                          console: str | None = None, backend: Authenticator | None = None,
                          choose: Callable[[set[Role]], Role | None] | None = None) -> Actor:
    """Authenticate, then open a session in `role` (or the one `choose` picks among the granted ones, or the
    only one). AuthFailed when the password, the account or the role does not allow it."""
    backend = backend or authenticator()
    try:
        identity = backend.authenticate(factory, username, password)
    except AuthFailed:
        if backend.name != LocalAuthenticator.name:  # the local backend audits its own failures (and lockouts)
            _audit_failure(factory, username, backend.name)
        raise
    if identity.roles is not None:  # the directory decides: its grants are committed whatever happens next
        with transaction(factory) as session:
            _directory_user(session, identity)
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == identity.username))
        if user is None:
            raise AuthFailed(WRONG)
        if not user.active:
            raise AuthFailed("Kontot är avaktiverat. Kontakta en administratör.")
        roles = granted_roles(session, user.id)
        if not roles:
            raise AuthFailed(f"{user.username} har ingen roll ännu. Be en administratör att tilldela en.")
        if role is None:
            role = choose(roles) if choose is not None else (next(iter(roles)) if len(roles) == 1 else None)
            if role is None:
                raise AuthFailed("Välj vilken roll du arbetar i.")
        if role not in roles:
            allowed = ", ".join(sorted(r.label for r in roles))
            raise AuthFailed(f"{user.username} har inte rollen {role.label} (tilldelade: {allowed}).")
        return open_session(session, user, role, console=console, via=backend.name)


def _directory_user(session: Session, identity: Identity) -> User:
    """The directory user's row, created at the first sign-in; its grants follow the directory's groups (each
    change audited). A local or system account of the same name is never taken over by the directory."""
    from records.identity import add_grant, new_user, remove_grant

    user = session.scalar(select(User).where(User.username == identity.username))
    if user is None:
        user = new_user(session, identity.username, identity.display_name, auth_source="ldap")
    elif user.auth_source != "ldap":
        raise AuthFailed(f"{user.username} är ett lokalt konto i konsolen och kan inte logga in via katalogtjänsten.")
    assert identity.roles is not None
    added = [r for r in identity.roles - granted_roles(session, user.id) if add_grant(session, user, r, None)]
    removed = [r for r in granted_roles(session, user.id) - identity.roles if remove_grant(session, user, r, None)]
    if added or removed:
        _audit_attempt(session, user, "user.directory_grants", added=sorted(r.value for r in added),
                       removed=sorted(r.value for r in removed))
    return user


def _audit_failure(factory: sessionmaker[Session], username: str, via: str) -> None:
    """A refused directory sign-in of a known user, on record (the directory keeps its own lockout)."""
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is not None:
            _audit_attempt(session, user, "user.sign_in_failed", via=via)


def _audit_attempt(session: Session, user: User, action: str, **detail: Any) -> None:
    actor = Actor(user_id=user.id, username=user.username, display_name=user.display_name,
                  role=Role(user.role) if user.role in Role.__members__.values() else Role.NURSE)
    audit(session, actor, action, **detail)


def _local_time(at: object) -> str:
    from resources.clock import LOCAL_TZ

    return f"{at.astimezone(LOCAL_TZ):%H:%M}"  # type: ignore[attr-defined]
