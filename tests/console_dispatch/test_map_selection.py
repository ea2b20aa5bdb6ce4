"""The dispatch workspace feeds the map: a case picked in väntrummet is framed with its ★ unit at once, and once a
unit is assigned its route is the solid one (real database, real widgets, the real recommendation)."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from console.dispatch.map_geometry import KM_PER_DEG_LAT
from resources.vocabulary import Role
from tests.console_dispatch.test_workspace import _select_first_case, _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture


def test_picking_a_case_frames_it_with_its_unit_and_an_assignment_turns_the_route_solid(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    lat, lon = 55.7047, 13.1910  # Lund
    make_case(sqlite_db, nurse, priority="1", waited_min=3, lat=lat, lon=lon)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.resize(1400, 800)
        ws.show()
        qtbot.waitExposed(ws)
        county = ws.map.view_range()
        _select_first_case(qtbot, ws)
        star = ws.recommendation.parts[0].recommended
        unit = ws.bridge.model.unit_by_id(star.unit_id)
        qtbot.waitUntil(lambda: ws.map.view_range().contains(QPointF(unit.lon, unit.lat)), timeout=5000)
        view = ws.map.view_range()
        assert view.contains(QPointF(lon, lat)) and view.height() < county.height() / 3
        assert view.height() * KM_PER_DEG_LAT < 40  # town scale, not the county
        assert ws.map.route_count() == 1 and len(ws.map.assigned.data) == 0
        ws.assign_recommended()  # Shift+D
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: len(ws.map.assigned.data) == 1, timeout=10000)
        solid, _ = ws.map.assigned_routes.getData()
        dashed, _ = ws.map.routes.getData()
        assert len(solid) == 2 and (dashed is None or len(dashed) == 0)  # the part has its unit: no ★ route
        assert [label.toPlainText() for label in ws.map.unit_labels if label.isVisible()] == [star.unit_id]
    finally:
        ws.shutdown()
