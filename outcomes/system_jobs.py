"""Work done without a person, as a named system user: by the console (its Qt timers are in
console/dispatch/feed_outcomes.py and console/proposal_drafter.py) and by `feed serve`.

Who: two dedicated users, so every row they write is traceable in the audit log to "the system,
on console X" (the audit row carries the console's host name) and never to a person:

- `system.flöde` (Enhetsflödet) closes cases with the outcome a unit reports on its feed. Its role
  is Dirigent: the least privilege that covers closing a mission; it cannot triage, sign off or see
  the RLS queue.
- `system.utfall` (Utfallsanalys) drafts rule-change proposals (the same user as
  `outcomes proposals draft`). Drafting changes no rule; only a physician's acceptance does.

Several consoles in a centre may run these at once. Each job first takes a write lock (a no-op
UPDATE: on PostgreSQL a row lock, on SQLite the database's single write lock), so the consoles take
turns and the second finds the work done: apply_feed_outcome treats a repeated outcome as a no-op
and draft_proposals never drafts a second proposal for the same endpoint, version and kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.orm import Session

from outcomes.closing import OutcomeView, apply_feed_outcome
from outcomes.proposals import ProposalView, draft_proposals
from outcomes.stats import outcome_statistics
from records import identity
from records.actor import Actor
from records.identity import IMPORT_USER, JOB, SYSTEM_SOURCE, open_session, provision
from records.models import Case, User
from resources.vocabulary import Role

FEED_USER = identity.FEED_USER
FEED_USER_NAME = "Enhetsflödet (system)"
FEED_USER_ROLE = Role.DISPATCHER
ANALYSIS_USER = identity.ANALYSIS_USER
ANALYSIS_USER_NAME = "Utfallsanalys"
# Drafting changes no rule and needs no clinical right; the least of the roles is given so that its token,
# if stolen, can neither administer users nor decide rules.
ANALYSIS_USER_ROLE = Role.DISPATCHER
SYSTEM_USERS = {FEED_USER: (FEED_USER_NAME, FEED_USER_ROLE), ANALYSIS_USER: (ANALYSIS_USER_NAME, ANALYSIS_USER_ROLE),
                IMPORT_USER: ("Registerimport (system)", Role.DISPATCHER)}


def provision_system_user(session: Session, username: str) -> User:
    """Create the system user with its one role if it is not there yet (no password: it signs in in-process
    or with a service token)."""
    display_name, role = SYSTEM_USERS[username]
    return provision(session, username, {role}, display_name=display_name, auth_source=SYSTEM_SOURCE)


def system_actor(session: Session, username: str, console: str | None = None) -> Actor:
    """A session for a system user, opened by a process that is itself signed in (the console) or started by
    the operator on the database's machine; `feed serve` elsewhere uses a service token."""
    display_name, role = SYSTEM_USERS[username]
    return open_session(session, provision_system_user(session, username), role, console=console, via="system")


def feed_actor(session: Session, console: str | None = None) -> Actor:
    return system_actor(session, FEED_USER, console)


def analysis_actor(session: Session, console: str | None = None) -> Actor:
    return system_actor(session, ANALYSIS_USER, console)


def apply_outcome_once(session: Session, actor: Actor, msg: BaseModel | Mapping[str, Any]) -> OutcomeView | None:
    """Apply a feed outcome, taking turns with other consoles on the case row first."""
    case_id = int(msg.case_id if isinstance(msg, BaseModel) else msg["case_id"])  # type: ignore[attr-defined]
    session.execute(update(Case).where(Case.id == case_id).values(updated_at=Case.updated_at))
    return apply_feed_outcome(session, actor, msg)


def draft_proposals_once(session: Session, actor: Actor, *, days: int | None = None) -> list[ProposalView]:
    """Draft whatever the outcomes of the cases of the last `days` days (all when None) call for;
    consoles take turns on the system user's row."""
    session.info[JOB] = "proposals.draft"
    session.execute(update(User).where(User.id == actor.user_id).values(role=User.role))
    start = datetime.now(UTC) - timedelta(days=days) if days else None
    return draft_proposals(session, actor, outcome_statistics(session, start, None))
