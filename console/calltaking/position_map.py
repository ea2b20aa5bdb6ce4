"""A small map of the patient's surroundings in the call (pyqtgraph): Skåne's outline and kommun names, the address
register's points around the position (a street plan drawn by its addresses), the position's marker and its
accuracy circle, the caller's phone position (AML) with its own dashed circle; a click sets the position.

x is longitude and y latitude, as on the dispatcher's map (console/dispatch/map_view.py), with the aspect locked to
cos(latitude) of the position shown, so the accuracy circle is round and a metre is a metre both ways. Metres are
turned into degrees as the dispatcher's map does (console/dispatch/map_geometry.py: 111.32 km a degree of latitude).

Cheap: nothing is redrawn on a timer. The outline and the names are cached pixmaps; the marker and the circle change
only when the position does; the register's points are picked (one numpy mask) when the view has settled after a
zoom or pan, and only while the map is on screen.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from console.dispatch.map_geometry import KM_PER_DEG_LAT, circle_radii, fit_range
from console.dispatch.map_view import MID_LAT, outline_item
from resources.geography import Geography, distance_km, skane_outline

M_PER_DEG_LAT = KM_PER_DEG_LAT * 1000
MIN_VIEW_M = 600  # half the width shown around a position: a few blocks, whatever its accuracy
CLICK_PX = 5  # a click's accuracy: how far off a careful click lands, in pixels at the zoom of the click
MIN_CLICK_ACCURACY_M = 10
POINTS_MAX = 6000  # register points drawn at once (zoomed out, a sample of them)
POSITION_COLOUR = "#58a6ff"
FLAGGED_COLOUR = "#ff7b72"
PHONE_COLOUR = "#d2a8ff"
NEAR_KM = 5.0  # a phone position this near the case's is framed with it; a farther one would zoom the street away


def metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    """(degrees of latitude, degrees of longitude) that `metres` spans at latitude `lat` (as the dispatcher's map)."""
    dlon, dlat = circle_radii(lat, metres)
    return dlat, dlon


def _near(a: tuple[float, ...], b: tuple[float | None, ...]) -> bool:
    return b[0] is not None and b[1] is not None and distance_km(a[0], a[1], b[0], b[1]) <= NEAR_KM


def circle(lat: float, lon: float, radius_m: float, n: int = 72) -> tuple[np.ndarray, np.ndarray]:
    """(lons, lats) of a closed circle of `radius_m` metres around the point."""
    dlat, dlon = metres_to_degrees(radius_m, lat)
    t = np.linspace(0.0, 2 * math.pi, n + 1)
    return lon + dlon * np.cos(t), lat + dlat * np.sin(t)


class PositionMap(pg.PlotWidget):
    """`clicked(lat, lon, accuracy_m)` when the nurse clicks the map (left button, not a drag)."""

    clicked = Signal(float, float, float)

    def __init__(self, geography: Geography, parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent, background="#0d1117")
        self.setObjectName("positionMap")
        self.setMinimumHeight(50)  # at 1366×728 with every row showing, the rest of the column is about this
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.setAspectLocked(True, ratio=math.cos(math.radians(MID_LAT)))
        outline = outline_item(skane_outline())
        outline.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(outline)
        self.points = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush("#3a4556"), pxMode=True,
                                         hoverable=False)
        self.points.setZValue(-50)
        self.addItem(self.points)
        for k in geography.kommuner:
            label = pg.TextItem(k.name, color="#8b949e", anchor=(0.5, 0.5))
            label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            label.setPos(k.lon, k.lat)
            label.setZValue(-40)
            self.addItem(label)
        # The caller's phone position (AML) under the case's own: a diamond and a dashed circle
        self.phone_circle = pg.PlotCurveItem(pen=pg.mkPen(PHONE_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                                             antialias=True)
        self.addItem(self.phone_circle)
        self.phone_marker = pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen("#0d1117", width=1),
                                               brush=pg.mkBrush(PHONE_COLOUR))
        self.addItem(self.phone_marker)
        self.circle = pg.PlotCurveItem(pen=pg.mkPen(POSITION_COLOUR, width=2), antialias=True)
        self.addItem(self.circle)
        self.marker = pg.ScatterPlotItem(size=12, symbol="o", pen=pg.mkPen("#0d1117", width=2),
                                         brush=pg.mkBrush(POSITION_COLOUR))
        self.addItem(self.marker)
        self.position: tuple[float, float, float | None] | None = None  # lat, lon, accuracy
        self.phone: tuple[float, float, float] | None = None
        self._lat: np.ndarray = np.empty(0)
        self._lon: np.ndarray = np.empty(0)
        self._points_timer = QTimer(self, singleShot=True, interval=150)
        self._points_timer.timeout.connect(self._draw_points)
        self.getViewBox().sigRangeChanged.connect(lambda *_a: self._points_timer.start())
        self.scene().sigMouseClicked.connect(self._on_click)
        self.show_all()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Small: the intake column is as tall as its parts prefer (its scroll area asks it), and the map takes what
        is left, not 400 px of its own that would make the column scroll."""
        return QSize(240, 50)

    def show_all(self) -> None:
        lats = [v[0] for v in skane_outline().vertices]
        lons = [v[1] for v in skane_outline().vertices]
        self.setRange(xRange=(min(lons), max(lons)), yRange=(min(lats), max(lats)), padding=0.03)

    def set_register_points(self, lat: np.ndarray, lon: np.ndarray) -> None:
        """The address register's points (drawn around the position; empty: no register)."""
        self._lat, self._lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        self._points_timer.start()

    def show_position(self, lat: float | None, lon: float | None, accuracy_m: float | None, flagged: bool = False,
                      phone: tuple[float, float, float] | None = None) -> None:
        """The case's position (None: none), its accuracy circle (none when the accuracy is unknown), the caller's
        phone position (lat, lon, accuracy) with its own dashed circle when one is offered, and the view around
        them (the phone's point too when it is near)."""
        self._draw(self.marker, self.circle, lat, lon, accuracy_m, FLAGGED_COLOUR if flagged else POSITION_COLOUR)
        self.position = (lat, lon, accuracy_m) if lat is not None and lon is not None else None
        if phone is None:
            self._draw(self.phone_marker, self.phone_circle, None, None, None, PHONE_COLOUR)
        else:
            self._draw(self.phone_marker, self.phone_circle, phone[0], phone[1], phone[2], PHONE_COLOUR)
        self.phone = phone
        centre = self.position or phone
        if centre is None or centre[0] is None or centre[1] is None:
            return
        c_lat, c_lon = centre[0], centre[1]
        others = [(phone[1], phone[0])] if phone and self.position and _near(phone, self.position) else []
        radius = max((r for r in (centre[2], phone[2] if others and phone else None) if r), default=0.0)
        view = fit_range(c_lon, c_lat, others, radius_m=radius * 1.2, min_km=2 * MIN_VIEW_M / 1000)
        self.setAspectLocked(True, ratio=math.cos(math.radians(c_lat)))
        self.setRange(xRange=(view.x0, view.x1), yRange=(view.y0, view.y1), padding=0)

    @staticmethod
    def _draw(marker: pg.ScatterPlotItem, ring: pg.PlotCurveItem, lat: float | None, lon: float | None,
              accuracy_m: float | None, colour: str) -> None:
        if lat is None or lon is None:
            marker.setData(x=[], y=[])
            ring.setData(x=[], y=[])
            return
        marker.setData(x=[lon], y=[lat], brush=pg.mkBrush(colour))
        if not accuracy_m:
            ring.setData(x=[], y=[])
            return
        xs, ys = circle(lat, lon, accuracy_m)
        fill = QColor(colour)
        fill.setAlpha(35)
        pen = ring.opts["pen"]
        ring.setData(x=xs, y=ys)
        ring.setPen(pg.mkPen(colour, width=2, style=pen.style()))
        ring.setBrush(pg.mkBrush(fill))

    def clear_position(self) -> None:
        self.show_position(None, None, None)

    def circle_radius_px(self) -> float:
        """The accuracy circle's radius on screen, across and up (equal when the aspect is right); 0 without one."""
        xs, ys = self.circle.getData()
        if xs is None or not len(xs):
            return 0.0
        vb = self.getViewBox()
        centre = vb.mapViewToScene(QPointF(float(np.mean(xs[:-1])), float(np.mean(ys[:-1]))))
        right = vb.mapViewToScene(QPointF(float(xs.max()), float(np.mean(ys[:-1]))))
        top = vb.mapViewToScene(QPointF(float(np.mean(xs[:-1])), float(ys.max())))
        return float(max(abs(right.x() - centre.x()), abs(top.y() - centre.y())))

    def _draw_points(self) -> None:
        if not len(self._lat) or not self.isVisible():
            return
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        shown = (self._lon >= x0) & (self._lon <= x1) & (self._lat >= y0) & (self._lat <= y1)
        idx = np.flatnonzero(shown)
        if len(idx) > POINTS_MAX:
            idx = idx[:: len(idx) // POINTS_MAX + 1]
        self.points.setData(x=self._lon[idx], y=self._lat[idx])

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._points_timer.start()  # the points were not picked while hidden

    def click_accuracy_m(self) -> float:
        """How far off a click may land at the current zoom: CLICK_PX pixels in metres."""
        (x0, x1), _ = self.getViewBox().viewRange()
        width_px = max(1, self.getViewBox().width())
        lat = self.position[0] if self.position else MID_LAT
        metres_per_px = (x1 - x0) * M_PER_DEG_LAT * math.cos(math.radians(lat)) / width_px
        return max(MIN_CLICK_ACCURACY_M, round(CLICK_PX * metres_per_px))

    def _on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        self.clicked.emit(float(p.y()), float(p.x()), float(self.click_accuracy_m()))
