"""The fleet board: model checked by qtmodeltester, live changes from the real FleetState, staleness,
filtering."""

from __future__ import annotations

import time

from console.dispatch.feed_bridge import FeedBridge
from console.dispatch.fleet_board import FleetBoard
from console.dispatch.fleet_filter import STALE_FILTER
from console.fleet_model import COL_STATUS, FleetTableModel, _blocks
from dispatch.feed.messages import StatusMessage
from resources.vocabulary import UnitStatus as S


def _report(state, clock, publisher, updates):  # type: ignore[no-untyped-def]
    """What the subscriber does for a batch: count the feed as heard and synced, apply the updates."""
    feed = state.feed(publisher)
    feed.synced = True
    feed.epoch = "test"
    feed.last_heard = clock.t
    feed.messages += len(updates)
    feed.seq += len(updates)
    msgs = [StatusMessage(v=1, publisher=publisher, epoch="test", seq=feed.seq, ts=time.time(), unit_id=uid,
                          status=st, lat=lat, lon=lon, case_id=case) for uid, st, lat, lon, case in updates]
    return state.apply([(m, clock.t) for m in msgs])


def test_fleet_model_passes_qtmodeltester(qtmodeltester, fleet_model: FleetTableModel) -> None:
    qtmodeltester.check(fleet_model)
    first = fleet_model.unit(0)
    fleet_model.update_units({first.id: {"status": S.ALERTED, "stale": False, "case_id": 7}})
    qtmodeltester.check(fleet_model)


def test_blocks_are_contiguous_runs() -> None:
    assert _blocks([1, 2, 3, 7, 9, 10]) == [(1, 3), (7, 7), (9, 10)]
    assert _blocks([]) == []


def test_changes_emit_one_datachanged_per_block(qtbot, fleet_model: FleetTableModel) -> None:
    ids = [fleet_model.unit(i).id for i in (3, 4, 5, 40)]
    seen: list[tuple[int, int]] = []
    fleet_model.dataChanged.connect(lambda a, b, _r=None: seen.append((a.row(), b.row())))
    fleet_model.update_units({i: {"status": S.EN_ROUTE} for i in ids})
    assert seen == [(3, 5), (40, 40)]


def test_status_change_from_fleet_state_reaches_the_board_row(qtbot, fleet_model, fleet_state, clock) -> None:
    board = FleetBoard(fleet_model)
    qtbot.addWidget(board)
    bridge = FeedBridge(fleet_state, fleet_model)
    bridge.start()
    try:
        unit = fleet_model.unit(10)
        row = fleet_model.row_of(unit.id)
        assert fleet_model.index(row, COL_STATUS).data().startswith("⚠")  # never heard: no contact
        _report(fleet_state, clock, unit.publisher, [(unit.id, S.EN_ROUTE, 55.6, 13.0, 42)])
        with qtbot.wait_signal(fleet_model.dataChanged):
            bridge.tick()
        assert fleet_model.index(row, COL_STATUS).data() == S.EN_ROUTE.label
        assert fleet_model.unit(row).case_id == 42
        assert fleet_model.unit(row).last_heard is not None
    finally:
        bridge.stop()


def test_a_silent_feed_makes_its_units_stale_on_the_board(qtbot, fleet_model, fleet_state, clock) -> None:
    board = FleetBoard(fleet_model)
    qtbot.addWidget(board)
    bridge = FeedBridge(fleet_state, fleet_model, health_every=1, refresh_stale=True)
    bridge.health_changed.connect(board.health.set_health)
    unit = fleet_model.unit(0)
    _report(fleet_state, clock, unit.publisher, [(unit.id, S.AVAILABLE_AT_STATION, unit.lat, unit.lon, None)])
    bridge.start()
    try:
        bridge.tick()
        row = fleet_model.row_of(unit.id)
        assert not fleet_model.unit(row).stale
        assert board.health.label(unit.publisher).property("stale") is False
        clock.t += 30  # the feed falls silent past feed_stale_after
        bridge.tick()
        assert fleet_model.unit(row).stale
        text = fleet_model.index(row, COL_STATUS).data()
        assert text.startswith("⚠") and "Ingen kontakt" in text
        assert board.health.label(unit.publisher).property("stale") is True
        assert "INGEN KONTAKT" in board.health.label(unit.publisher).text()
        board.status_filter.setCurrentIndex(board.status_filter.findData(STALE_FILTER))
        assert unit.id in {u.id for u in board.visible_units()}
    finally:
        bridge.stop()


def test_filters_by_type_delregion_and_status(qtbot, fleet_model, fleet_state, clock) -> None:
    board = FleetBoard(fleet_model)
    qtbot.addWidget(board)
    total = fleet_model.rowCount()
    board.type_filter.setCurrentIndex(board.type_filter.findData("AMBULANS"))
    shown = board.visible_units()
    assert 0 < len(shown) < total and all(u.type_code == "AMBULANS" for u in shown)
    board.region_filter.setCurrentIndex(board.region_filter.findData("Nordost"))
    shown2 = board.visible_units()
    assert 0 < len(shown2) < len(shown)
    assert all(u.type_code == "AMBULANS" and u.delregion == "Nordost" for u in shown2)
    # Status filter follows live changes: one unit goes en route and appears under "Framkörning".
    bridge = FeedBridge(fleet_state, fleet_model)
    bridge.start()
    try:
        board.status_filter.setCurrentIndex(board.status_filter.findData(S.EN_ROUTE.value))
        assert board.visible_units() == []
        target = shown2[0]
        _report(fleet_state, clock, target.publisher, [(target.id, S.EN_ROUTE, target.lat, target.lon, 5)])
        bridge.tick()
        assert [u.id for u in board.visible_units()] == [target.id]
    finally:
        bridge.stop()
    board.type_filter.setCurrentIndex(0)
    board.region_filter.setCurrentIndex(0)
    board.status_filter.setCurrentIndex(0)
    assert board.proxy.rowCount() == total
