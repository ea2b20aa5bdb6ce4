"""A child process that never outlives the process that started it.

A child that keeps running after its console has gone (crashed, killed, closed without cleaning up)
would hold its ports, its database connection and its CPU. `guard(parent_pid)`:
- on Linux asks the kernel to send SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG);
- everywhere starts a watchdog thread that checks twice a second that the parent is still the
  parent (os.getppid() changes when it dies) and ends the process if not.
SIGTERM ends the process at once (its sockets close with it) unless `on_term` is given: then the watchdog too
calls `on_term` and gives the process GRACE_S to finish (the feed receiver's writer writes what it holds) before
it ends it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1
GRACE_S = 20.0  # a child told to stop because its parent died: time to finish before it is ended


def _ask_kernel(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int, interval: float, on_gone: Callable[[int, Any], None] | None) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    if on_gone is not None:  # the parent is gone: stop as SIGTERM asks, and give that its time
        on_gone(signal.SIGTERM, None)
        time.sleep(GRACE_S)
    os._exit(0)


def guard(parent: int, on_term: Callable[[int, Any], None] | None = None, interval: float = 0.5) -> None:
    signal.signal(signal.SIGTERM, on_term or (lambda *_: os._exit(0)))
    _ask_kernel(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the guard was set up
        os._exit(0)
    threading.Thread(target=_watch, args=(parent, interval, on_term), name="parent-watchdog", daemon=True).start()
