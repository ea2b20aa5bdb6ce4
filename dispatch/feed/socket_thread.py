"""A background thread that owns ZeroMQ sockets: the lifecycle the subscriber and the simulator share.

Sockets are not thread-safe, so each service's sockets live on its one thread; the context is
shared. `start()` returns once the thread has set up (or re-raises what stopped it), `stop()`
returns once it has closed its sockets, and a context the service made is terminated with it.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

import zmq

log = logging.getLogger("dispatch.feed")


class SocketThread:
    thread_name = "socket-thread"
    description = "bakgrundstråden"  # Swedish, for the log: "<description> stannade inte inom N s"
    ready_timeout = 5.0

    def __init__(self, context: zmq.Context | None = None):  # type: ignore[type-arg]
        self._own_context = context is None
        self.context = context or zmq.Context()
        self._stop = threading.Event()
        self._ready = threading.Event()  # set by _run once its sockets are bound/connected (or it failed)
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None  # what stopped _run, set before _ready

    def _run(self) -> None:
        raise NotImplementedError

    def _before_start(self) -> None:
        """Hook: set-up on the caller's thread (e.g. the CURVE authenticator)."""

    def _after_stop(self) -> None:
        """Hook: tear-down on the caller's thread once the thread has ended."""

    def start(self) -> Self:
        self._before_start()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        self._ready.wait(self.ready_timeout)
        if self.error is not None:
            self.stop()
            raise self.error
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        stuck = False
        if self._thread is not None:
            self._thread.join(timeout)
            stuck = self._thread.is_alive()
            self._thread = None
        self._after_stop()
        if stuck:  # its sockets are still open: terminating the context would hang
            log.error("%s stannade inte inom %.0f s", self.description, timeout)
        elif self._own_context:
            self.context.term()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
