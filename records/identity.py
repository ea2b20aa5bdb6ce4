"""Who may do what: users, the roles an administrator granted them, and sign-in sessions.

A person never claims a role. An administrator grants roles (`grant_role`); signing in (records.auth) opens a
`UserSession` for one granted role on one console, and the Actor handed around carries that session's id.
Every command (commands.runner) calls `verify_actor`, which reads the session, the user and the grants from
the database: a forged Actor (a role the session does not have, another user's id), an ended session, a
deactivated user or a revoked grant is refused there, whatever the caller built in code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from records.actor import Actor, NotPermitted, require_role
from records.audit import audit, now
from records.models import RoleGrant, User, UserSession
from records.text_fields import check_text, column_length
from resources.vocabulary import Role

SYSTEM_SOURCE = "system"
FEED_USER = "system.flöde"  # applies the units' reported outcomes and their answers to alerts
ANALYSIS_USER = "system.utfall"  # drafts rule-change proposals
IMPORT_USER = "system.import"  # the nightly register and later-facts imports sign in as this user (a token)
# What each system user may do: nothing but its own job (commands.runner and the jobs set session.info["job"]).
SYSTEM_JOBS: dict[str, frozenset[str]] = {
    # feed.inbox: keeping the outcome inbox; alert.*: the units' answers to their alerts (docs/alert-protocol.md)
    FEED_USER: frozenset({"outcome.feed", "feed.inbox", "alert.unit_reply", "alert.timeout"}),
    ANALYSIS_USER: frozenset({"proposals.draft"}),
    IMPORT_USER: frozenset({"patients.import", "later_facts.import", "addresses.import", "careplans.import"}),
}
JOB = "job"  # session.info key: the command or job the current transaction runs
# Audited about someone who is not signed in (yet), or who is ending their own session: the sign-in path.
UNSIGNED_ACTIONS = frozenset({"user.sign_in_failed", "user.sign_in_refused", "user.bootstrap_admin",
                              "user.directory_grants", "user.sign_out"})
OWN_SESSION_ACTIONS = frozenset({"user.sign_in", "console.lock", "console.unlock"})
PATIENT_READS = frozenset({"case.read", "case.list", "case.search", "patient.lookup", "patient.care_plan.read",
                           "followup.list", "review.list"})
_VERIFIED = "verified_actors"


def check_audited_actor(session: Session, actor: Actor, action: str) -> Actor:
    """The actor an audit row may name (see records.audit.audit); NotPermitted otherwise. Verified once per
    transaction and session."""
    if action in UNSIGNED_ACTIONS:
        return actor
    verified, user = _verified_in_transaction(session, actor)
    if action in OWN_SESSION_ACTIONS:
        return verified
    if user.auth_source == SYSTEM_SOURCE:
        job = session.info.get(JOB)
        if job not in SYSTEM_JOBS.get(user.username, frozenset()):
            raise NotPermitted(f"Systemanvändaren {user.username} får bara utföra sitt eget jobb, inte {action}.")
    elif verified.role is Role.ADMIN and action in PATIENT_READS:
        raise NotPermitted("Administratören har ingen klinisk behörighet och får inte läsa patientuppgifter.")
    return verified


def _verified_in_transaction(session: Session, actor: Actor) -> tuple[Actor, User]:
    cache: dict[tuple[int | None, str | None], tuple[Actor, User]] = session.info.setdefault(_VERIFIED, {})
    key = (actor.session_id, actor.session_key)
    if key not in cache:
        cache[key] = _verify(session, actor)  # with its user: one query, not a second for the user
    return cache[key]


def verify_actor_once(session: Session, actor: Actor) -> Actor:
    """verify_actor, remembered for this transaction: the audit of what the transaction then reads or changes does
    not ask the database again (a console's re-read and its audit, a hundred consoles for every change; every
    clinical command). Not for a transaction that changes users, grants or sessions: it must see its own change
    when it audits."""
    return _verified_in_transaction(session, actor)[0]


def start_import(session: Session, actor: Actor, job: str, action: str) -> Actor:
    """An import job begins: the actor verified, and it must be an administrator or the import system user
    (whose one role gives it no other right)."""
    session.info[JOB] = job
    actor = check_audited_actor(session, actor, job)
    if actor.username != IMPORT_USER:
        require_role(actor, Role.ADMIN, action=action)
    return actor


class UnknownUser(LookupError):
    pass


def canonical_username(username: str) -> str:
    """User names compare without case ('Ssk.Eva' is 'ssk.eva'), as the directory's do."""
    return username.strip().lower()


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == canonical_username(username)))
    if user is None:
        raise UnknownUser(f"Användaren {username!r} finns inte.")
    return user


def granted_roles(session: Session, user_id: int) -> set[Role]:
    rows = session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id, RoleGrant.revoked_at.is_(None)))
    return {Role(r) for r in rows}


