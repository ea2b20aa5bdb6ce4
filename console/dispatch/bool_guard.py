"""Guard against a PySide6 6.12 reference-count bug that would crash a long shift.

In PySide6 6.12.0 on Python 3.11, every `SignalInstance.emit()` called from Python returns
`True` without taking a reference, so each emit (ours, and pyqtgraph's inside `setData`) steals
one reference to `True`. At 10 Hz with a block of rows per tick the count reaches zero within
minutes to hours and the interpreter aborts ("bool_dealloc: deallocating True or False").
Python 3.12+ makes True/False immortal, which hides the bug; on 3.11 we emulate that by giving
both a very large reference count once. Applied only when a probe shows emits leak.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_HEADROOM = 1 << 40  # ~1e12 emits: years at 10,000 emits per second
_applied = False


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """True when emitting a signal from Python loses a reference to True (the 6.12 bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:  # give back what the probe itself took
        _add_refs(True, lost)
    return lost >= 48  # tolerant of other threads touching True meanwhile


def _add_refs(obj: object, n: int) -> None:
    cell = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
    cell.value += n


def protect_bools() -> bool:
    """Apply the guard once if this PySide6/Python needs it. Returns whether it is applied."""
    global _applied
    if not _applied and sys.version_info < (3, 12) and emit_leaks_true():
        _add_refs(True, _HEADROOM)
        _add_refs(False, _HEADROOM)
        _applied = True
    return _applied
