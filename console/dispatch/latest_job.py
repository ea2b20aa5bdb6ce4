"""LatestJobRunner: computation off the GUI thread where only the newest request matters (the
selected case's recommendation).

One background thread, started on first use, runs one job at a time. A job submitted while another
runs replaces any job still waiting, so a burst of requests costs at most one extra run. The result
comes back on the GUI thread by a queued signal, `finished((token, result, error, thread_ident))`;
the caller compares `token` with its newest request and drops older results. Call `shutdown()` before
the owner goes (it waits for the running job, drops the waiting one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class LatestJobRunner(QObject):
    # (token, result, error, thread ident): one object, since a thread ident does not fit a Qt int
    finished = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self._next: tuple[int, Callable[[], Any]] | None = None
        self._stop = False
        self._thread: threading.Thread | None = None

    def submit(self, token: int, job: Callable[[], Any]) -> None:
        """Run `job()` on the background thread; a job still waiting is dropped for this one."""
        with self._cond:
            if self._stop:
                return
            self._next = (token, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()

    def shutdown(self) -> None:
        with self._cond:
            self._stop, self._next = True, None
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._next is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                assert self._next is not None
                token, job = self._next
                self._next = None
            try:
                result, error = job(), None
            except Exception as exc:  # noqa: BLE001 - handed to the GUI thread with the token
                result, error = None, exc
            self.finished.emit((token, result, error, threading.get_ident()))
