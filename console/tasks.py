"""Database work off the GUI thread (the Anki pattern).

One worker QThread runs every database job in turn, so access is serialised and
the window never freezes; results come back on the GUI thread through a queued
signal. Call sites are one line:

    DbOp(executor, lambda s: list_cases(s, actor)).success(show).failure(warn).run()   # a read
    CommandOp(executor, actor, AssignUnit(...)).success(done).failure(warn).run()      # a clinical write

`fn` receives a Session inside a transaction (committed on success, rolled back
on error, cut off with DatabaseTimeout past the database bound). Clinical writes
go through `CommandOp`, which runs the command with `commands.run` (its own
transaction, idempotent by the command's id). After a successful write the
executor emits `changed(topic)` once, so every view refreshes only what it shows.
With `listen=True` (the console's window) other consoles' committed changes arrive the same way, pushed
(console/change_watch.py: LISTEN/NOTIFY on PostgreSQL, the in-process bus on SQLite), with the case ids in
`changed_ids(topic, ids)`.
"""

from __future__ import annotations

import itertools
import logging
import queue
from collections.abc import Callable
from typing import Any, Self

from PySide6.QtCore import QObject, QThread, Signal
from sqlalchemy.orm import Session, sessionmaker

from commands import Command
from commands.retry import run_retrying
from console.change_watch import ChangeWatch
from records.actor import Actor, NotPermitted
from records.db import transaction
from records.identity import verify_actor_once

log = logging.getLogger("larmcentral.console.tasks")

Job = tuple[int, Callable[[Session], Any] | Callable[[sessionmaker[Session]], Any], bool]  # id, fn, own tx


class _Worker(QThread):
    """Runs jobs from a queue, one at a time, each in its own transaction."""

    finished_job = Signal(int, object, object)  # job id, result, exception
    retrying = Signal(int)  # a command is being retried while the database is away (attempt number)

    def __init__(self, factory: sessionmaker[Session], signed_in: Actor | None = None):
        super().__init__()
        self.setObjectName("db-worker")
        self._factory = factory
        self._signed_in = signed_in
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()

    def put(self, job: Job | None) -> None:
        self._queue.put(job)

    def run(self) -> None:
        while (job := self._queue.get()) is not None:
            job_id, fn, owns_transaction = job
            try:
                if owns_transaction:
                    result = fn(self._factory)  # type: ignore[arg-type]
                else:
                    with transaction(self._factory) as session:
                        if self._signed_in is not None:  # reads too: only while the sign-in still holds
                            _still_signed_in(session, self._signed_in)
                        result = fn(session)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - handed to the failure callback on the GUI thread
                self.finished_job.emit(job_id, None, exc)
            else:
                self.finished_job.emit(job_id, result, None)


class SignedOut(NotPermitted):
    """The window's sign-in no longer holds (session ended, user deactivated, role revoked): nothing was read."""


def _still_signed_in(session: Session, actor: Actor) -> None:
    try:
        verify_actor_once(session, actor)
    except NotPermitted as exc:
        raise SignedOut(str(exc)) from None


