"""The map of Skåne: the county's outline under everything else, and geographic proportions."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF

from console.dispatch.map_view import SkaneMap
from resources.geography import default_geography, skane_outline


def test_outline_is_one_closed_curve_under_everything(qtbot, fleet_model) -> None:  # type: ignore[no-untyped-def]
    m = SkaneMap(default_geography(), fleet_model)
    qtbot.addWidget(m)
    vertices = skane_outline().vertices
    x, y = m.outline.getData()
    assert len(x) == len(vertices) + 1 and (x[0], y[0]) == (x[-1], y[-1])  # closed
    assert np.allclose(np.column_stack([y[:-1], x[:-1]]), vertices)  # x is longitude, y latitude
    items = m.getPlotItem().getViewBox().addedItems
    assert sum(item is m.outline for item in items) == 1
    assert all(m.outline.zValue() < item.zValue() for item in items if item is not m.outline)


def test_a_degree_of_longitude_is_drawn_cos_latitude_as_wide(qtbot, fleet_model) -> None:  # type: ignore[no-untyped-def]
    m = SkaneMap(default_geography(), fleet_model)
    qtbot.addWidget(m)
    m.resize(900, 700)
    with qtbot.waitExposed(m):
        m.show()
    vb = m.getPlotItem().getViewBox()
    origin = vb.mapViewToDevice(QPointF(13.5, 56.0))
    east = vb.mapViewToDevice(QPointF(14.5, 56.0))
    north = vb.mapViewToDevice(QPointF(13.5, 57.0))
    px_per_lon = abs(east.x() - origin.x())
    px_per_lat = abs(north.y() - origin.y())
    assert math.isclose(px_per_lon / px_per_lat, math.cos(math.radians(56.0)), rel_tol=0.02)
    view = vb.viewRect()
    assert all(view.contains(QPointF(lon, lat)) for lat, lon in skane_outline().vertices)  # the whole county


def test_hovering_a_case_tells_the_case_and_an_emergency_department_its_name(qtbot, fleet_model) -> None:  # type: ignore[no-untyped-def]
    """The emergency departments' tooltip used to cover their whole bounding box: over a case it said
    'Akutmottagningar'."""
    from datetime import UTC, datetime

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from records.case_state import CaseStatus
    from records.cases import CaseView

    m = SkaneMap(default_geography(), fleet_model)
    qtbot.addWidget(m)
    m.resize(900, 700)
    m.show()
    qtbot.waitExposed(m)
    lund = default_geography().kommun("Lund")
    now = datetime.now(UTC)
    case = CaseView(id=42, status=CaseStatus.WAITING, created_at=now, updated_at=now, caller_name="", callback_phone="",
                    address="Storgatan 1", kommun="Lund", lat=lund.lat + 0.02, lon=lund.lon + 0.05, patient_name="",
                    personnummer=None, patient_age=None, complaint=None, priority="1", care_need=None,
                    endpoint_code=None, ruleset_version=None, flags=[], waiting_since=now, closed_at=None,
                    linked_case_id=None, link_reason=None)
    m.set_cases([case])
    vb = m.getPlotItem().getViewBox()

    def hover(lon: float, lat: float) -> str:
        point = QPointF(m.mapFromScene(vb.mapViewToScene(QPointF(lon, lat))))
        move = QMouseEvent(QEvent.Type.MouseMove, point, m.viewport().mapToGlobal(point), Qt.MouseButton.NoButton,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        qtbot.wait(80)  # pyqtgraph drops mouse moves that follow each other faster than a pointer would
        QApplication.sendEvent(m.viewport(), move)  # what moving the pointer there delivers
        QApplication.processEvents()
        return vb.toolTip()

    ed = default_geography().emergency_departments[0]
    assert hover(ed.lon, ed.lat).splitlines()[0] == f"Akutmottagning: {ed.name}"  # then the units standing there
    tip = hover(case.lon, case.lat)  # type: ignore[arg-type]
    assert "Ärende 42" in tip and "Prio 1" in tip and "Akutmottagning" not in tip
    assert hover(ed.lon, ed.lat).splitlines()[0] == f"Akutmottagning: {ed.name}"
    assert hover(14.6, 55.3) == ""  # the sea off Simrishamn: nothing there
    assert m.ed_items.toolTip() == ""
