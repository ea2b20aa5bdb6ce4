"""A map of Skåne (pyqtgraph): its outline, kommuner, akutmottagningar, units by status, open cases by priority,
and for the selected case its recommended and assigned units with straight-line routes.

x is longitude and y latitude; the aspect ratio is locked to cos(latitude) (a degree of longitude
is about 0.56 of a degree of latitude at 56° N) so distances look right. The outline is one curve,
drawn once, under everything else; it and the kommun names are cached as pixmaps (they never change, and
re-rendering the antialiased outline and 33 labels was most of a repaint).
Units are one ScatterPlotItem per status colour (and one for "ingen kontakt"), each redrawn with a single
setData and a single brush at the workspace's tick: a brush per point made pyqtgraph build 759 brushes
and its symbol atlas look-ups on every redraw. The case layers' brushes come from one cache per colour (the atlas
keys a brush by its object: a new brush per redraw was a new atlas entry every time).

Selecting a case centres the map on it, zoomed to hold the case, its units and its position's accuracy circle,
at least map_geometry.MIN_SPAN_KM across. The map re-frames only for a new selection, or for the same one while the
dispatcher has not moved the view since (its units or its position became known): once they pan or zoom, a refresh
never takes the view from them; C frames the case again, Home shows the whole county.

Cases within a few pixels of each other at the current zoom (most still sit at their kommun's centre) are drawn as
one round marker with their count, coloured by the most urgent priority among them. A dispatcher needs the most
urgent case and how many there are at a glance, and a click to reach each: a click selects the first in väntrummet's
order (the most urgent waiting case) and, while one of them is selected, the next. Spreading them on a circle would
put cases where they are not and crowd the map when ten stand in Malmö; the hover lists them all. The grouping is
redone when the zoom changes (zooming in separates cases that are apart).

Keys while the map has focus (click it, or Tab): arrows pan, + and − zoom, Home the whole county, C the selected case,
L the legend. The mouse wheel zooms and a drag pans (pyqtgraph), with the aspect kept locked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainterPath, QPen, QResizeEvent, QTransform
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QHBoxLayout, QToolButton, QWidget

from console.dispatch.map_geometry import Marker, circle_radii, fit_range, group_markers, next_in_group
from console.dispatch.map_hover import case_tip, ed_line, group_tip, units_tip
from console.dispatch.map_legend import ACCURACY_COLOUR, ASSIGNED_COLOUR, RECOMMENDED_COLOUR, MapLegend
from console.fleet_model import STATUSES, FleetTableModel
from console.theme import PRIORITY_COLOURS, STALE_COLOUR, STATUS_COLOURS
from records.cases import CaseView
from resources.geography import SKANE_BOUNDS, Geography, SkaneOutline, skane_outline
from resources.vocabulary import Priority

MID_LAT = (SKANE_BOUNDS[0] + SKANE_BOUNDS[1]) / 2
OUTLINE_COLOUR = "#4a5a70"
GROUP_PX = 10.0  # case markers closer than this (pixels) are drawn as one
CASE_HIT_PX, GROUP_HIT_PX, UNIT_HIT_PX, ED_HIT_PX = 9.0, 12.0, 5.0, 7.0  # what the pointer is over (radius)
PAN_STEP = 0.2  # of the view's width or height, per arrow key
ZOOM_STEP = 1.5  # per + or −
REFRAME_WIDER = 2.0  # the selected case's view is framed again once it is this many times wider than it needs
FRAME_MARGIN = 0.04  # of the view's size: a unit closer to the edge than this counts as out of view
MIN_VIEW_DEG, MAX_VIEW_DEG = 0.005, 6.0  # zoom limits (latitude degrees across: about 0.5 km to 650 km)
LEGEND_MARGIN = 6  # px between the legend and the map's edges
LEGEND_AUTO_HEIGHT = 560  # px: a map this tall shows its legend until L says otherwise (a smaller one, at 1366×768,
# would lose a third of itself to it)


def outline_item(outline: SkaneOutline) -> pg.PlotCurveItem:
    """Skåne's outline as one closed curve (x = lon, y = lat) at the bottom of the z-order."""
    lats = [v[0] for v in outline.vertices] + [outline.vertices[0][0]]
    lons = [v[1] for v in outline.vertices] + [outline.vertices[0][1]]
    item = pg.PlotCurveItem(x=np.array(lons), y=np.array(lats), pen=pg.mkPen(OUTLINE_COLOUR, width=1.5),
                            antialias=True)
    item.setZValue(-100)
    return item