class DbExecutor(QObject):
    """The single-worker database executor owned by the main window (or a test).

    With `signed_in` (the window's actor) every read job first checks that the sign-in still holds, as every
    command does; when it no longer does, the job fails with SignedOut and `signed_out` is emitted once."""

    changed = Signal(str)  # topic: "cases", "reviews", "drafts", ...
    changed_ids = Signal(str, object)  # topic, the case ids (frozenset) or None: pushed from other consoles
    pushed = Signal(object)  # the same as a records.change_feed.Change (with which cases are open for dispatch)
    signed_out = Signal(str)  # why, in Swedish
    failed = Signal(object)  # every failure not handled by the job's own callback
    idle = Signal()
    answered = Signal()  # a job finished without an error: the database is reachable (again)
    switching = Signal(bool)  # True: a write is being retried while the database switches server; False: done

    def __init__(self, factory: sessionmaker[Session], parent: QObject | None = None, *,
                 signed_in: Actor | None = None, listen: bool = False):
        super().__init__(parent)
        self.factory = factory
        self.signed_in = signed_in
        self._told_signed_out = False
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[Any], None] | None, Callable[[Exception], None] | None,
                                       str | None]] = {}
        self._worker = _Worker(factory, signed_in)
        self._worker.finished_job.connect(self._deliver)  # queued: the receiver lives on the GUI thread
        self._switching = False
        self._worker.retrying.connect(self._retrying)  # queued too
        self._worker.start()
        self.watch: ChangeWatch | None = None  # other consoles' changes, pushed (listen=True)
        if listen:
            self.watch = ChangeWatch(factory, self)
            self.watch.changed.connect(self.changed)
            self.watch.changed_ids.connect(self.changed_ids)
            self.watch.pushed.connect(self.pushed)
            self.watch.start()

    @property
    def running(self) -> bool:
        return self._worker.isRunning()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(self, fn: Callable[[Session], Any], on_success: Callable[[Any], None] | None = None,
               on_failure: Callable[[Exception], None] | None = None, changes: str | None = None) -> int:
        return self._submit(fn, False, on_success, on_failure, changes)

    def submit_command(self, actor: Actor, cmd: Command, on_success: Callable[[Any], None] | None = None,
                       on_failure: Callable[[Exception], None] | None = None) -> int:
        """Run a clinical command in its own transaction; `changed(cmd.topic)` follows its success. While the
        database cannot be reached the command is retried with its own id (commands.retry) and `switching(True)`
        is emitted; `switching(False)` follows the next write's outcome."""
        return self._submit(lambda factory: run_retrying(factory, actor, cmd,
                                                         on_retry=lambda n, _exc: self._worker.retrying.emit(n)),
                            True, on_success, on_failure, cmd.topic)

    def submit_writes(self, fn: Callable[[sessionmaker[Session]], Any], on_success: Callable[[Any], None] | None = None,
                      on_failure: Callable[[Exception], None] | None = None, changes: str | None = None) -> int:
        """Run `fn(factory)` on the worker: for a job of several commands, each in its own transaction."""
        return self._submit(fn, True, on_success, on_failure, changes)

    def _submit(self, fn: Callable[..., Any], owns_transaction: bool, on_success: Callable[[Any], None] | None,
                on_failure: Callable[[Exception], None] | None, changes: str | None) -> int:
        if not self._worker.isRunning():
            raise RuntimeError("database executor is shut down")
        job_id = next(self._ids)
        self._pending[job_id] = (on_success, on_failure, changes)
        self._worker.put((job_id, fn, owns_transaction))
        return job_id

    def _retrying(self, _attempt: int) -> None:
        if not self._switching:
            self._switching = True
            self.switching.emit(True)

    def _deliver(self, job_id: int, result: Any, error: Exception | None) -> None:
        on_success, on_failure, changes = self._pending.pop(job_id, (None, None, None))
        if changes and self._switching:  # a write went through, or gave up with its own message
            self._switching = False
            self.switching.emit(False)
        if error is not None:
            log.warning("database job failed: %r", error)
            if isinstance(error, SignedOut) and not self._told_signed_out:
                self._told_signed_out = True
                self.signed_out.emit(str(error))
            if on_failure is not None:
                on_failure(error)
            else:
                self.failed.emit(error)
        else:
            self.answered.emit()
            if on_success is not None:
                on_success(result)
            if changes:
                self.changed.emit(changes)
        if not self._pending:
            self.idle.emit()

    def shutdown(self) -> None:
        """Stop listening, finish queued jobs, then stop the worker thread (call before the window goes)."""
        if self.watch is not None:
            self.watch.stop()
        if self._worker.isRunning():
            self._worker.put(None)
            self._worker.wait()


class _Op:
    """The fluent part both operations share: what to call on success and on failure."""

    def __init__(self, executor: DbExecutor):
        self._executor = executor
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[Exception], None] | None = None

    def success(self, cb: Callable[[Any], None]) -> Self:
        self._success = cb
        return self

    def failure(self, cb: Callable[[Exception], None]) -> Self:
        self._failure = cb
        return self


class DbOp(_Op):
    """Fluent wrapper: DbOp(executor, fn).success(cb).failure(cb).changes("cases").run()."""

    def __init__(self, executor: DbExecutor, fn: Callable[[Session], Any]):
        super().__init__(executor)
        self._fn = fn
        self._changes: str | None = None

    def changes(self, topic: str) -> DbOp:
        self._changes = topic
        return self

    def run(self) -> int:
        """Submit; returns the job id. A read asked for after the worker stopped (a timer or a change arriving while
        the console closes) is dropped, returning -1: there is nothing left to show it in, and nothing was shown, so
        nothing is audited. A write (`changes` set) still raises: it must never vanish silently."""
        if self._changes is None and not self._executor.running:
            log.debug("read dropped: the database worker has stopped")
            return -1
        return self._executor.submit(self._fn, self._success, self._failure, self._changes)


class CommandOp(_Op):
    """Fluent wrapper for a clinical write: CommandOp(executor, actor, cmd).success(cb).failure(cb).run()."""

    def __init__(self, executor: DbExecutor, actor: Actor, cmd: Command):
        super().__init__(executor)
        self._actor, self._cmd = actor, cmd

    def run(self) -> int:
        return self._executor.submit_command(self._actor, self._cmd, self._success, self._failure)
