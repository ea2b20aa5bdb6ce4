"""Rule-change proposals drafted without anyone remembering to: every 15 minutes (and once at
start) the console asks outcomes.proposals to draft what the outcomes call for, on its database
executor, as the system user `system.utfall`. Drafting is idempotent (no second proposal for the
same endpoint, rule-set version and kind) and consoles take turns (outcomes.system_jobs); a new
proposal lands in the RLS queue ("reviews" change)."""

from __future__ import annotations

import logging
import socket

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.orm import Session

from console.tasks import DbExecutor, DbOp
from outcomes.proposals import ProposalView
from outcomes.system_jobs import analysis_actor, draft_proposals_once

log = logging.getLogger("larmcentral.console.proposals")
INTERVAL_MS = 15 * 60 * 1000
PERIOD_DAYS = 90  # the outcomes looked at: cases of the last 90 days


class ProposalDrafter(QObject):
    drafted = Signal(object)  # list[ProposalView], after each run (possibly empty)
    message = Signal(str)

    def __init__(self, executor: DbExecutor, *, interval_ms: int = INTERVAL_MS, days: int | None = PERIOD_DAYS,
                 console: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.executor, self.days = executor, days
        self.console = console or socket.gethostname()
        self.running_job = False
        self.runs = 0
        self.timer = QTimer(self, interval=interval_ms, timeout=self.run)

    def start(self) -> None:
        self.timer.start()
        self.run()

    def stop(self) -> None:
        self.timer.stop()

    def run(self) -> None:
        if self.running_job or not self.executor.running:
            return
        self.running_job = True
        console, days = self.console, self.days

        def job(s: Session) -> list[ProposalView]:
            return draft_proposals_once(s, analysis_actor(s, console), days=days)

        DbOp(self.executor, job).success(self._done).failure(self._failed).changes("reviews").run()

    def _done(self, new: list[ProposalView]) -> None:
        self.running_job = False
        self.runs += 1
        if new:
            self.message.emit(self.tr("%d nya regeländringsförslag i RLS-kön.") % len(new))
        self.drafted.emit(new)

    def _failed(self, exc: Exception) -> None:
        self.running_job = False
        log.warning("drafting rule proposals failed: %r", exc)
