"""Outcomes reported on the units' feeds close their cases, on the console's database executor.

The feed thread puts each OutcomeMessage on a queue (LiveFeeds.outcomes, or FeedService /
SimulatedFeeds .outcomes); a GUI-thread timer drains it twice a second and applies each message as
the system user `system.flöde` (outcomes.system_jobs). A successful apply emits the executor's
"cases" change, so väntrummet, the follow-up queue and the statistics refresh. A message that
fails (the database is busy or down) is retried a few times, then reported.
"""

from __future__ import annotations

import logging
import queue
import socket
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commands import ApplyFeedOutcome
from console.errors import user_message
from console.tasks import CommandOp, DbExecutor, DbOp
from outcomes.closing import FeedOutcome
from outcomes.system_jobs import feed_actor
from records.actor import Actor

log = logging.getLogger("larmcentral.console.outcomes")
RETRIES = 3


class FeedOutcomeApplier(QObject):
    """Signals: `applied(case_id, OutcomeView | None)` after each message; `message(str)` for the
    status bar (in Swedish)."""

    applied = Signal(int, object)
    message = Signal(str)

    def __init__(self, executor: DbExecutor, outcomes: queue.Queue[Any], *, interval_ms: int = 500,
                 console: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.executor, self.outcomes = executor, outcomes
        self.console = console or socket.gethostname()
        self.actor: Actor | None = None
        self._signing_in = False
        self._attempts: dict[int, int] = {}
        self.timer = QTimer(self, interval=interval_ms, timeout=self.drain)

    def start(self) -> None:
        self.timer.start()
        self.drain()

    def stop(self) -> None:
        self.timer.stop()

    def drain(self) -> int:
        """Submit every queued message (after signing in the system user once). Returns how many."""
        if self.actor is None:
            self._sign_in()
            return 0
        n = 0
        while True:
            try:
                msg = self.outcomes.get_nowait()
            except queue.Empty:
                return n
            self._submit(msg)
            n += 1

    def _sign_in(self) -> None:
        if self._signing_in or not self.executor.running:
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

    def _submit(self, msg: Any) -> None:
        actor = self.actor
        assert actor is not None
        if not self.executor.running:
            return

        try:
            cmd = ApplyFeedOutcome.for_message(FeedOutcome.model_validate(msg))
        except ValueError as exc:  # a malformed outcome: told, not retried
            self._failed(msg, exc)
            return
        CommandOp(self.executor, actor, cmd).success(lambda r: self.applied.emit(r.case_id, r.outcome)) \
            .failure(lambda exc: self._failed(msg, exc)).run()

    def _failed(self, msg: Any, exc: Exception) -> None:
        key = id(msg)
        tries = self._attempts.get(key, 0) + 1
        if tries < RETRIES and not isinstance(exc, LookupError | ValueError):
            self._attempts[key] = tries
            self._submit(msg)
            return
        self._attempts.pop(key, None)
        log.warning("feed outcome for case %s not applied: %r", getattr(msg, "case_id", "?"), exc)
        self.message.emit(self.tr("Utfall från %s för ärende %s kunde inte registreras: %s")
                          % (getattr(msg, "unit_id", "?"), getattr(msg, "case_id", "?"), user_message(exc)))
