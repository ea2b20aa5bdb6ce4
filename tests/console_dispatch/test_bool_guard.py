"""The guard against PySide6's emit() reference leak keeps True and False alive under a flood
of model updates (the fleet board emits dataChanged at 10 Hz for a whole shift)."""

from __future__ import annotations

import sys

from console.dispatch.bool_guard import emit_leaks_true, protect_bools
from resources.vocabulary import UnitStatus as S


def test_guard_applies_exactly_when_emits_leak() -> None:
    leaks = sys.version_info < (3, 12) and emit_leaks_true()
    assert protect_bools() is leaks
    if leaks:
        assert sys.getrefcount(True) > 1 << 39 and sys.getrefcount(False) > 1 << 39


def test_many_updates_leave_true_with_headroom(qtbot, fleet_model) -> None:
    protect_bools()
    ids = [r.id for r in fleet_model.rows()]
    before = sys.getrefcount(True)
    for i in range(2000):  # scattered rows: one dataChanged per row
        fleet_model.update_units({ids[(i * 7) % len(ids)]: {"status": S.EN_ROUTE if i % 2 else S.ON_SCENE}})
    after = sys.getrefcount(True)
    # With the guard the count may drift by what emit() steals, never toward zero.
    assert after > 1000 and (after > 1 << 39 or before - after < 100)
