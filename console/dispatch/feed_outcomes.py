"""Outcomes reported on the units' feeds close their cases, on the console's database executor.

The console that persists the feeds (the embedded SQLite default; dispatch.feed.service.persist_feed_events)
stores every outcome message in the durable inbox as it arrives (the feed record writer). A GUI-thread timer
applies the due inbox rows about once a second on the DbExecutor (commands.feed_inbox.apply_due_outcomes, as
the system user `system.flöde`): a busy or unreachable database only delays them (backoff, kept in the
database), a row that cannot be applied goes to the RLS queue and is told once in the status bar. Each applied
outcome emits `applied(case_id, outcome)` and the executor's "cases" change, so väntrummet, the follow-up
queue and the statistics refresh.

A console that does not persist the feeds (PostgreSQL; `feed serve` applies the inbox there) only empties
the queue of received outcomes, which is for display.
"""

from __future__ import annotations

import logging
import queue
import socket
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commands import InboxRun, apply_due_outcomes
from console.errors import user_message
from console.tasks import DbExecutor, DbOp
from outcomes.system_jobs import feed_actor
from records.actor import Actor

log = logging.getLogger("larmcentral.console.outcomes")
MAX_PAUSE_S = 300.0  # the longest wait after the database refused a whole run


class FeedOutcomeApplier(QObject):
    """Signals: `applied(case_id, OutcomeView | None)` per applied outcome; `message(str)` for the status bar
    (in Swedish). `received` is the queue of outcome messages the feeds deliver: emptied, and an arrival makes
    the next run come at once. `apply=False`: only that (another process applies the inbox)."""

    applied = Signal(int, object)
    message = Signal(str)

    def __init__(self, executor: DbExecutor, received: queue.Queue[Any] | None = None, *, apply: bool = True,
                 interval_ms: int = 1000, console: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.executor, self.received, self.apply = executor, received, apply
        self.console = console or socket.gethostname()
        self.actor: Actor | None = None
        self.runs = 0
        self._signing_in = self._running = False
        self._failures = 0
        self._pause_until = 0.0
        self.timer = QTimer(self, interval=interval_ms, timeout=self.drain)

    def start(self) -> None:
        self.timer.start()
        self.drain()

    def stop(self) -> None:
        self.timer.stop()

    def drain(self) -> None:
        """Empty the received queue; apply the due inbox rows (after signing the system user in once)."""
        while self.received is not None:
            try:
                self.received.get_nowait()
            except queue.Empty:
                break
        if not self.apply or self._running or not self.executor.running or time.monotonic() < self._pause_until:
            return
        if self.actor is None:
            self._sign_in()
            return
        actor = self.actor
        self._running = True
        self.executor.submit_writes(lambda factory: apply_due_outcomes(factory, actor), self._done, self._failed)

    def _sign_in(self) -> None:
        if self._signing_in:
            return
        self._signing_in = True
        console = self.console

        def done(actor: Actor) -> None:
            self.actor, self._signing_in = actor, False
            self.drain()

        def failed(exc: Exception) -> None:
            self._signing_in = False
            log.warning("system user sign-in failed: %r", exc)

        DbOp(self.executor, lambda s: feed_actor(s, console)).success(done).failure(failed).run()

    def _done(self, run: InboxRun) -> None:
        self._running = False
        self.runs += 1
        for applied in run.outcomes:
            self.applied.emit(applied.case_id, applied.outcome)
        if run.applied:
            self.executor.changed.emit("cases")
        if run.dead:
            self.executor.changed.emit("reviews")
        for dead in run.dead_rows:
            log.warning("feed outcome %s for case %s is dead: %s", dead.inbox_id, dead.case_id, dead.reason)
            self.message.emit(self.tr("Utfall från %s för ärende %s kunde inte registreras och ligger i "
                                      "RLS-granskningskön: %s") % (dead.unit_id, dead.case_id, dead.reason))
        if run.stopped_by is None:
            self._failures, self._pause_until = 0, 0.0
        else:
            self._pause(run.stopped_by)

    def _failed(self, exc: Exception) -> None:
        self._running = False
        log.warning("feed outcome inbox run failed: %r", exc)
        self._pause(user_message(exc))

    def _pause(self, why: str) -> None:
        """The database refused the whole run: wait 2 s, doubling, before the next (the rows stay in the inbox)."""
        self._failures += 1
        self._pause_until = time.monotonic() + min(MAX_PAUSE_S, 2.0 * 2 ** min(self._failures - 1, 8))
        if self._failures == 1:  # once per spell, not every second
            self.message.emit(self.tr("Utfall från enheterna väntar: %s") % why)
