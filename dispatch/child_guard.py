"""A child process that never outlives the process that started it.

A child that keeps running after its console has gone (crashed, killed, closed without cleaning up)
would hold its ports, its database connection and its CPU. `guard(parent_pid)`:
- on Linux asks the kernel to send SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG);
- everywhere starts a watchdog thread that checks twice a second that the parent is still the
  parent (os.getppid() changes when it dies) and ends the process if not.
SIGTERM ends the process at once (its sockets close with it) unless `on_term` is given.
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


def _ask_kernel(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int, interval: float) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)  # the parent is gone: nothing here is worth saving
        time.sleep(interval)


def guard(parent: int, on_term: Callable[[int, Any], None] | None = None, interval: float = 0.5) -> None:
    signal.signal(signal.SIGTERM, on_term or (lambda *_: os._exit(0)))
    _ask_kernel(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the guard was set up
        os._exit(0)
    threading.Thread(target=_watch, args=(parent, interval), name="parent-watchdog", daemon=True).start()
