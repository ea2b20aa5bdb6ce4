"""Service tokens: how system jobs (`feed serve`, imports, proposal drafting) sign in without a person.

An administrator creates a token for a system user (`main.py users token create`); only its SHA-256 is stored
(a token is 32 random bytes, so a fast hash is enough), the token itself is shown once. A job presents it
(`LARMCENTRAL_TOKEN_FILE` or `--token-file`) and works as that system user, audited as such; a revoked token
stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from records.actor import Actor, NotPermitted, require_role
from records.audit import audit, now
from records.db import transaction
from records.identity import SYSTEM_SOURCE, granted_roles, open_session, user_by_name
from records.models import ServiceToken, User, UserSession
from resources.vocabulary import Role

PREFIX = "lct_"


class TokenView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    label: str
    revoked: bool


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def create_token(session: Session, actor: Actor, username: str, label: str, hashed: str) -> TokenView:
    """Store a token (its hash only) for system user `username`."""
    require_role(actor, Role.ADMIN, action="skapa tjänstenycklar")
    user = user_by_name(session, username)
    if user.auth_source != SYSTEM_SOURCE:
        raise NotPermitted(f"{user.username} är ingen systemanvändare; tjänstenycklar ges bara till systemanvändare.")
    row = ServiceToken(user_id=user.id, token_hash=hashed, label=label.strip()[:128] or "nyckel",
                       created_by=actor.user_id, created_at=now())
    session.add(row)
    session.flush()
    audit(session, actor, "token.create", username=user.username, token_id=row.id, label=row.label)
    return TokenView(id=row.id, username=user.username, label=row.label, revoked=False)


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenView:
    require_role(actor, Role.ADMIN, action="dra in tjänstenycklar")
    row = session.get(ServiceToken, token_id)
    if row is None:
        raise LookupError(f"Tjänstenyckel {token_id} finns inte.")
    session.execute(update(ServiceToken).where(ServiceToken.id == token_id, ServiceToken.revoked_at.is_(None))
                    .values(revoked_at=now(), revoked_by=actor.user_id).execution_options(synchronize_session=False))
    session.execute(update(UserSession).where(UserSession.token_id == token_id, UserSession.ended_at.is_(None))
                    .values(ended_at=now(), ended_reason="token_revoked").execution_options(synchronize_session=False))
    user = session.get(User, row.user_id)
    audit(session, actor, "token.revoke", token_id=token_id, username=user.username if user else None)
    return TokenView(id=row.id, username=user.username if user else "?", label=row.label, revoked=True)


def sign_in_with_token(factory: sessionmaker[Session], token: str, *, console: str | None = None) -> Actor:
    """The system user the token belongs to, signed in in its one role. NotPermitted when unknown or revoked."""
    with transaction(factory) as session:
        row = session.scalar(select(ServiceToken).where(ServiceToken.token_hash == token_hash(token)))
        if row is None or row.revoked_at is not None:
            raise NotPermitted("Tjänstenyckeln är okänd eller indragen.")
        user = session.get(User, row.user_id)
        assert user is not None
        roles = granted_roles(session, user.id)
        if len(roles) != 1:
            raise NotPermitted(f"Systemanvändaren {user.username} ska ha exakt en roll (har {len(roles)}).")
        actor = open_session(session, user, next(iter(roles)), console=console, via="token")
        opened = session.get(UserSession, actor.session_id)
        assert opened is not None
        opened.token_id = row.id  # a revocation ends this session too (revoke_token)
        return actor


def list_tokens(session: Session, actor: Actor) -> list[TokenView]:
    """Every service token (never the token itself), newest first: the administrator's overview."""
    require_role(actor, Role.ADMIN, action="se tjänstenycklar")
    rows = session.execute(select(ServiceToken, User.username).join(User, User.id == ServiceToken.user_id)
                           .order_by(ServiceToken.id.desc()))
    return [TokenView(id=t.id, username=name, label=t.label, revoked=t.revoked_at is not None) for t, name in rows]
