"""A console runs a whole shift: emitting signals must not leak references (PySide6 6.12.0 did).

Run in a child process, since a leaking build aborts the interpreter ("bool_dealloc").
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject, Signal

class Probe(QObject):
    ping = Signal()
    carry = Signal(object)

p = Probe()
before = sys.getrefcount(True)
for i in range(20000):
    p.ping.emit()
    p.carry.emit(i)
print(before - sys.getrefcount(True))
"""


def test_signal_emit_keeps_reference_counts() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert abs(int(out.stdout.strip())) < 100
