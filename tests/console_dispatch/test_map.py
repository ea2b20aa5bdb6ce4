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
