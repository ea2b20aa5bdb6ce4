"""Running a command: permission, idempotency, the domain work, command log and change event — one transaction.

`execute(session, actor, cmd)` does it inside a transaction the caller owns (the console's database worker);
`run(factory, actor, cmd)` opens the transaction itself (CLI, feed service, tests, benchmarks).

Idempotency: the first run of a command id stores its result in `command_log` in the same transaction as its
writes. A later run with that id — a retry after a lost COMMIT reply, a double click, a replayed message —
finds the row and returns the stored result without writing anything (it is audited as a replay). Two runs of
one id at the same moment: on SQLite BEGIN IMMEDIATE makes them take turns; on PostgreSQL the second one's
INSERT waits on the first's primary key and fails once it commits, and `run` answers with the stored result.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from commands.base import Command, CommandIdReused, ConcurrentChange, jsonable
from commands.events import emit_change
from commands.unit_alerts import sync_case_alerts
from records.actor import Actor, require_role
from records.audit import audit, now
from records.db import transaction
from records.identity import JOB, verify_actor, verify_actor_once
from records.models import CommandLog
from resources.vocabulary import Role


def execute(session: Session, actor: Actor, cmd: Command) -> BaseModel:
    """Run `cmd` in the caller's transaction; returns its result (the stored one for a repeated id)."""
    # The session, the user and the grants as stored: never the caller's claim. Remembered for the command's audit,
    # except by the administrator's commands: they change users, grants and sessions, perhaps their own.
    actor = (verify_actor if Role.ADMIN in cmd.roles else verify_actor_once)(session, actor)
    session.info[JOB] = cmd.name  # a system user acts only inside its own job (records.identity.SYSTEM_JOBS)
    # Before the command log is read: a racing first run is seen committed. The locked rows are held here for the
    # command: the session's identity map keeps them only weakly, and the handler's own get would read them again.
    locked = [session.scalars(select(model).where(model.id == row_id).with_for_update()).one_or_none()
              for model, row_id in cmd.locks()]
    key = str(cmd.command_id)
    prior = session.get(CommandLog, key)
    if prior is not None:
        return _replay(session, actor, cmd, prior)
    require_role(actor, *cmd.roles, action=cmd.action)
    result = cmd.handle(session, actor)
    case_id = cmd.affected_case(result)
    if case_id is not None:  # the units alerted for the case hear of what changed (commands/unit_alerts.py)
        sync_case_alerts(session, actor, case_id)
    session.add(CommandLog(command_id=key, name=cmd.name, payload_hash=cmd.payload_hash(), user_id=actor.user_id,
                           role=actor.role.value, console=actor.console, case_id=case_id, result=jsonable(result),
                           at=now()))
    emit_change(session, actor, topic=cmd.topic, case_id=case_id, command=cmd.name, command_id=key)
    session.flush()  # a concurrent run of the same id surfaces here (primary key), not at COMMIT
    del locked
    return result


def run(factory: sessionmaker[Session], actor: Actor, cmd: Command, *,
        bound: float | None | object = ...) -> BaseModel:
    """Run `cmd` in its own transaction (time-bounded like every transaction; see records.db.transaction)."""
    kwargs = {} if bound is ... else {"bound": bound}
    try:
        with transaction(factory, **kwargs) as session:
            return execute(session, actor, cmd)
    except StaleDataError:  # the case's row version moved under us: another console changed it first
        raise ConcurrentChange(f"Ärendet ändrades samtidigt från en annan konsol; ingenting sparades ({cmd.action}). "
                               "Uppdatera och försök igen.") from None
    except IntegrityError:
        with transaction(factory, **kwargs) as session:
            prior = session.get(CommandLog, str(cmd.command_id))
            if prior is None:
                raise
            return _replay(session, actor, cmd, prior)


def _replay(session: Session, actor: Actor, cmd: Command, prior: CommandLog) -> BaseModel:
    if prior.name != cmd.name or prior.payload_hash != cmd.payload_hash() or prior.user_id != actor.user_id:
        raise CommandIdReused(f"Kommando-id {cmd.command_id} har redan använts för en annan åtgärd "
                              f"({prior.name}); ingenting ändrades.")
    audit(session, actor, "command.replay", prior.case_id, command=cmd.name, command_id=str(cmd.command_id))
    return cmd.result_type.model_validate(prior.result)
