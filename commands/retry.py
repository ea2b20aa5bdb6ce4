"""Retrying a command while the database is away — a failover to the standby, a restart — with the same id.

`run_retrying(factory, actor, cmd)` is `commands.run` repeated, with backoff, for as long as
`LARMCENTRAL_DB_FAILOVER_RETRY_S` allows, while the database cannot be reached (DatabaseUnavailable). Every
attempt carries the command's own id, so the command log makes the repeat safe: an attempt whose COMMIT
reached the server before the connection broke is found in `command_log` and its stored result returned
(audited as a replay); one that did not commit is applied now, once. The engine has already dropped its
pooled connections when one broke (SQLAlchemy invalidates the pool on a disconnect), so the next attempt
connects again through the URL's host list, where `target_session_attrs=read-write` finds the new primary.

Not retried: a DatabaseTimeout (the bound promises the user an answer in time; a stalled network is not a
switch), a WriteConflict, and every refusal by the command itself. The console runs its commands through
this (console/tasks.py) and shows "Databasen byter server – försöker igen…" from `on_retry` until a write
succeeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from commands.base import Command
from commands.runner import run
from records.actor import Actor
from records.db import DatabaseTimeout, DatabaseUnavailable
from resources.settings import load_settings

log = logging.getLogger("larmcentral.commands.retry")

FIRST_DELAY_S = 0.2
MAX_DELAY_S = 2.0

OnRetry = Callable[[int, DatabaseUnavailable], None]  # attempt number (1: the first retry), what failed


def run_retrying(factory: sessionmaker[Session], actor: Actor, cmd: Command, *, budget_s: float | None = None,
                 on_retry: OnRetry | None = None, sleep: Callable[[float], None] = time.sleep) -> BaseModel:
    """`run(factory, actor, cmd)`, repeated with the same command id while the database is unreachable, for at
    most `budget_s` seconds (default: LARMCENTRAL_DB_FAILOVER_RETRY_S); then the last failure is raised."""
    budget = load_settings().db_failover_retry_s if budget_s is None else budget_s
    give_up_at = time.monotonic() + budget
    delay, attempt = FIRST_DELAY_S, 0
    while True:
        try:
            result = run(factory, actor, cmd)
        except DatabaseTimeout:
            raise
        except DatabaseUnavailable as exc:
            left = give_up_at - time.monotonic()
            if left <= 0:
                if attempt:
                    log.warning("%s %s: database still unreachable after %d retries in %.0f s; giving up",
                                cmd.name, cmd.command_id, attempt, budget)
                raise
            attempt += 1
            log.warning("%s %s: database unreachable (%s); retry %d with the same command id in %.1f s",
                        cmd.name, cmd.command_id, " | ".join(str(exc.__cause__ or exc).splitlines()), attempt,
                        min(delay, left))
            if on_retry is not None:
                on_retry(attempt, exc)
            sleep(min(delay, left))
            delay = min(delay * 2, MAX_DELAY_S)
            continue
        if attempt:
            log.warning("%s %s: done after %d retries", cmd.name, cmd.command_id, attempt)
        return result
