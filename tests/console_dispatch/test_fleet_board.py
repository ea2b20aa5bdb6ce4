"""The fleet board: model checked by qtmodeltester, live changes from the real FleetState, staleness,
filtering."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from console.dispatch.fleet_board import FleetBoard
from console.dispatch.fleet_filter import STALE_FILTER
from console.fleet_model import COL_CASE, COL_STATUS, UNIT_ROLE, FleetTableModel, _blocks
from resources.vocabulary import UnitStatus as S


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


def test_status_change_from_a_real_feed_reaches_the_board_row(qtbot, live_feed) -> None:
    model = live_feed.model
    board = FleetBoard(model)
    qtbot.addWidget(board)
    live_feed.bridge.health_changed.connect(board.health.set_health)
    unit = model.unit_by_id("AMB-003")
    row = model.row_of("AMB-003")
    qtbot.waitUntil(lambda: (live_feed.pump(), not unit.stale)[1], timeout=10000)
    assert model.index(row, COL_STATUS).data() == S.AVAILABLE_AT_STATION.label
    live_feed.publisher.publish_status("AMB-003", S.ALERTED, 55.61, 13.02, case_id=42)
    live_feed.publisher.publish_status("AMB-003", S.EN_ROUTE, 55.61, 13.02, case_id=42)
    qtbot.waitUntil(lambda: (live_feed.pump(), unit.status is S.EN_ROUTE)[1], timeout=10000)
    assert model.index(row, COL_STATUS).data() == S.EN_ROUTE.label
    assert unit.case_id == 42 and (unit.lat, unit.lon) == (55.61, 13.02)
    assert model.index(row, COL_CASE).data() == "42"
    assert unit.last_heard is not None
    assert board.health.label("ambulans").property("stale") is False


def test_a_silent_feed_is_shown_as_stale(qtbot, live_feed) -> None:
    model = live_feed.model
    board = FleetBoard(model)
    qtbot.addWidget(board)
    live_feed.bridge.health_changed.connect(board.health.set_health)
    unit = model.unit_by_id("AMB-001")
    qtbot.waitUntil(lambda: (live_feed.pump(), not unit.stale)[1], timeout=10000)
    live_feed.publisher.silent = True  # the publisher falls silent: no updates, no heartbeats
    qtbot.waitUntil(lambda: unit.stale, timeout=10000)
    text = model.index(model.row_of("AMB-001"), COL_STATUS).data()
    assert text.startswith("⚠") and "Ingen kontakt" in text
    qtbot.waitUntil(lambda: board.health.label("ambulans").property("stale") is True, timeout=5000)
    assert "INGEN KONTAKT" in board.health.label("ambulans").text()
    board.status_filter.setCurrentIndex(board.status_filter.findData(STALE_FILTER))
    assert "AMB-001" in {u.id for u in board.visible_units()}
    # A unit of a feed that never connected is stale too, never shown as its home status.
    other = model.unit_by_id(next(u.id for u in model.rows() if u.publisher == "mobila_team"))
    assert other.stale


def test_filters_by_type_delregion_and_status(qtbot, qtmodeltester, fleet_model) -> None:
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
    # The status filter follows live changes: one unit goes en route and appears under "Framkörning".
    board.status_filter.setCurrentIndex(board.status_filter.findData(S.EN_ROUTE.value))
    assert board.visible_units() == []
    target = shown2[0]
    fleet_model.update_units({target.id: {"status": S.EN_ROUTE, "stale": False, "case_id": 5}})
    assert [u.id for u in board.visible_units()] == [target.id]
    qtmodeltester.check(board.proxy)
    board.type_filter.setCurrentIndex(0)
    board.region_filter.setCurrentIndex(0)
    board.status_filter.setCurrentIndex(0)
    assert board.proxy.rowCount() == total


def test_an_illegal_transition_from_a_real_feed_is_marked_on_the_board(qtbot, live_feed) -> None:
    from PySide6.QtCore import Qt

    from console.dispatch.feed_health import feed_details

    model = live_feed.model
    board = FleetBoard(model)
    qtbot.addWidget(board)
    health: list = []  # type: ignore[type-arg]
    live_feed.bridge.health_changed.connect(lambda feeds: health.append(feeds))
    unit = model.unit_by_id("AMB-003")
    row = model.row_of("AMB-003")
    qtbot.waitUntil(lambda: (live_feed.pump(), not unit.stale)[1], timeout=10000)
    live_feed.publisher.publish_status("AMB-003", S.TRANSPORTING, 55.61, 13.02, case_id=42)
    live_feed.publisher.publish_status("AMB-003", S.AVAILABLE_OUT, 55.61, 13.02)  # patient on board, yet free
    qtbot.waitUntil(lambda: (live_feed.pump(), unit.flag is not None)[1], timeout=10000)
    index = model.index(row, COL_STATUS)
    assert index.data() == f"{S.AVAILABLE_OUT.label} ⚑"
    assert "Transport → Ledig ute" in index.data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: (live_feed.pump(), bool(health) and any(
        f.illegal_transitions == 2 for f in health[-1]))[1], timeout=10000)  # station → transport, too
    ambulans = next(f for f in health[-1] if f.publisher == "ambulans")
    assert "Otillåtna statusändringar: 2" in feed_details(ambulans)
    live_feed.publisher.publish_status("AMB-003", S.ALERTED, 55.61, 13.02, case_id=43)
    qtbot.waitUntil(lambda: (live_feed.pump(), unit.flag is None)[1], timeout=10000)
    assert model.index(row, COL_STATUS).data() == S.ALERTED.label


def test_feed_health_tooltip_shows_what_the_record_did_per_reason(qtbot) -> None:
    from console.dispatch.feed_health import FeedHealthBar
    from dispatch.feed.state import FleetState

    state = FleetState()
    counters = state.feed("ambulans")
    counters.rejected = {"schema": 3, "too_large": 1}
    counters.refused_by_reason = {"wrong_key": 2}
    counters.holes, counters.hole_updates = 1, 41
    bar = FeedHealthBar()
    qtbot.addWidget(bar)
    bar.record_source = lambda: {"ambulans": {"stored": 120, "unchanged": 30, "duplicates": 0,
                                              "dead_lettered": {"out_of_range": 2}, "outcomes_inboxed": 4}}
    bar.set_health(state.feeds())
    tip = bar.label("ambulans").toolTip()  # type: ignore[union-attr]
    for text in ("Avvisade: 4 (schema 3, too_large 1)", "Nekade anslutningar: 0 (wrong_key 2)",
                 "Hål i registret: 1 (41 uppdateringar)", "Sparade: 120, oförändrade: 30",
                 "Förgiftade (döda brev): 2 (out_of_range 2)", "Utfall i inkorgen: 4"):
        assert text in tip, text


def test_changed_rows_are_refiltered_and_resorted_only_while_a_filter_or_sort_is_in_use(qtbot, fleet_model) -> None:
    board = FleetBoard(fleet_model)
    qtbot.addWidget(board)
    assert not board.proxy.dynamicSortFilter()  # register order, everything shown: nothing to re-check
    board.table.sortByColumn(COL_STATUS, Qt.SortOrder.DescendingOrder)  # "⚠ Ingen kontakt" before "Transport"
    assert board.proxy.dynamicSortFilter()
    first_before = board.proxy.index(0, 0).data(UNIT_ROLE).id
    moved = board.proxy.index(0, 0).data(UNIT_ROLE)
    fleet_model.update_units({moved.id: {"status": S.TRANSPORTING, "stale": False}})  # now sorts after the others
    assert board.proxy.index(0, 0).data(UNIT_ROLE).id != first_before
    assert board.proxy.index(board.proxy.rowCount() - 1, 0).data(UNIT_ROLE).id == moved.id
    board.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert not board.proxy.dynamicSortFilter()
    board.status_filter.setCurrentIndex(board.status_filter.findData(STALE_FILTER))
    assert board.proxy.dynamicSortFilter()


def _shown_ids(board: FleetBoard) -> list[str]:
    view = board.table.model()
    return [view.index(r, 0).data(UNIT_ROLE).id for r in range(view.rowCount())]


def _click_header(qtbot, board: FleetBoard, column: int) -> None:  # type: ignore[no-untyped-def]
    header = board.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_the_proxy_is_bypassed_until_the_dispatcher_filters_or_sorts(qtbot, fleet_model) -> None:
    board = FleetBoard(fleet_model)
    qtbot.addWidget(board)
    board.resize(900, 500)
    board.show()
    register = [u.id for u in fleet_model.rows()]
    assert board.table.model() is fleet_model and _shown_ids(board) == register  # register order, no proxy
    header = board.table.horizontalHeader()
    header.resizeSection(COL_CASE, 123)  # the dispatcher's width survives every switch
    board.table.selectRow(5)  # a unit picked before sorting stays picked
    picked = fleet_model.unit(5).id
    fleet_model.update_units({picked: {"status": S.TRANSPORTING, "stale": False}})

    _click_header(qtbot, board, COL_STATUS)  # a click on Status sorts by it, through the proxy
    assert board.table.model() is board.proxy
    col, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
    assert col == COL_STATUS
    texts = [board.table.model().index(r, COL_STATUS).data() for r in range(board.table.model().rowCount())]
    assert texts == sorted(texts, reverse=order == Qt.SortOrder.DescendingOrder) and texts != [
        fleet_model.index(r, COL_STATUS).data() for r in range(fleet_model.rowCount())]
    assert board.current_unit().id == picked
    assert [i.data(UNIT_ROLE).id for i in board.table.selectionModel().selectedRows()] == [picked]
    assert header.sectionSize(COL_CASE) == 123
    _click_header(qtbot, board, COL_STATUS)  # again: the other way round
    assert header.sortIndicatorOrder() != order and board.table.model() is board.proxy
    assert board.table.model().index(0, COL_STATUS).data() == texts[-1]

    board.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # no sort and no filter: the model itself again
    assert board.table.model() is fleet_model and _shown_ids(board) == register
    assert board.current_unit().id == picked and header.sectionSize(COL_CASE) == 123

    board.status_filter.setCurrentIndex(board.status_filter.findData(S.TRANSPORTING.value))  # a filter: the proxy
    assert board.table.model() is board.proxy and _shown_ids(board) == [picked]
    assert board.count_label.text() == f"Visar 1 av {len(register)} enheter"
    assert board.current_unit().id == picked
    other = fleet_model.unit(9).id  # live changes are still filtered while the proxy is shown
    fleet_model.update_units({other: {"status": S.TRANSPORTING, "stale": False}})
    assert _shown_ids(board) == [picked, other]
    board.status_filter.setCurrentIndex(0)
    assert board.table.model() is fleet_model and _shown_ids(board) == register
    assert board.current_unit().id == picked
    assert board.view_index(other).model() is fleet_model and board.view_index(other).data(UNIT_ROLE).id == other
