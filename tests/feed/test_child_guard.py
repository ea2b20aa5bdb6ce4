"""dispatch.child_guard: a child given `on_term` (the feed receiver: its record writer writes what it holds) is
let finish when its parent dies, not cut short by the watchdog; and it still ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, threading, time
from pathlib import Path
from dispatch.child_guard import guard
stop = threading.Event()
guard(int(sys.argv[1]), on_term=lambda *_: stop.set(), interval=0.05)
Path(sys.argv[2], "ready").write_text("ja")
stop.wait(30)
time.sleep(1.0)  # writing what it holds
Path(sys.argv[2], "done").write_text("ja")
"""

PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2]])
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_child_with_on_term_finishes_its_work_when_the_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, str(tmp_path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 20
        while not (tmp_path / "ready").exists():
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.02)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 20
        while alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "done").exists()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
