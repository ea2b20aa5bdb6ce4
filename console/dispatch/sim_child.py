"""`python -m console.dispatch.sim_child PARENT_PID simulate …`: the demo simulator as the
console's child process, which never outlives the console.

A child that keeps publishing after its console has gone (crashed, killed, closed without
cleaning up) would hold its ports and its CPU. So, before running `main.py simulate`:
- on Linux the kernel is asked to send SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG);
- everywhere a watchdog thread checks twice a second that the parent is still the parent
  (os.getppid() changes when it dies) and ends the process if not.
SIGTERM ends the process at once (its sockets close with it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _ask_kernel(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int, interval: float = 0.5) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)  # the console is gone: nothing here is worth saving
        time.sleep(interval)


def guard(parent: int) -> None:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    _ask_kernel(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the guard was set up
        os._exit(0)
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        print("användning: python -m console.dispatch.sim_child FÖRÄLDER-PID simulate …", file=sys.stderr)
        return 2
    guard(int(argv[0]))
    from larmcentral_cli import main as cli

    return cli(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
