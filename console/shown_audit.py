"""What väntrummet newly showed, audited right after it was shown: batched, in the audit chain, never dropped.

A partial re-read of väntrummet (dispatch.waiting_read, `audit_new=False`) is shown first and its newly shown
case ids are handed here. They are written as one `case.list` row per batch (`audit_shown`: the same action
and chain as a whole listing, attributed to the signed-in user, `shown_at` the moment the first of them was
shown) within `bound_ms` (default 1 s) of that moment: at most one audit transaction per console per bound,
and none on the path from a change to the screen, where a hundred consoles queued on the chain's lock for
every new case.

The rows are written by a worker of their own on a connection of its own (`records.db.companion_engine`, a
pool of one: counted in docs/centre-setup.md), never on the console's database worker: a batch waiting for
the chain's lock (a hundred consoles auditing the same new case) must not hold up the next re-read queued
behind it. The sign-in is checked in the audit's transaction as in every read (the executor's `signed_in`).
An in-memory SQLite database (tests only) cannot be opened twice: there the console's worker writes them.

Nothing is dropped: ids wait here until their row is committed. A failed write keeps them for the next try
(every bound); `shutdown()` writes what waits at once and waits for it, and is called when the workspace shuts
down, so a console closed or switched to another user writes its last batch under the sign-in that was shown
it. Only a console process killed within the bound, or a write refused (a sign-in ended behind its back, or
the database away at shutdown: logged as an error with the ids), leaves a batch out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from sqlalchemy import Engine

from console.tasks import DbExecutor, DbOp, SignedOut
from dispatch.waiting_read import audit_shown
from records.actor import Actor
from records.audit import now
from records.db import companion_engine, session_factory

log = logging.getLogger("larmcentral.console.shown_audit")


class ShownAudit(QObject):
    written = Signal(int)  # a batch's row committed: how many cases it names

    def __init__(self, executor: DbExecutor, actor: Actor, *, bound_ms: int = 1000, parent: QObject | None = None):
        super().__init__(parent)
        self._actor = actor
        self.engine: Engine | None = None  # the writer's own (None: it shares the console's worker)
        self._writer = executor
        bind = executor.factory.kw.get("bind")
        if isinstance(bind, Engine) and not _in_memory(bind):
            self.engine = companion_engine(bind, pool_size=1)
            self._writer = DbExecutor(session_factory(self.engine), self, signed_in=executor.signed_in)
        self._pending: set[int] = set()
        self._since: datetime | None = None  # when the first pending id was shown
        self._in_flight = 0
        self._writing: set[int] = set()  # sent to the writer, not yet committed
        self._given_up = False  # the sign-in no longer holds: nothing more can be written under it
        self._closing = False  # shutting down: a failed write cannot be tried again
        self._timer = QTimer(self, singleShot=True, interval=bound_ms, timeout=self.flush)

    @property
    def bound_ms(self) -> int:
        return self._timer.interval()

    @bound_ms.setter
    def bound_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)

    @property
    def pending(self) -> frozenset[int]:
        """Shown and not yet audited (a batch being written included until it is committed)."""
        return frozenset(self._pending | self._writing)

    def add(self, ids: Iterable[int]) -> None:
        """`ids` were just shown to the user."""
        fresh = set(ids)
        if not fresh:
            return
        if self._since is None:
            self._since = now()
        self._pending |= fresh
        if not self._timer.isActive() and not self._in_flight:
            self._timer.start()

    def flush(self) -> None:
        """Write what waits now (one row), whatever the bound."""
        self._timer.stop()
        if not self._pending or self._given_up:
            return
        ids, since = frozenset(self._pending), self._since
        self._pending, self._since = set(), None
        actor = self._actor

        def done(_result: object) -> None:
            self._in_flight -= 1
            self._writing -= ids
            self.written.emit(len(ids))
            if self._pending and not self._timer.isActive() and not self._closing:
                self._timer.start()

        def failed(exc: Exception) -> None:
            self._in_flight -= 1
            self._writing -= ids
            self._pending |= ids
            self._since = since if self._since is None or (since is not None and since < self._since) else self._since
            if isinstance(exc, SignedOut):
                self._given_up = True
                log.error("shown cases not audited, the sign-in no longer holds: %s %s", actor.username,
                          sorted(self._pending))
                return
            if self._closing:
                log.error("shown cases not audited, the write failed as the console closed (%r): %s %s", exc,
                          actor.username, sorted(self._pending))
                return
            log.warning("audit of shown cases failed, retried: %r", exc)
            self._timer.start()

        self._in_flight += 1
        self._writing |= ids
        if DbOp(self._writer, lambda s: audit_shown(s, actor, ids, since)).success(done).failure(failed).run() < 0:
            self._in_flight -= 1
            self._writing -= ids
            self._pending |= ids
            log.error("shown cases not audited, the database worker has stopped: %s %s", actor.username, sorted(ids))

    def shutdown(self) -> None:
        """Write what waits and wait for it (its outcome handled here, a refusal logged with the ids); then stop
        the writer and close its connection. Call before the console's executor shuts down."""
        self._closing = True
        self.flush()
        if self.engine is not None:  # a writer of its own
            self._writer.shutdown()  # finishes the write first
            QCoreApplication.sendPostedEvents(self._writer)  # its outcome, now: the process may end next
            self.engine.dispose()
            self.engine = None


def _in_memory(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")
