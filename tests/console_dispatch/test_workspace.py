"""The dispatch workspace with real widgets, a real database and the real dispatch API:
väntrummet ordering, assignment through the dialog, a conflict from a second console, and
(in demo mode) the simulated unit going through its statuses on the board."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from console.dispatch.setup import build_dispatch_workspace
from console.dispatch.targets import WaitTargets, load_targets
from console.dispatch.waiting_room import COL_WAIT, STATE_COLOURS, order_cases
from console.dispatch.workspace import DispatchWorkspace
from console.tasks import DbExecutor
from dispatch.assignment import active_assignments, assign
from dispatch.feed.service import PERSIST_ENV
from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, CaseStatus, advance, create_case, get_case
from records.db import transaction
from records.models import Case, UnitStatusEvent
from resources.vocabulary import Role
from resources.vocabulary import UnitStatus as S

AMBULANCE_NEED = {"capabilities": ["ecg", "oxygen"], "transport": "ambulance", "max_minutes": 30}


def make_case(factory, actor, *, priority: str, waited_min: float, kommun: str = "Lund",  # type: ignore[no-untyped-def]
              lat: float = 55.7047, lon: float = 13.1910, care_need: dict | None = None) -> int:
    with transaction(factory) as s:
        view = create_case(s, actor, CaseIntake(caller_name="Test", address="Testgatan 1", kommun=kommun,
                                                lat=lat, lon=lon, patient_name="Astrid Demo", patient_age=80))
        row = s.get(Case, view.id)
        row.priority, row.care_need, row.complaint = priority, care_need or AMBULANCE_NEED, "bröstsmärta"
        advance(s, actor, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
        row.waiting_since = now() - timedelta(minutes=waited_min)
        return view.id


@pytest.fixture
def executor(qtbot, sqlite_db) -> Iterator[DbExecutor]:  # type: ignore[no-untyped-def]
    ex = DbExecutor(sqlite_db)
    yield ex
    ex.shutdown()


def _workspace(qtbot, actor, executor, **kw) -> DispatchWorkspace:  # type: ignore[no-untyped-def]
    ws = build_dispatch_workspace(actor, executor, refresh_ms=60_000, **kw)
    qtbot.addWidget(ws)
    ws.start()
    return ws


def _wait_idle(qtbot, executor) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not executor.busy, timeout=10000)


def test_waiting_room_orders_by_priority_then_waiting_time(qtbot, qtmodeltester, sqlite_db, make_actor,
                                                          executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    p3_long = make_case(sqlite_db, nurse, priority="3", waited_min=100)
    p1_short = make_case(sqlite_db, nurse, priority="1", waited_min=2)
    p2 = make_case(sqlite_db, nurse, priority="2", waited_min=25)
    p1_long = make_case(sqlite_db, nurse, priority="1", waited_min=12)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        qtbot.waitUntil(lambda: ws.waiting_model.rowCount() == 4, timeout=10000)
        assert [c.id for c in ws.waiting_model.cases()] == [p1_long, p1_short, p2, p3_long]
        m = ws.waiting_model
        # Colour against each priority's target: Prio 1 after 12 min is late, after 2 min fine;
        # Prio 2 at 25 of 30 min is near its target.
        assert m.index(0, COL_WAIT).data(Qt.ItemDataRole.BackgroundRole) == STATE_COLOURS["late"]
        assert m.index(1, COL_WAIT).data(Qt.ItemDataRole.BackgroundRole) == STATE_COLOURS["ok"]
        assert m.index(2, COL_WAIT).data(Qt.ItemDataRole.BackgroundRole) == STATE_COLOURS["near"]
        assert m.index(0, COL_WAIT).data().startswith("12:")  # counting up, mm:ss
        assert m.index(0, 2).data() == "10 min"
        qtmodeltester.check(m)
    finally:
        ws.shutdown()


def test_order_cases_is_pure_and_stable(sqlite_db, make_actor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    ids = [make_case(sqlite_db, nurse, priority=p, waited_min=w) for p, w in (("2", 5), ("2", 9), ("1", 1))]
    with transaction(sqlite_db) as s:
        views = [get_case(s, nurse, i) for i in ids]
    assert [c.id for c in order_cases(views)] == [ids[2], ids[1], ids[0]]


def test_targets_are_configurable() -> None:
    t = load_targets({"LARMCENTRAL_WAIT_TARGETS": "1=5,2=20"})
    assert t.minutes["1"] == 5 and t.minutes["2"] == 20 and t.minutes["3"] == WaitTargets().minutes["3"]
    with pytest.raises(ValueError, match="LARMCENTRAL_WAIT_TARGETS"):
        load_targets({"LARMCENTRAL_WAIT_TARGETS": "1=fem"})


def _select_first_case(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: ws.waiting_model.rowCount() >= 1, timeout=10000)
    ws.waiting.setCurrentIndex(ws.waiting_model.index(0, 0))
    qtbot.waitUntil(lambda: ws.recommendation is not None, timeout=10000)


def test_assigning_through_the_dialog_records_the_assignment(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        recommended = ws.recommendation.parts[0].recommended
        assert recommended is not None and recommended.type_code == "AMBULANS"
        assert ws.map.route_count() == 1  # a straight line from the recommended unit to the case
        dlg = ws.open_assign_dialog()
        assert dlg is not None
        # Choosing another unit needs a reason: without one the dialog refuses and says why.
        other_id = next(r.id for r in ws.bridge.model.rows()
                        if r.type_code == "AMBULANS" and r.id != recommended.unit_id)
        dlg.other.setText(other_id)
        other = dlg.choice()
        assert other is not None and other.unit_id == other_id and not other.recommended
        dlg.accept()
        assert dlg.result() != dlg.DialogCode.Accepted and "skäl" in dlg.error.text()
        # Back to the recommended one: Enter sends it.
        dlg.other.clear()
        dlg.select_rank(0)
        qtbot.keyClick(dlg.tree, Qt.Key.Key_Return)
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
        assert recommended.unit_id in ws.banner.text()
        with transaction(sqlite_db) as s:
            active = active_assignments(s, case_id)
            status = get_case(s, dispatcher, case_id).status
        assert [(a.unit_id, a.recommended_unit_id, a.deviation_reason) for a in active] == [
            (recommended.unit_id, recommended.unit_id, None)]
        assert status is CaseStatus.ASSIGNED
        qtbot.waitUntil(lambda: ws.assigned_parts == {"": recommended.unit_id}, timeout=10000)
    finally:
        ws.shutdown()


def test_deviation_with_reason_is_recorded(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        dlg = ws.open_assign_dialog()
        recommended = ws.recommendation.parts[0].recommended.unit_id
        chosen = next(r.id for r in ws.bridge.model.rows() if r.type_code == "AMBULANS" and r.id != recommended)
        ws.board.unit_activated.emit(chosen)  # double-click on the board
        assert dlg.choice().unit_id == chosen
        dlg.reason.setText("Känd adress, enheten är redan i området")
        dlg.accept()
        _wait_idle(qtbot, executor)
        with transaction(sqlite_db) as s:
            (a,) = active_assignments(s, case_id)
        assert a.unit_id == chosen and a.deviation_reason == "Känd adress, enheten är redan i området"
        assert "Avvikelse" in ws.banner.text()
    finally:
        ws.shutdown()


def test_conflict_from_another_console_is_shown(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    other = make_actor(sqlite_db, "dir.cilla", Role.DISPATCHER)
    make_case(sqlite_db, nurse, priority="1", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        rec = ws.recommendation
        unit = rec.parts[0].recommended.unit_id
        # A second console (another dispatcher, same database) sends the same unit to another case first.
        second_case = make_case(sqlite_db, nurse, priority="1", waited_min=1, kommun="Lund")
        with transaction(sqlite_db) as s:
            assign(s, other, second_case, unit, "", {**rec.model_dump(mode="json"), "case_id": second_case})
        ws.assign_recommended()  # this console still shows the unit as free
        _wait_idle(qtbot, executor)
        text = ws.banner.text()
        assert ws.banner.property("error") is True
        assert unit in text and "dir.cilla" in text and str(second_case) in text
        assert ws.banner.isVisibleTo(ws)
    finally:
        ws.shutdown()


def test_recall_puts_the_case_back_in_the_waiting_room(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=7)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: bool(ws.assigned_parts), timeout=10000)
        unit = ws.assigned_parts[""]
        ws.ask_text = lambda _title, _label: "Fel adress, ny position kommer"
        ws.recall_unit()
        _wait_idle(qtbot, executor)
        assert unit in ws.banner.text() and ws.banner.property("error") is False
        with transaction(sqlite_db) as s:
            view = get_case(s, dispatcher, case_id)
            assert active_assignments(s, case_id) == []
        assert view.status is CaseStatus.WAITING
        assert now() - view.waiting_since >= timedelta(minutes=7)  # waiting time kept
    finally:
        ws.shutdown()


def test_a_nurse_cannot_dispatch(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    ws = _workspace(qtbot, nurse, executor)
    try:
        assert not ws.assign_button.isEnabled() and not ws.assign_rec_button.isEnabled()
        assert "får inte dirigera" in ws.assign_button.toolTip()
    finally:
        ws.shutdown()


def test_demo_unit_goes_through_its_statuses_on_the_board(qtbot, sqlite_db, make_actor, executor,
                                                          monkeypatch) -> None:
    """…and, on the embedded SQLite database, its statuses are persisted as unit_status_events."""
    monkeypatch.delenv(PERSIST_ENV, raising=False)
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=3)
    ws = _workspace(qtbot, dispatcher, executor, demo=True, time_scale=120.0)
    try:
        model = ws.bridge.model
        qtbot.waitUntil(lambda: sum(not r.stale for r in model.rows()) > 700, timeout=15000)
        _select_first_case(qtbot, ws)
        qtbot.waitUntil(lambda: ws.recommendation.parts[0].recommended.stale is False, timeout=10000)
        unit_id = ws.recommendation.parts[0].recommended.unit_id
        seen: set[S] = set()
        row = model.unit_by_id(unit_id)
        model.dataChanged.connect(lambda *_: row.case_id == case_id and seen.add(row.status))
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
        qtbot.waitUntil(lambda: S.ON_SCENE in seen, timeout=30000)
        assert {S.ALERTED, S.EN_ROUTE, S.ON_SCENE} <= seen
    finally:
        ws.shutdown()
        assert not ws.feeds.running
    with sqlite_db() as s:  # shutdown wrote what the writer still held
        rows = s.execute(select(UnitStatusEvent.status, UnitStatusEvent.case_id, UnitStatusEvent.publisher)
                         .where(UnitStatusEvent.unit_id == unit_id, UnitStatusEvent.seq > 0)
                         .order_by(UnitStatusEvent.id)).all()
    statuses = [status for status, case, _ in rows if case == case_id]
    assert statuses[:3] == [S.ALERTED.value, S.EN_ROUTE.value, S.ON_SCENE.value]
    assert {publisher for *_, publisher in rows} == {model.unit_by_id(unit_id).publisher}


def test_persisting_feed_events_can_be_switched_off(qtbot, sqlite_db, make_actor, executor, monkeypatch) -> None:
    """LARMCENTRAL_PERSIST_FEED=0: a console on a shared database leaves persisting to another process."""
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    monkeypatch.setenv(PERSIST_ENV, "0")
    ws = _workspace(qtbot, dispatcher, executor, demo=True, time_scale=120.0)
    try:
        assert ws.feeds.running and ws.feeds.session_factory is None and ws.feeds.writer is None
    finally:
        ws.shutdown()
    with sqlite_db() as s:
        assert s.scalar(select(func.count()).select_from(UnitStatusEvent)) == 0


def test_a_fleet_that_will_not_start_is_told_in_a_banner_and_the_console_goes_on(qtbot, sqlite_db, make_actor,
                                                                                 executor) -> None:
    """The demo simulator failing to start used to escape as a traceback with no dialog."""
    from console.dispatch.live_feeds import LiveFeeds, SimulatorProcess
    from dispatch.feed.state import FleetState
    from resources.fleet import default_fleet

    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    broken = SimulatorProcess(extra_args=["--no-such-option"], start_timeout=30)  # the child exits at once
    feeds = LiveFeeds(FleetState(default_fleet()), simulator=broken)
    ws = _workspace(qtbot, dispatcher, executor, live_feeds=feeds)
    try:
        assert not ws.banner.isHidden() and ws.banner.property("error") is True
        assert "Flottan kunde inte startas" in ws.banner.text() and "simulatorprocessen startade inte" in ws.banner.text()
        unit = ws.bridge.model.unit(0)
        assert unit.stale  # shown as "Ingen kontakt", not as a last known status
    finally:
        ws.shutdown()
