"""What väntrummet newly showed, audited right after it was shown: batched, in the audit chain, never dropped.

A partial re-read of väntrummet (dispatch.waiting_read, `audit_new=False`) is shown first and its newly shown
case ids are handed here. They are written as one `case.list` row per batch (`audit_shown`: the same action
and chain as a whole listing, attributed to the signed-in user, `shown_at` the moment the first of them was
shown) within `bound_ms` (default 1 s) of that moment: at most one audit transaction per console per bound,
and none on the path from a change to the screen, where a hundred consoles queued on the chain's lock for
every new case.

Nothing is dropped: ids wait here until their row is committed. A failed write keeps them for the next try
(every bound); `flush()` sends what waits at once and is called when the workspace shuts down, before the
executor's worker stops (it finishes queued jobs first), so a console closed or switched to another user
writes its last batch under the sign-in that was shown it. Only a console process killed within the bound,
or a sign-in ended behind its back (then the write is refused and logged with the ids), leaves a batch out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from console.tasks import DbExecutor, DbOp, SignedOut
from dispatch.waiting_read import audit_shown
from records.actor import Actor
from records.audit import now

log = logging.getLogger("larmcentral.console.shown_audit")


class ShownAudit(QObject):
    written = Signal(int)  # a batch's row committed: how many cases it names

    def __init__(self, executor: DbExecutor, actor: Actor, *, bound_ms: int = 1000, parent: QObject | None = None):
        super().__init__(parent)
        self._executor, self._actor = executor, actor
        self._pending: set[int] = set()
        self._since: datetime | None = None  # when the first pending id was shown
        self._in_flight = 0
        self._given_up = False  # the sign-in no longer holds: nothing more can be written under it
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
        return frozenset(self._pending)

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
            self.written.emit(len(ids))
            if self._pending and not self._timer.isActive():
                self._timer.start()

        def failed(exc: Exception) -> None:
            self._in_flight -= 1
            self._pending |= ids
            self._since = since if self._since is None or (since is not None and since < self._since) else self._since
            if isinstance(exc, SignedOut):
                self._given_up = True
                log.error("shown cases not audited, the sign-in no longer holds: %s %s", actor.username,
                          sorted(self._pending))
                return
            log.warning("audit of shown cases failed, retried: %r", exc)
            self._timer.start()

        self._in_flight += 1
        if DbOp(self._executor, lambda s: audit_shown(s, actor, ids, since)).success(done).failure(failed).run() < 0:
            self._in_flight -= 1
            self._pending |= ids
            log.error("shown cases not audited, the database worker has stopped: %s %s", actor.username, sorted(ids))