def new_user(session: Session, username: str, display_name: str, *, auth_source: str = "local",
             password_hash: str | None = None) -> User:
    username = check_text(canonical_username(username), "Användarnamn", column_length(User.username))
    if not username:
        raise ValueError("Ange användarnamn.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"Användaren {username!r} finns redan.")
    display_name = check_text(display_name.strip(), "Namn", column_length(User.display_name)) or username
    user = User(username=username, display_name=display_name, role="", active=True, created_at=now(),
                auth_source=auth_source, password_hash=password_hash,
                password_changed_at=now() if password_hash else None, failed_logins=0)
    session.add(user)
    session.flush()
    return user


def add_grant(session: Session, user: User, role: Role, granted_by: int | None) -> bool:
    """Grant `role` (no-op when it is already granted); True when a grant was added."""
    if role in granted_roles(session, user.id):
        return False
    session.add(RoleGrant(user_id=user.id, role=role.value, granted_by=granted_by, granted_at=now()))
    session.flush()
    return True


def remove_grant(session: Session, user: User, role: Role, revoked_by: int | None) -> bool:
    done = session.execute(update(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role.value,
                                                   RoleGrant.revoked_at.is_(None))
                           .values(revoked_at=now(), revoked_by=revoked_by)
                           .execution_options(synchronize_session=False))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def open_session(session: Session, user: User, role: Role, *, console: str | None, via: str) -> Actor:
    """A session for `user` working as `role` (which must be granted). Audited as a sign-in."""
    if not user.active:
        raise NotPermitted(f"Användaren {user.username} är avaktiverad.")
    if role not in granted_roles(session, user.id):
        raise NotPermitted(f"{user.username} har inte rollen {role.label}.")
    draft = Actor(user_id=user.id, username=user.username, display_name=user.display_name, role=role)
    if console:
        draft = draft.model_copy(update={"console": console[:64]})
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, role=role.value, console=draft.console, via=via, started_at=now(),
                      key_hash=_key_hash(key))
    session.add(row)
    session.flush()
    user.role = role.value  # shown as "last worked as"; never read for permission
    actor = draft.model_copy(update={"session_id": row.id, "session_key": key})
    audit(session, actor, "user.sign_in", via=via, session_id=row.id)
    return actor


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def end_session(session: Session, actor: Actor, reason: str) -> None:
    if actor.session_id is None:
        return
    done = session.execute(update(UserSession).where(UserSession.id == actor.session_id,
                                                     UserSession.key_hash == _key_hash(actor.session_key or ""),
                                                     UserSession.ended_at.is_(None))
                           .values(ended_at=now(), ended_reason=reason[:32])
                           .execution_options(synchronize_session=False))
    if done.rowcount:  # type: ignore[attr-defined]
        audit(session, actor, "user.sign_out", reason=reason, session_id=actor.session_id)


def end_all_sessions(session: Session, user_id: int, reason: str) -> None:
    session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                    .values(ended_at=now(), ended_reason=reason[:32]).execution_options(synchronize_session=False))


# One round trip for the session, its user and whether its role is still granted: every command and every read
# asks this, at a centre a hundred consoles at once for each change. Built once: building it per call cost more
# of a console's CPU than the round trip.
_SIGN_IN = (select(UserSession, User, select(RoleGrant.id).where(RoleGrant.user_id == UserSession.user_id,
                                                                  RoleGrant.role == UserSession.role,
                                                                  RoleGrant.revoked_at.is_(None)).exists())
            .outerjoin(User, User.id == UserSession.user_id).where(UserSession.id == bindparam("session_id")))


def verify_actor(session: Session, actor: Actor) -> Actor:
    """The actor as the database knows it: its session open, its user active, its role still granted. Refused
    (NotPermitted, Swedish) otherwise — including an Actor whose role or user differs from its session's."""
    return _verify(session, actor)[0]


def _verify(session: Session, actor: Actor) -> tuple[Actor, User]:
    if actor.session_id is None:
        raise NotPermitted("Ingen inloggning: logga in för att göra detta.")
    found = session.execute(_SIGN_IN, {"session_id": actor.session_id}).first()
    row, user, still_granted = (None, None, False) if found is None else found
    if (row is None or row.user_id != actor.user_id or row.role != actor.role.value
            or not hmac.compare_digest(row.key_hash, _key_hash(actor.session_key or ""))):
        raise NotPermitted("Inloggningen stämmer inte med användaren eller rollen; logga in igen.")
    if row.ended_at is not None:
        raise NotPermitted("Inloggningen har avslutats; logga in igen.")
    if user is None or not user.active:
        raise NotPermitted("Användaren är avaktiverad.")
    if not still_granted:
        raise NotPermitted(f"Rollen {Role(row.role).label} har dragits in för {user.username}; logga in igen.")
    # Name and console as the database knows them: what the audit log records is never the caller's say-so.
    return actor.model_copy(update={"username": user.username, "display_name": user.display_name,
                                    "console": row.console}), user


def provision(session: Session, username: str, roles: set[Role] | frozenset[Role], *,
              display_name: str | None = None, auth_source: str = "local") -> User:
    """Make sure the user exists and holds `roles` (never takes a role away). For system users, demo users and
    tests — not a way in for people: the console and the CLIs sign people in with a password (records.auth)."""
    user = session.scalar(select(User).where(User.username == canonical_username(username)))
    if user is None:
        user = new_user(session, username, display_name or username, auth_source=auth_source)
    for role in roles:
        add_grant(session, user, role, None)
    return user


def provision_and_sign_in(session: Session, username: str, role: Role, display_name: str | None = None,
                          console: str | None = None, *, via: str = "system") -> Actor:
    """`provision` the user with `role`, then open a session: system users, demo mode and tests."""
    user = provision(session, username, {role}, display_name=display_name)
    return open_session(session, user, role, console=console, via=via)


def audit_lock(session: Session, actor: Actor, locked: bool, *, reason: str = "") -> None:
    """The console was locked (Ctrl+L, idle time, a user switch) or unlocked with the user's password. The
    session stays open while locked: unlocking continues it, it is not a new sign-in."""
    audit(session, actor, "console.lock" if locked else "console.unlock", reason=reason[:32],
          session_id=actor.session_id)