class RouteEnd(NamedTuple):
    """A unit at the far end of a route from the selected case."""

    unit_id: str
    lon: float
    lat: float


_BRUSHES: dict[str, QBrush] = {}
_COUNT_SYMBOLS: dict[str, QPainterPath] = {}


def _brush(colour: str) -> QBrush:
    if colour not in _BRUSHES:
        _BRUSHES[colour] = pg.mkBrush(colour)
    return _BRUSHES[colour]


def count_symbol(n: int) -> QPainterPath:
    """A count as a scatter symbol (a path in the unit square, as pyqtgraph draws its symbols): the counts are
    drawn by the scatter's symbol atlas, not by a text item each."""
    text = str(n) if n < 100 else "99+"
    if text not in _COUNT_SYMBOLS:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(100)
        path = QPainterPath()
        path.addText(0, 0, font, text)
        box = path.boundingRect()
        scale = 1.0 / max(box.width(), box.height() * 1.25)
        _COUNT_SYMBOLS[text] = QTransform().scale(scale, scale).translate(-box.center().x(), -box.center().y()) \
            .map(path)
    return _COUNT_SYMBOLS[text]


def _urgency(c: CaseView) -> int:
    try:
        return Priority(c.priority).urgency if c.priority else -1
    except ValueError:
        return -1


class _Rings(pg.ScatterPlotItem):
    """Rings drawn around markers: a click goes through them to the case under it (pyqtgraph gives a click to the
    topmost item with a point there, and a scatter takes it whether or not anyone listens)."""

    def mouseClickEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - pyqtgraph's name
        ev.ignore()


