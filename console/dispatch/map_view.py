"""A map of Skåne (pyqtgraph): its outline, kommuner, akutmottagningar, units by status, open cases
by priority, and for the selected case its recommended units with straight-line routes.

x is longitude and y latitude; the aspect ratio is locked to cos(latitude) (a degree of longitude
is about 0.56 of a degree of latitude at 56° N) so distances look right. The outline is one curve,
drawn once, under everything else; it and the kommun names are cached as pixmaps (they never change, and
re-rendering the antialiased outline and 33 labels was most of a repaint).
Units are one ScatterPlotItem per status colour (and one for "ingen kontakt"), each redrawn with a single
setData and a single brush at the workspace's tick: a brush per point made pyqtgraph build 759 brushes
and its symbol atlas look-ups on every redraw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem

from console.fleet_model import STATUSES, FleetTableModel
from console.theme import PRIORITY_COLOURS, STALE_COLOUR, STATUS_COLOURS
from records.cases import CaseView
from resources.geography import SKANE_BOUNDS, Geography, SkaneOutline, skane_outline

MID_LAT = (SKANE_BOUNDS[0] + SKANE_BOUNDS[1]) / 2
OUTLINE_COLOUR = "#4a5a70"


def outline_item(outline: SkaneOutline) -> pg.PlotCurveItem:
    """Skåne's outline as one closed curve (x = lon, y = lat) at the bottom of the z-order."""
    lats = [v[0] for v in outline.vertices] + [outline.vertices[0][0]]
    lons = [v[1] for v in outline.vertices] + [outline.vertices[0][1]]
    item = pg.PlotCurveItem(x=np.array(lons), y=np.array(lats), pen=pg.mkPen(OUTLINE_COLOUR, width=1.5),
                            antialias=True)
    item.setZValue(-100)
    return item


class SkaneMap(pg.PlotWidget):
    """`case_clicked(case_id)` when the dispatcher clicks a case marker."""

    case_clicked = Signal(int)

    def __init__(self, geography: Geography, fleet_model: FleetTableModel, parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent, background="#0d1117")
        self.setObjectName("skaneMap")
        self.model = fleet_model
        self._drawn_version = -1
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        self.setAspectLocked(True, ratio=math.cos(math.radians(MID_LAT)))
        outline = skane_outline()
        self.outline = outline_item(outline)
        self.outline.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(self.outline)
        lats, lons = [v[0] for v in outline.vertices], [v[1] for v in outline.vertices]
        # The whole county in view (the locked aspect widens whichever range the widget's shape needs).
        self.setRange(xRange=(min(lons), max(lons)), yRange=(min(lats), max(lats)), padding=0.03)
        k = geography.kommuner
        kommun_dots = pg.ScatterPlotItem(x=[x.lon for x in k], y=[x.lat for x in k], size=5,
                                         brush=pg.mkBrush("#30363d"), pen=None)
        self.addItem(kommun_dots)
        for x in k:
            label = pg.TextItem(x.name, color="#8b949e", anchor=(0.5, -0.2))
            label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            label.setPos(x.lon, x.lat)
            self.addItem(label)
        eds = geography.emergency_departments
        self.ed_items = pg.ScatterPlotItem(
            x=[e.lon for e in eds], y=[e.lat for e in eds], size=13, symbol="s",
            brush=pg.mkBrush(0, 0, 0, 0), pen=pg.mkPen("#ff7b72", width=2),
            data=[e.name for e in eds])
        self.addItem(self.ed_items)

        # Index k: units whose status is STATUSES[k]; the last: stale units ("ingen kontakt").
        self.unit_layers = [pg.ScatterPlotItem(size=6, pen=None, pxMode=True, hoverable=False,
                                               brush=pg.mkBrush(QColor(colour)))
                            for colour in [STATUS_COLOURS[s.value] for s in STATUSES] + [STALE_COLOUR]]
        for layer in self.unit_layers:
            self.addItem(layer)

        self.routes = pg.PlotDataItem(pen=pg.mkPen("#58a6ff", width=2, style=Qt.PenStyle.DashLine), connect="pairs")
        self.addItem(self.routes)
        self.recommended = pg.ScatterPlotItem(size=14, symbol="o", brush=pg.mkBrush(0, 0, 0, 0),
                                              pen=pg.mkPen("#58a6ff", width=2))
        self.addItem(self.recommended)
        self._case_tips: dict[int, str] = {}
        self.cases = pg.ScatterPlotItem(size=16, symbol="t", pen=pg.mkPen("#000000"))
        self.cases.sigClicked.connect(self._on_cases_clicked)
        self.addItem(self.cases)
        self.selected = pg.ScatterPlotItem(size=26, symbol="o", brush=pg.mkBrush(0, 0, 0, 0),
                                           pen=QPen(QColor("#ffffff"), 2))
        self.addItem(self.selected)
        self._case_pos: dict[int, tuple[float, float]] = {}
        # One tooltip for whatever is under the pointer. (An item-wide tooltip on the EDs covered their whole
        # bounding box, most of Skåne: over a case it said "Akutmottagningar"; and two hoverable items would
        # each clear the other's tip.)
        self.scene().sigMouseMoved.connect(self._hover_tip)
        self.redraw_units()

    def _hover_tip(self, scene_pos: QPointF) -> None:
        vb = self.getPlotItem().getViewBox()
        pos = vb.mapSceneToView(scene_pos)
        lines = [self._case_tips.get(p.data(), self.tr("Ärende %s") % p.data()) for p in self.cases.pointsAt(pos)]
        lines += [self.tr("Akutmottagning: %s") % p.data() for p in self.ed_items.pointsAt(pos)]
        text = "\n".join(lines)
        if vb.toolTip() != text:
            vb.setToolTip(text)

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
        placed = [c for c in cases if c.lat is not None and c.lon is not None]
        self._case_pos = {c.id: (c.lon, c.lat) for c in placed}  # type: ignore[misc]
        self._case_tips = {c.id: self._case_tip(c) for c in placed}
        brushes = [pg.mkBrush(PRIORITY_COLOURS.get(c.priority or "3", PRIORITY_COLOURS["3"])) for c in placed]
        self.cases.setData(x=[c.lon for c in placed], y=[c.lat for c in placed], brush=brushes,
                           data=[c.id for c in placed])

    def _case_tip(self, c: CaseView) -> str:
        parts = [self.tr("Ärende %d") % c.id]
        if c.priority:
            parts.append(self.tr("Prio %s") % c.priority)
        parts += [p for p in (c.address, c.kommun) if p]
        return " · ".join(parts)

    def select_case(self, case_id: int | None, recommended: Sequence[tuple[float, float]] = ()) -> None:
        """Ring the case and draw a straight line to each recommended unit (lon, lat)."""
        pos = self._case_pos.get(case_id) if case_id is not None else None
        if pos is None:
            self.selected.setData(x=[], y=[])
            self.recommended.setData(x=[], y=[])
            self.routes.setData(x=[], y=[])
            return
        self.selected.setData(x=[pos[0]], y=[pos[1]])
        self.recommended.setData(x=[p[0] for p in recommended], y=[p[1] for p in recommended])
        xs: list[float] = []
        ys: list[float] = []
        for lon, lat in recommended:
            xs += [lon, pos[0]]
            ys += [lat, pos[1]]
        self.routes.setData(x=xs, y=ys)

    def route_count(self) -> int:
        x, _ = self.routes.getData()
        return 0 if x is None else len(x) // 2

    def _on_cases_clicked(self, _item, points, *_args) -> None:  # type: ignore[no-untyped-def]
        if len(points):
            self.case_clicked.emit(int(points[0].data()))

