"""Väntrummet's cases as this console shows them, kept current by re-reads: the part of the dispatch workspace
with no widget, so `bench/bench_consoles.py` runs exactly what a console runs.

`refresh(ids)` re-reads the cases a pushed change names (`ids`), or all of them (None: at start, after a
reconnect, by the safety poll, on F5, and the read after one that failed, whatever it names). One re-read at a
time: calls while one runs are merged into exactly one more. A re-read's result is merged into `cases` /
`assigned_at` (dispatch.waiting_read.merged) and `updated` is emitted, so the view shows it; only then are the
cases it newly shows handed to the batched audit (console/shown_audit.py): shown first, audited within a second.
A whole listing is audited in its own read, when its set changed (records.cases.list_cases).

`pushed(change)` is how a pushed change arrives: of the cases it names, only those shown or open for dispatch
after it are re-read (records.change_feed); a change to none of them (a call being taken) reads nothing. While a
re-read is under way, or after one failed, nothing is left out (the shown set is not yet what it will be).
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from console.shown_audit import ShownAudit
from console.tasks import DbExecutor, DbOp
from dispatch.waiting_read import WaitingRead, merged, read_waiting
from records.actor import Actor
from records.cases import CaseView
from records.change_feed import Change


class WaitingFeed(QObject):
    updated = Signal(object)  # the WaitingRead just merged into `cases`
    failed = Signal(object)  # the exception of a re-read that failed (the next one reads everything)

    def __init__(self, executor: DbExecutor, actor: Actor, *, audit_bound_ms: int = 1000,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.executor, self.actor = executor, actor
        self.cases: list[CaseView] = []
        self.assigned_at: dict[int, datetime] = {}
        self.listed = False  # read whole at least once
        self.read_s = 0.0  # the last re-read: seconds from asking to its result here (the bench reports it)
        self.shown_audit = ShownAudit(executor, actor, bound_ms=audit_bound_ms, parent=self)
        self._reading = self._read_again = False
        self._again_ids: frozenset[int] | None = frozenset()  # what the one more reads (None: all of it)
        self._read_all_next = False  # a re-read failed: the cases it was to read are unknown
        self.passed_over = 0  # pushed changes that named no case this listing shows or would show (not read)

    def pushed(self, change: Change) -> None:
        """Re-read what a pushed change of väntrummet's cases can alter here."""
        ids = change.ids
        if ids is not None and not self._reading and not self._read_all_next:
            ids = change.relevant_to(frozenset(c.id for c in self.cases))
            if not ids:
                self.passed_over += 1
                return
        self.refresh(ids)

    def refresh(self, ids: frozenset[int] | None = None) -> None:
        if self._read_all_next:
            ids = None
        if self._reading:
            self._read_again = True
            self._again_ids = None if ids is None or self._again_ids is None else self._again_ids | ids
            return
        self._reading, self._read_again, self._again_ids = True, False, frozenset()
        if ids is None:
            self._read_all_next = False
        actor, shown, asked = self.actor, frozenset(c.id for c in self.cases), time.monotonic()

        def show(read: WaitingRead) -> None:
            try:
                self.read_s = time.monotonic() - asked
                self.cases, self.assigned_at = merged(self.cases, self.assigned_at, read)
                self.listed = self.listed or read.full
                self.shown_audit.add(read.new)  # written after this tick: the view below shows them first
                self.updated.emit(read)
            finally:
                self._done()

        def failed(exc: Exception) -> None:
            self._read_all_next = True
            self._done()
            self.failed.emit(exc)

        DbOp(self.executor, lambda s: read_waiting(s, actor, shown, ids, audit_new=False)).success(show).failure(
            failed).run()

    def shutdown(self) -> None:
        """Write the audit of what was shown and waits, and stop its writer (before the executor's worker stops)."""
        self.shown_audit.shutdown()

    def _done(self) -> None:
        self._reading = False
        if self._read_again and self.executor.running:
            self.refresh(self._again_ids)
