"""The selected case's recommendation is computed off the GUI thread against the incrementally kept
fleet snapshot, and comes back by queued signal; a result for a case no longer selected, or computed
from a fleet that has changed since, is never shown (the stale one is recomputed). Real widgets
offscreen, a real database; the computation is held at a gate so the races are driven, not timed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import console.dispatch.selection as selection_module
from console.dispatch.setup import build_dispatch_workspace
from console.dispatch.workspace import DispatchWorkspace
from console.tasks import DbExecutor
from resources.vocabulary import Role, UnitStatus
from tests.console_dispatch.test_workspace import make_case


@dataclass(frozen=True)
class Report:
    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None
    ts: float


class Gate:
    """Wraps recommend_for_case: while closed, a computation waits (on the worker) until released."""

    def __init__(self, real: Callable[..., Any]):
        self.real = real
        self.closed = False
        self.waiting = threading.Event()
        self.release = threading.Event()
        self.threads: list[int] = []

    def __call__(self, *args: Any, **kw: Any) -> Any:
        self.threads.append(threading.get_ident())
        if self.closed:
            self.closed = False
            self.waiting.set()
            assert self.release.wait(10)
        return self.real(*args, **kw)


@pytest.fixture
def executor(qtbot, sqlite_db) -> Iterator[DbExecutor]:  # type: ignore[no-untyped-def]
    ex = DbExecutor(sqlite_db)
    yield ex
    ex.shutdown()


@pytest.fixture
def gate(monkeypatch) -> Gate:  # type: ignore[no-untyped-def]
    g = Gate(selection_module.recommend_for_case)
    monkeypatch.setattr(selection_module, "recommend_for_case", g)
    return g


def _workspace(qtbot, actor, executor) -> DispatchWorkspace:  # type: ignore[no-untyped-def]
    ws = build_dispatch_workspace(actor, executor, refresh_ms=60_000)
    qtbot.addWidget(ws)
    ws.start()
    ws.clock_timer.stop()  # no once-a-second recompute: the test asks for each one
    ws.bridge.timer.stop()  # the test ticks the bridge itself
    return ws


def _select(qtbot, ws: DispatchWorkspace, case_id: int) -> None:
    qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is not None, timeout=10000)
    ws.select_case_id(case_id)


def test_the_recommendation_is_computed_off_the_gui_thread_and_shown_on_it(qtbot, sqlite_db, make_actor,
                                                                            executor, gate) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor)
    shown_on: list[int] = []
    ws.selection.recommendation_ready.connect(lambda: shown_on.append(threading.get_ident()))
    try:
        _select(qtbot, ws, case_id)
        qtbot.waitUntil(lambda: ws.recommendation is not None, timeout=10000)
        gui = threading.get_ident()
        assert gate.threads and all(t != gui for t in gate.threads)
        assert ws.selection.computed_on == gate.threads[-1]
        assert shown_on == [gui]  # the result came back by queued signal to the GUI thread
        assert ws.recommendation.case_id == case_id
        assert ws.rec_tree.topLevelItemCount() > 0
    finally:
        ws.shutdown()


def test_a_result_computed_from_a_fleet_that_changed_meanwhile_is_dropped_and_recomputed(
        qtbot, sqlite_db, make_actor, executor, gate) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select(qtbot, ws, case_id)
        qtbot.waitUntil(lambda: ws.recommendation is not None, timeout=10000)
        first = ws.recommendation.parts[0].recommended.unit_id
        shown: list[str | None] = []
        ws.selection.recommendation_ready.connect(
            lambda: shown.append(ws.recommendation.parts[0].recommended.unit_id if ws.recommendation else None))
        gate.closed = True
        ws.selection.recompute()
        assert gate.waiting.wait(10)  # computing from the fleet in which `first` is free
        u = ws.bridge.state.unit(first)
        ws.bridge.state.apply([(Report(first, UnitStatus.OFF_DUTY, u.lat, u.lon, None, 1.0), 1.0)])
        ws.bridge.tick()  # the console learns of it: the fleet's generation moves on
        gate.release.set()
        qtbot.waitUntil(lambda: bool(shown), timeout=10000)
        assert ws.selection.stale_dropped == 1
        assert shown == [ws.recommendation.parts[0].recommended.unit_id]
        assert first not in shown  # the result from the old fleet was never shown
        i = ws.selection.live.current()[0].index[first]
        assert ws.selection.live.current()[0].unit(i).status is UnitStatus.OFF_DUTY
    finally:
        ws.shutdown()


def test_a_result_for_a_case_no_longer_selected_is_dropped(qtbot, sqlite_db, make_actor, executor, gate) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    first = make_case(sqlite_db, nurse, priority="1", waited_min=3)
    second = make_case(sqlite_db, nurse, priority="2", waited_min=3, kommun="Malmö", lat=55.605, lon=13.0038)
    ws = _workspace(qtbot, dispatcher, executor)
    shown: list[int | None] = []
    ws.selection.recommendation_ready.connect(
        lambda: shown.append(ws.recommendation.case_id if ws.recommendation else None))
    try:
        gate.closed = True
        _select(qtbot, ws, first)
        qtbot.waitUntil(gate.waiting.is_set, timeout=10000)  # the first case's recommendation is being computed
        _select(qtbot, ws, second)
        qtbot.waitUntil(lambda: ws.selected is not None and ws.selected.id == second, timeout=10000)
        gate.release.set()
        qtbot.waitUntil(lambda: ws.recommendation is not None, timeout=10000)
        qtbot.wait(100)  # let any late delivery arrive
        assert shown == [second] and ws.recommendation.case_id == second
        assert ws.selection.stale_dropped == 0
    finally:
        ws.shutdown()
