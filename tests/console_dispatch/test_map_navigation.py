"""The map with real widgets, offscreen: a selected case framed with its units (and left where the dispatcher moved
it), routes to recommended and assigned units, cases at one place as one marker with their count, what the hover
says, the legend, and the keyboard and the mouse wheel."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from console.dispatch.map_geometry import KM_PER_DEG_LAT, km_per_deg_lon
from console.dispatch.map_view import RouteEnd, SkaneMap
from console.theme import PRIORITY_COLOURS
from records.case_state import CaseStatus
from records.cases import CaseView
from resources.geography import default_geography, skane_outline

LUND = default_geography().kommun("Lund")
MALMO = default_geography().kommun("Malmö")


def case_at(case_id: int, lat: float, lon: float, priority: str = "2", **position: object) -> CaseView:
    now = datetime.now(UTC)
    return CaseView(id=case_id, status=CaseStatus.WAITING, created_at=now, updated_at=now, caller_name="",
                    callback_phone="", address=f"Gatan {case_id}", kommun="Lund", lat=lat, lon=lon, patient_name="",
                    personnummer=None, patient_age=None, complaint=None, priority=priority, care_need=None,
                    endpoint_code=None, ruleset_version=None, flags=[], waiting_since=now, closed_at=None,
                    linked_case_id=None, link_reason=None, **position)


@pytest.fixture
def shown_map(qtbot, fleet_model):  # type: ignore[no-untyped-def]
    m = SkaneMap(default_geography(), fleet_model)
    qtbot.addWidget(m)
    m.resize(900, 600)
    m.show()
    qtbot.waitExposed(m)
    return m


def _px(m: SkaneMap, lon: float, lat: float) -> QPointF:
    return QPointF(m.mapFromScene(m.vb.mapViewToScene(QPointF(lon, lat))))


def hover(qtbot, m: SkaneMap, lon: float, lat: float) -> str:  # type: ignore[no-untyped-def]
    point = _px(m, lon, lat)
    move = QMouseEvent(QEvent.Type.MouseMove, point, m.viewport().mapToGlobal(point), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    qtbot.wait(80)  # pyqtgraph drops mouse moves that follow each other faster than a pointer would
    QApplication.sendEvent(m.viewport(), move)
    QApplication.processEvents()
    return m.vb.toolTip()


def _span_km(m: SkaneMap) -> tuple[float, float]:
    r = m.view_range()
    return r.width() * km_per_deg_lon(r.center().y()), r.height() * KM_PER_DEG_LAT


def _aspect(m: SkaneMap) -> float:
    o, e, n = _px(m, 13.5, 56.0), _px(m, 13.6, 56.0), _px(m, 13.5, 56.1)
    return abs(e.x() - o.x()) / abs(n.y() - o.y())


def test_selecting_a_case_centres_on_it_zoomed_to_hold_its_units(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.toggle_legend()  # hidden: the case in the middle of the whole map
    county = m.view_range()
    case = case_at(1, LUND.lat, LUND.lon)
    m.set_cases([case])
    m.select_case(1)  # alone: town scale, about 6 km across its narrower side
    alone = m.view_range()
    assert alone.contains(QPointF(LUND.lon, LUND.lat))
    assert math.isclose(alone.center().x(), LUND.lon, abs_tol=1e-6)
    assert math.isclose(alone.center().y(), LUND.lat, abs_tol=1e-6)
    assert 5.5 <= min(_span_km(m)) <= 12
    star = RouteEnd("AMB-1", LUND.lon + 0.12, LUND.lat - 0.03)  # about 8 km east
    held = RouteEnd("AMB-2", LUND.lon - 0.02, LUND.lat + 0.06)  # about 7 km north
    m.select_case(1, [star], [held])  # the units became known: they join the frame (the dispatcher moved nothing)
    framed = m.view_range()
    assert all(framed.contains(QPointF(e.lon, e.lat)) for e in (star, held))
    assert framed.contains(QPointF(LUND.lon, LUND.lat))
    assert math.isclose(framed.center().x(), LUND.lon, abs_tol=1e-6)
    assert framed.width() < county.width() / 3 and framed.height() < county.height() / 3
    assert math.isclose(_aspect(m), math.cos(math.radians(56.0)), rel_tol=0.03)  # still true to distance
    m.select_case(None)
    m.show_county()
    assert m.view_range().contains(county)


def test_a_new_unit_within_the_framed_view_leaves_the_map_still(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.set_cases([case_at(1, LUND.lat, LUND.lon)])
    m.select_case(1, [RouteEnd("AMB-1", LUND.lon + 0.08, LUND.lat)])  # about 5 km east
    framed = m.view_range()
    m.select_case(1, [RouteEnd("AMB-2", LUND.lon - 0.05, LUND.lat)])  # the fleet moved: another ★ 3 km west, in view
    assert m.view_range() == framed  # no jump under the dispatcher's eyes
    far = RouteEnd("AMB-3", LUND.lon + 0.4, LUND.lat)  # a ★ out of view: framed again to hold it
    m.select_case(1, [far])
    assert m.view_range() != framed and m.view_range().contains(QPointF(far.lon, far.lat))
    m.select_case(1, [RouteEnd("AMB-4", LUND.lon + 0.01, LUND.lat)])  # only a near one again: far too wide now
    assert m.view_range().width() < framed.width() * 1.5


def test_a_new_unit_under_the_legend_frames_the_map_again(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    if m.legend.isHidden():
        m.toggle_legend()
    m.set_cases([case_at(1, LUND.lat, LUND.lon)])
    m.select_case(1, [RouteEnd("AMB-1", LUND.lon + 0.08, LUND.lat)])
    framed = m.view_range()
    south = RouteEnd("AMB-2", LUND.lon + 0.02, framed.top() + framed.height() * 0.1)  # in the view, under the legend
    assert framed.contains(QPointF(south.lon, south.lat)) and _px(m, south.lon, south.lat).y() > m.legend.y()
    m.select_case(1, [south])
    assert m.view_range() != framed and _px(m, south.lon, south.lat).y() < m.legend.y()  # framed above the legend


def test_the_view_the_dispatcher_moved_is_not_taken_back_by_a_refresh(qtbot, shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.set_cases([case_at(1, LUND.lat, LUND.lon), case_at(2, MALMO.lat, MALMO.lon)])
    m.select_case(1, [RouteEnd("AMB-1", LUND.lon + 0.05, LUND.lat)])
    framed = m.view_range()
    centre = _px(m, LUND.lon, LUND.lat).toPoint()
    wheel = QWheelEvent(QPointF(centre), QPointF(m.viewport().mapToGlobal(centre)), QPoint(), QPoint(0, -240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(m.viewport(), wheel)  # the dispatcher zooms out with the wheel
    moved = m.view_range()
    assert moved.width() > framed.width() * 1.2
    assert math.isclose(_aspect(m), math.cos(math.radians(56.0)), rel_tol=0.03)
    m.set_cases([case_at(1, LUND.lat, LUND.lon), case_at(2, MALMO.lat, MALMO.lon)])  # väntrummet re-read
    m.select_case(1, [RouteEnd("AMB-1", LUND.lon + 0.05, LUND.lat)])  # the selection shown again
    m.select_case(1, [RouteEnd("AMB-3", LUND.lon - 0.3, LUND.lat)])  # and a new ★ unit
    assert m.view_range() == moved
    qtbot.keyClick(m, Qt.Key.Key_C)  # centre on the case again: framed with its units as they are now
    assert m.view_range().contains(QPointF(LUND.lon - 0.3, LUND.lat)) and m.view_range() != moved
    m.select_case(2)  # another case: framed on it
    assert math.isclose(m.view_range().center().x(), MALMO.lon, abs_tol=1e-6)


def test_assigned_units_have_solid_routes_the_recommended_dashed_both_ringed_and_named(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.set_cases([case_at(1, LUND.lat, LUND.lon)])
    star = RouteEnd("AMB-7", LUND.lon + 0.04, LUND.lat)
    held = [RouteEnd("AMB-8", LUND.lon, LUND.lat + 0.03), RouteEnd("IVPA-2", LUND.lon - 0.03, LUND.lat)]
    m.select_case(1, [star], held)
    assert m.route_count() == 3
    x, y = m.assigned_routes.getData()
    assert list(zip(x, y, strict=True)) == [(held[0].lon, held[0].lat), (LUND.lon, LUND.lat),
                                            (held[1].lon, held[1].lat), (LUND.lon, LUND.lat)]
    assert m.routes.opts["pen"].style() == Qt.PenStyle.DashLine
    assert m.assigned_routes.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert m.assigned_routes.opts["pen"].color() != m.routes.opts["pen"].color()
    assert len(m.assigned.data) == 2 and len(m.recommended.data) == 1  # rings
    named = {label.toPlainText(): (label.pos().x(), label.pos().y()) for label in m.unit_labels if label.isVisible()}
    assert named == {"AMB-7": (star.lon, star.lat), "AMB-8": (held[0].lon, held[0].lat),
                     "IVPA-2": (held[1].lon, held[1].lat)}
    m.select_case(None)
    assert m.route_count() == 0 and not any(label.isVisible() for label in m.unit_labels)


def test_the_selected_cases_accuracy_is_a_circle_of_its_radius(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.set_cases([case_at(1, LUND.lat, LUND.lon, position_source="phone", position_accuracy_m=800.0),
                 case_at(2, MALMO.lat, MALMO.lon)])
    m.select_case(1)
    assert m.accuracy.isVisible()
    rect = m.accuracy.rect()
    assert math.isclose(rect.height() / 2 * KM_PER_DEG_LAT, 0.8, rel_tol=0.01)
    assert math.isclose(rect.width() / 2 * km_per_deg_lon(LUND.lat), 0.8, rel_tol=0.01)
    assert math.isclose(rect.center().x(), LUND.lon) and math.isclose(rect.center().y(), LUND.lat)
    m.select_case(2)  # its accuracy is not known: no circle
    assert not m.accuracy.isVisible()


def test_cases_at_one_place_are_one_marker_with_their_count_hover_lists_them_click_goes_round(  # type: ignore[no-untyped-def]
        qtbot, shown_map) -> None:
    m = shown_map
    flagged = case_at(4, MALMO.lat, MALMO.lon, priority="3", position_source="kommun_centre",
                      position_accuracy_m=15000.0, position_flag="Adressen hittades inte")
    near = (MALMO.lat + 0.004, MALMO.lon + 0.004)  # about 500 m away: apart only when zoomed in
    cases = [case_at(2, MALMO.lat, MALMO.lon, priority="1"), case_at(3, *near, priority="2"), flagged,
             case_at(5, LUND.lat, LUND.lon)]
    m.set_cases(cases)  # väntrummet's order: the most urgent first
    assert sorted(mk.ids for mk in m.markers) == [(2, 3, 4), (5,)]
    assert m.group_counts.data.size == 1 and len(m.cases.data) == 1
    assert m.groups.data[0]["brush"].color().name() == PRIORITY_COLOURS["1"]  # the most urgent among them
    tip = hover(qtbot, m, MALMO.lon, MALMO.lat)
    assert tip.startswith("3 ärenden på samma plats")
    assert all(f"Ärende {i}" in tip for i in (2, 3, 4)) and "Ärende 5" not in tip
    single = hover(qtbot, m, LUND.lon, LUND.lat)
    assert single.startswith("Ärende 5 · Prio 2 · Gatan 5 · Lund") and "Position: okänd källa" in single
    clicked: list[int] = []
    m.case_clicked.connect(clicked.append)

    def click_malmo() -> None:
        qtbot.wait(QApplication.doubleClickInterval() + 20)  # one click each, not a double click
        qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=_px(m, MALMO.lon, MALMO.lat).toPoint())
        m.select_case(clicked[-1])  # the workspace selects what was clicked (and the map frames it)

    click_malmo()
    assert clicked == [2]  # the most urgent
    # Framed on Malmö, town scale: the case 500 m off stands alone, the two at one point are still one marker.
    assert sorted(mk.ids for mk in m.markers) == [(2, 4), (3,), (5,)]
    assert "Ärende 3" in hover(qtbot, m, near[1], near[0])
    click_malmo()
    click_malmo()
    assert clicked == [2, 4, 2]  # round them
    qtbot.keyClick(m, Qt.Key.Key_Home)  # the whole county: one marker again
    assert sorted(mk.ids for mk in m.markers) == [(2, 3, 4), (5,)]


def test_a_cases_hover_tells_where_its_position_came_from_and_a_doubt(shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    m.set_cases([case_at(4, MALMO.lat, MALMO.lon, priority="1", position_source="kommun_centre",
                         position_accuracy_m=15000.0, position_flag="Adressen hittades inte")])
    tip = m.tip_at(MALMO.lon, MALMO.lat)
    assert tip.splitlines()[0] == "Ärende 4 · Prio 1 · Gatan 4 · Lund"
    assert tip.splitlines()[1] == "Position: ⚠ Adressen hittades inte (kommunens centrum, ±15\u00a0000 m)"


def test_hovering_a_unit_tells_its_id_type_and_status(qtbot, shown_map, fleet_model) -> None:  # type: ignore[no-untyped-def]
    from resources.vocabulary import UnitStatus

    m = shown_map
    unit = fleet_model.rows()[0]
    m.vb.setRange(xRange=(unit.lon - 0.0005, unit.lon + 0.0005), yRange=(unit.lat - 0.0005, unit.lat + 0.0005),
                  padding=0)  # close enough that the units of its station stand apart
    fleet_model.update_units({unit.id: {"lat": unit.lat + 0.0002}})
    tip = hover(qtbot, m, unit.lon, unit.lat)
    assert tip == f"{unit.id} {unit.name} · {unit.type_name} · ingen kontakt"  # never heard from
    fleet_model.update_units({unit.id: {"status": UnitStatus.AVAILABLE_AT_STATION, "stale": False, "case_id": None}})
    assert m.tip_at(unit.lon, unit.lat) == f"{unit.id} {unit.name} · {unit.type_name} · Ledig på station"
    assert hover(qtbot, m, unit.lon + 0.0004, unit.lat - 0.0004) == ""


def test_l_shows_and_hides_the_legend_which_a_small_map_starts_without(qtbot, fleet_model, shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    assert m.legend.isVisible()  # 600 px tall: room for it
    assert "Ingen kontakt" in m.legend.html and "Dirigerad enhet" in m.legend.html
    m.setFocus()
    qtbot.keyClick(m, Qt.Key.Key_L)
    assert not m.legend.isVisible()
    qtbot.keyClick(m, Qt.Key.Key_L)
    assert m.legend.isVisible()
    m.set_cases([case_at(1, LUND.lat, LUND.lon)])
    m.select_case(1)  # centred in what the legend leaves free
    free = m.height() - m.legend.height() - 6
    assert math.isclose(_px(m, LUND.lon, LUND.lat).y(), free / 2, abs_tol=3)
    assert math.isclose(_px(m, LUND.lon, LUND.lat).x(), m.width() / 2, abs_tol=3)
    small = SkaneMap(default_geography(), fleet_model)
    qtbot.addWidget(small)
    small.resize(880, 430)  # the map's share of a 1366×768 screen
    small.show()
    qtbot.waitExposed(small)
    assert not small.legend.isVisible()
    qtbot.keyClick(small, Qt.Key.Key_L)
    assert small.legend.isVisible()
    small.resize(880, 700)
    QApplication.processEvents()
    assert small.legend.isVisible()  # the dispatcher's choice stands


def test_keys_pan_and_zoom_the_map_when_it_has_the_keyboard(qtbot, shown_map) -> None:  # type: ignore[no-untyped-def]
    m = shown_map
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    before = m.view_range()
    qtbot.keyClick(other, Qt.Key.Key_Plus)
    assert m.view_range() == before  # the keys are the map's only when it has the keyboard
    m.setFocus()
    qtbot.keyClick(m, Qt.Key.Key_Right)
    after = m.view_range()
    assert math.isclose(after.center().x() - before.center().x(), 0.2 * before.width(), rel_tol=0.01)
    qtbot.keyClick(m, Qt.Key.Key_Up)
    assert m.view_range().center().y() > after.center().y()
    qtbot.keyClick(m, Qt.Key.Key_Plus)
    zoomed = m.view_range()
    assert math.isclose(zoomed.width(), before.width() / 1.5, rel_tol=0.01)
    assert math.isclose(_aspect(m), math.cos(math.radians(56.0)), rel_tol=0.03)
    qtbot.keyClick(m, Qt.Key.Key_Minus)
    assert math.isclose(m.view_range().width(), before.width(), rel_tol=0.01)
    qtbot.keyClick(m, Qt.Key.Key_Home)
    assert all(m.view_range().contains(QPointF(lon, lat)) for lat, lon in skane_outline().vertices)