class SkaneMap(pg.PlotWidget):
    """`case_clicked(case_id)` when the dispatcher clicks a case marker."""

    case_clicked = Signal(int)

    def __init__(self, geography: Geography, fleet_model: FleetTableModel, parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent, background="#0d1117")
        self.setObjectName("skaneMap")
        # A thin frame says when the map has the keyboard (its keys pan and zoom only then).
        self.setStyleSheet("#skaneMap { border: 1px solid transparent; } #skaneMap:focus { border: 1px solid #58a6ff; }")
        self.model = fleet_model
        self._drawn_version = -1
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        self.setAspectLocked(True, ratio=math.cos(math.radians(MID_LAT)))
        self.vb = plot.getViewBox()
        self.vb.setLimits(minYRange=MIN_VIEW_DEG, maxYRange=MAX_VIEW_DEG, minXRange=MIN_VIEW_DEG,
                          maxXRange=MAX_VIEW_DEG * 2)
        outline = skane_outline()
        self.outline = outline_item(outline)
        self.outline.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(self.outline)
        lats, lons = [v[0] for v in outline.vertices], [v[1] for v in outline.vertices]
        self._county = ((min(lons), max(lons)), (min(lats), max(lats)))
        self.show_county(moved_by_user=False)

        # The selected case's position accuracy, under everything but the outline.
        self.accuracy = QGraphicsEllipseItem()
        pen = QPen(QColor(ACCURACY_COLOUR), 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)  # in pixels, whatever the zoom
        self.accuracy.setPen(pen)
        fill = QColor(ACCURACY_COLOUR)
        fill.setAlpha(28)
        self.accuracy.setBrush(fill)
        self.accuracy.setZValue(-50)
        self.accuracy.setVisible(False)
        self.addItem(self.accuracy)

        k = geography.kommuner
        kommun_dots = pg.ScatterPlotItem(x=[x.lon for x in k], y=[x.lat for x in k], size=5,
                                         brush=pg.mkBrush("#30363d"), pen=None)
        self.addItem(kommun_dots)
        for x in k:
            label = pg.TextItem(x.name, color="#8b949e", anchor=(0.5, -0.2))
            label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            label.setPos(x.lon, x.lat)
            self.addItem(label)
        self._eds = [(e.name, e.lon, e.lat) for e in geography.emergency_departments]
        self.ed_items = pg.ScatterPlotItem(
            x=[e[1] for e in self._eds], y=[e[2] for e in self._eds], size=13, symbol="s",
            brush=pg.mkBrush(0, 0, 0, 0), pen=pg.mkPen("#ff7b72", width=2), data=[e[0] for e in self._eds])
        self.addItem(self.ed_items)

        # Index k: units whose status is STATUSES[k]; the last: stale units ("ingen kontakt").
        self.unit_layers = [pg.ScatterPlotItem(size=6, pen=None, pxMode=True, hoverable=False,
                                               brush=pg.mkBrush(QColor(colour)))
                            for colour in [STATUS_COLOURS[s.value] for s in STATUSES] + [STALE_COLOUR]]
        for layer in self.unit_layers:
            self.addItem(layer)

        self.routes = pg.PlotDataItem(pen=pg.mkPen(RECOMMENDED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                                      connect="pairs")
        self.addItem(self.routes)
        self.assigned_routes = pg.PlotDataItem(pen=pg.mkPen(ASSIGNED_COLOUR, width=2.5), connect="pairs")
        self.addItem(self.assigned_routes)
        self.recommended = _Rings(size=14, symbol="o", brush=pg.mkBrush(0, 0, 0, 0),
                                              pen=pg.mkPen(RECOMMENDED_COLOUR, width=2))
        self.addItem(self.recommended)
        self.assigned = _Rings(size=16, symbol="o", brush=pg.mkBrush(0, 0, 0, 0),
                                           pen=pg.mkPen(ASSIGNED_COLOUR, width=2.5))
        self.addItem(self.assigned)
        self.unit_labels: list[pg.TextItem] = []  # the selected case's units only (a few; reused)

        self._cases: dict[int, CaseView] = {}
        self._case_pos: dict[int, tuple[float, float]] = {}
        self._order: list[int] = []  # väntrummet's order
        self.markers: list[Marker] = []
        self._grouped_at: tuple[float, float] | None = None
        self.cases = pg.ScatterPlotItem(size=16, symbol="t", pen=pg.mkPen("#000000"))
        self.cases.sigClicked.connect(self._on_marker_clicked)
        self.addItem(self.cases)
        self.groups = pg.ScatterPlotItem(size=22, symbol="o", pen=pg.mkPen("#000000", width=1.5))
        self.groups.sigClicked.connect(self._on_marker_clicked)
        self.addItem(self.groups)
        self.group_counts = pg.ScatterPlotItem(size=13, pen=None, hoverable=False)
        self.group_counts.sigClicked.connect(self._on_marker_clicked)  # over its marker: a click on it is the marker's
        self.addItem(self.group_counts)
        self.selected = _Rings(size=26, symbol="o", brush=pg.mkBrush(0, 0, 0, 0),
                                           pen=pg.mkPen("#ffffff", width=2))  # cosmetic: a QPen's width is scaled
        # with the symbol (a 2 px ring drawn 52 px wide filled the marker's square white)
        self.addItem(self.selected)

        self._selected_id: int | None = None
        self._framed_case: int | None = None  # the case the view was last framed on
        self._framed_key: object = None  # what it was framed to hold (position, units, accuracy)
        self.moved_by_user = False  # the dispatcher panned or zoomed since the last framing
        self._frame_args: tuple[float, float, list[tuple[float, float]], float | None] | None = None
        self.vb.sigRangeChangedManually.connect(self._on_moved_manually)
        self.vb.sigRangeChanged.connect(lambda *_: self._regroup())

        self.legend = MapLegend(self)
        self.legend_choice: bool | None = None  # the dispatcher's L; None: shown when the map is tall enough
        self._controls = QWidget(self)
        row = QHBoxLayout(self._controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for text, tip, slot, name in (
                (self.tr("Hela Skåne"), self.tr("Visa hela Skåne (Home)"), self.show_county, "mapCountyButton"),
                (self.tr("Ärendet"), self.tr("Centrera på valt ärende (C)"), self.frame_selected, "mapCaseButton"),
                (self.tr("Teckenförklaring"), self.tr("Visa/dölj teckenförklaring (L)"), self.toggle_legend,
                 "mapLegendButton")):
            button = QToolButton(self._controls, objectName=name, text=text, toolTip=tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the map (or wherever it was)
            button.clicked.connect(lambda _=False, s=slot: s())
            row.addWidget(button)
        self._controls.adjustSize()

        # One tooltip for whatever is under the pointer. (An item-wide tooltip on the EDs covered their whole
        # bounding box, most of Skåne: over a case it said "Akutmottagningar"; and two hoverable items would
        # each clear the other's tip.)
        self.scene().sigMouseMoved.connect(self._hover_tip)
        self.redraw_units()

    # --- the view -----------------------------------------------------------------------------
    def show_county(self, moved_by_user: bool = True) -> None:
        """The whole county in view (the locked aspect widens whichever range the widget's shape needs)."""
        (x0, x1), (y0, y1) = self._county
        self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.03)
        self.moved_by_user = moved_by_user

    def frame_selected(self) -> None:
        """Centre on the selected case again, zoomed to it and its units (C)."""
        if self._frame_args is not None:
            self._frame(*self._frame_args)

    def _frame(self, lon: float, lat: float, others: list[tuple[float, float]], radius_m: float | None) -> None:
        target = self._target(lon, lat, others, radius_m)
        self.setRange(xRange=(target.left(), target.right()), yRange=(target.top(), target.bottom()), padding=0)
        self.moved_by_user = False

    def _target(self, lon: float, lat: float, others: list[tuple[float, float]], radius_m: float | None) -> QRectF:
        """The view that frames the case (x: lon, y: lat; top() is the lower latitude)."""
        r = fit_range(lon, lat, others, radius_m=radius_m)
        y0 = r.y0
        if not self.legend.isHidden() and self.height() > 0:  # centred in what the legend leaves free below
            y0 = r.y1 - (r.y1 - r.y0) / (1 - self.legend_cover())
        return QRectF(r.x0, y0, r.x1 - r.x0, r.y1 - y0)

    def _still_framed(self) -> bool:
        """Does the view, framed earlier on this case, still hold what a framing now would, at about its scale?
        Then a change of the case's units leaves it alone: re-framing at every recommendation of a moving fleet
        made the map jump under the dispatcher's eyes, and each jump re-laid out every item (a long GUI stall in a
        flood). The view is framed again when something to show falls outside it or it is now far too wide."""
        if self._frame_args is None:
            return False
        lon, lat, others, radius_m = self._frame_args
        view = self.view_range()
        if view.width() <= 0 or view.height() <= 0:
            return False
        target = self._target(lon, lat, others, radius_m)
        rx, ry = circle_radii(lat, radius_m) if radius_m else (0.0, 0.0)
        seen = QRectF(view)  # what is not under the legend (at the map's foot), less a margin for markers, labels
        if not self.legend.isHidden() and self.height() > 0:
            seen.setTop(view.top() + view.height() * self.legend_cover())
        seen = seen.adjusted(view.width() * FRAME_MARGIN, view.height() * FRAME_MARGIN,
                             -view.width() * FRAME_MARGIN, -view.height() * FRAME_MARGIN)
        inside = all(seen.contains(QPointF(x, y)) for x, y in
                     ((lon - rx, lat - ry), (lon + rx, lat + ry), *others))
        zoomed_out = min(view.width() / target.width(), view.height() / target.height())
        return inside and zoomed_out <= REFRAME_WIDER

    def legend_cover(self) -> float:
        """The share of the map's height the legend covers at its foot (with its margin)."""
        return min(0.5, (self.legend.height() + LEGEND_MARGIN) / self.height())

    def _on_moved_manually(self, *_args: object) -> None:
        self.moved_by_user = True

    def view_range(self) -> QRectF:
        return self.vb.viewRect()

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if ev.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                             | Qt.KeyboardModifier.MetaModifier):
            super().keyPressEvent(ev)  # the window's Ctrl keys
            return
        key, view = ev.key(), self.vb.viewRect()
        pans = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}
        if key in pans:
            dx, dy = pans[Qt.Key(key)]
            self.vb.translateBy(x=dx * PAN_STEP * view.width(), y=dy * PAN_STEP * view.height())
            self.moved_by_user = True
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            s = 1 / ZOOM_STEP if key != Qt.Key.Key_Minus else ZOOM_STEP
            self.vb.scaleBy((s, s), center=view.center())
            self.moved_by_user = True
        elif key == Qt.Key.Key_Home:
            self.show_county()
        elif key == Qt.Key.Key_C:
            self.frame_selected()
        elif key == Qt.Key.Key_L:
            self.toggle_legend()
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    def toggle_legend(self) -> None:
        self.legend_choice = self.legend.isHidden()
        self.legend.setVisible(self.legend_choice)

    def resizeEvent(self, ev: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if getattr(self, "legend", None) is None:
            return  # pyqtgraph's own set-up resizes the view before the overlays exist
        self._controls.move(self.width() - self._controls.width() - 6, 6)
        self.legend.move(LEGEND_MARGIN, self.height() - self.legend.height() - LEGEND_MARGIN)
        if self.legend_choice is None:
            self.legend.setVisible(self.height() >= LEGEND_AUTO_HEIGHT)
        self._controls.raise_()
        self.legend.raise_()

    def _pixel(self) -> tuple[float, float]:
        """One pixel in degrees (lon, lat) at the current zoom; (0, 0) before the map has a size."""
        if self.vb.width() <= 0 or self.vb.height() <= 0:
            return 0.0, 0.0
        px, py = self.vb.viewPixelSize()
        return (px, py) if math.isfinite(px) and math.isfinite(py) else (0.0, 0.0)

    # --- hover --------------------------------------------------------------------------------
    def _hover_tip(self, scene_pos: QPointF) -> None:
        pos = self.vb.mapSceneToView(scene_pos)
        text = self.tip_at(pos.x(), pos.y())
        if self.vb.toolTip() != text:
            self.vb.setToolTip(text)

    def tip_at(self, lon: float, lat: float) -> str:
        """What is under the pointer at (lon, lat): case markers, akutmottagningar, units (the nearest first)."""
        px, py = self._pixel()
        if px <= 0:
            return ""

        def near(x: float, y: float, radius: float) -> bool:
            return ((x - lon) / px) ** 2 + ((y - lat) / py) ** 2 <= radius * radius

        lines = []
        for m in self.markers:
            if len(m.ids) == 1 and near(m.lon, m.lat, CASE_HIT_PX):
                lines.append(case_tip(self._cases[m.ids[0]]))
            elif len(m.ids) > 1 and near(m.lon, m.lat, GROUP_HIT_PX):
                lines.append(group_tip([self._cases[i] for i in m.ids]))
        lines += [ed_line(name) for name, x, y in self._eds if near(x, y, ED_HIT_PX)]
        d2 = ((self.model.lon - lon) / px) ** 2 + ((self.model.lat - lat) / py) ** 2  # every unit at once
        hits = np.flatnonzero(d2 <= UNIT_HIT_PX * UNIT_HIT_PX)
        lines += units_tip([self.model.unit(int(i)) for i in hits[np.argsort(d2[hits])]])
        return "\n".join(lines)

    # --- units --------------------------------------------------------------------------------
    def redraw_units(self, force: bool = False) -> bool:
        """Redraw the units if the fleet model changed since the last draw. True if it redrew."""
        m = self.model
        if m.version == self._drawn_version and not force:
            return False
        idx = np.where(m.stale, len(STATUSES), m.status_idx)
        for k, layer in enumerate(self.unit_layers):
            shown = idx == k
            layer.setData(x=m.lon[shown], y=m.lat[shown])
        self._drawn_version = m.version
        return True

    # --- cases --------------------------------------------------------------------------------
    def set_cases(self, cases: Sequence[CaseView]) -> None:
        """The open cases, in väntrummet's order (the most urgent waiting case first)."""
        placed = [c for c in cases if c.lat is not None and c.lon is not None]
        self._cases = {c.id: c for c in placed}
        self._case_pos = {c.id: (c.lon, c.lat) for c in placed}  # type: ignore[misc]
        self._order = [c.id for c in placed]
        self._regroup(force=True)

    def _regroup(self, force: bool = False) -> None:
        """Draw the case markers, grouping those within GROUP_PX at this zoom (again only when the zoom changed)."""
        pixel = self._pixel()
        if not force and pixel == self._grouped_at:
            return  # a pan: the same pixels apart
        self._grouped_at = pixel
        self.markers = group_markers([(i, *self._case_pos[i]) for i in self._order], pixel, GROUP_PX)
        singles = [m for m in self.markers if len(m.ids) == 1]
        groups = [m for m in self.markers if len(m.ids) > 1]
        self.cases.setData(x=[m.lon for m in singles], y=[m.lat for m in singles],
                           brush=[self._prio_brush([m.ids[0]]) for m in singles], data=[m.ids[0] for m in singles])
        self.groups.setData(x=[m.lon for m in groups], y=[m.lat for m in groups],
                            brush=[self._prio_brush(m.ids) for m in groups], data=[m.ids for m in groups])
        self.group_counts.setData(x=[m.lon for m in groups], y=[m.lat for m in groups],
                                  symbol=[count_symbol(len(m.ids)) for m in groups], data=[m.ids for m in groups],
                                  brush=[_brush("#ffffff" if self._top_priority(m.ids) in ("1", "hänvisning")
                                                else "#0d1117") for m in groups])

    def _top_priority(self, ids: Sequence[int]) -> str:
        top = max((self._cases[i] for i in ids), key=_urgency)
        return top.priority if top.priority in PRIORITY_COLOURS else "3"

    def _prio_brush(self, ids: Sequence[int]) -> QBrush:
        return _brush(PRIORITY_COLOURS[self._top_priority(ids)])

    def marker_of(self, case_id: int) -> Marker | None:
        return next((m for m in self.markers if case_id in m.ids), None)

    def _on_marker_clicked(self, _item, points, *_args) -> None:  # type: ignore[no-untyped-def]
        if len(points):
            data = points[0].data()
            ids = data if isinstance(data, tuple) else (int(data),)
            self.case_clicked.emit(next_in_group(ids, self._selected_id))

    # --- the selected case --------------------------------------------------------------------
    def select_case(self, case_id: int | None, recommended: Sequence[RouteEnd] = (),
                    assigned: Sequence[RouteEnd] = ()) -> None:
        """Ring the case, draw a dashed line to each recommended unit and a solid one to each assigned unit, ring and
        label them, circle the position's accuracy; frame them all for a new selection (see the module's
        docstring for when the view is left as the dispatcher put it)."""
        self._selected_id = case_id
        pos = self._case_pos.get(case_id) if case_id is not None else None
        if pos is None or case_id is None:
            for item in (self.selected, self.recommended, self.assigned, self.routes, self.assigned_routes):
                item.setData(x=[], y=[])
            self.accuracy.setVisible(False)
            self._show_labels([])
            self._framed_case, self._frame_args = None, None
            return
        lon, lat = pos
        self.selected.setData(x=[lon], y=[lat])
        for rings, lines, ends in ((self.recommended, self.routes, recommended),
                                   (self.assigned, self.assigned_routes, assigned)):
            rings.setData(x=[e.lon for e in ends], y=[e.lat for e in ends])
            lines.setData(x=[v for e in ends for v in (e.lon, lon)], y=[v for e in ends for v in (e.lat, lat)])
        self._show_labels([(e, RECOMMENDED_COLOUR) for e in recommended] + [(e, ASSIGNED_COLOUR) for e in assigned])
        radius = self._cases[case_id].position_accuracy_m
        if radius:
            rx, ry = circle_radii(lat, radius)
            self.accuracy.setRect(QRectF(lon - rx, lat - ry, 2 * rx, 2 * ry))
        self.accuracy.setVisible(bool(radius))
        ends = [*recommended, *assigned]
        self._frame_args = (lon, lat, [(e.lon, e.lat) for e in ends], radius)
        key = (pos, frozenset(e.unit_id for e in ends), radius)
        if case_id != self._framed_case or (not self.moved_by_user and key != self._framed_key):
            again = case_id == self._framed_case
            self._framed_case, self._framed_key = case_id, key
            if not (again and self._still_framed()):
                self.frame_selected()

    def _show_labels(self, ends: list[tuple[RouteEnd, str]]) -> None:
        while len(self.unit_labels) < len(ends):
            label = pg.TextItem("", anchor=(-0.15, 1.05))
            label.setZValue(5)
            self.addItem(label)
            self.unit_labels.append(label)
        for label, (end, colour) in zip(self.unit_labels, ends, strict=False):
            if label.textItem.defaultTextColor() != QColor(colour):
                label.setColor(colour)
            label.setPlainText(end.unit_id)  # pyqtgraph lays the label out again only for a new text
            if (label.pos().x(), label.pos().y()) != (end.lon, end.lat):
                label.setPos(end.lon, end.lat)
        for i, label in enumerate(self.unit_labels):
            label.setVisible(i < len(ends))

    def route_count(self) -> int:
        """Routes drawn from the selected case: to its recommended and its assigned units."""
        return sum(0 if (x := item.getData()[0]) is None else len(x) // 2
                   for item in (self.routes, self.assigned_routes))
