"""The report's three time intervals (call → triage done, triage → assignment, assignment → on
scene): median and 90th percentile as text and as grouped bars (pyqtgraph). outcomes.report computes
them; this pane only shows them."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from console.numbers import number
from outcomes.report import IntervalStats

MEDIAN_COLOUR, P90_COLOUR = "#79c0ff", "#a371f7"


def minutes_text(x: float | None) -> str:
    return "–" if x is None else f"{number(x, 1)} min"


LEGEND_ROOM = 1.35  # the x axis runs this far past the longest bar


class IntervalsPane(QGroupBox):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(self.tr("Tidsintervall"), parent, objectName="statsIntervals")
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        for col, title in enumerate((self.tr("Intervall"), self.tr("Antal"), self.tr("Median"), self.tr("P90"))):
            head = QLabel(f"<b>{title}</b>")
            head.setAlignment(Qt.AlignmentFlag.AlignRight if col else Qt.AlignmentFlag.AlignLeft)
            self.grid.addWidget(head, 0, col)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel, QLabel]] = {}
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(150)
        self.plot.hideAxis("left")  # the rows of the grid beside it name the intervals, top to bottom
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.setLabel("bottom", self.tr("minuter"))
        self.plot.addLegend(offset=(-5, 5))
        lay = QHBoxLayout(self)
        lay.addLayout(self.grid)
        lay.addWidget(self.plot, 1)

    def show_intervals(self, intervals: tuple[IntervalStats, ...]) -> None:
        for row, iv in enumerate(intervals, start=1):
            if iv.key not in self.cells:
                cells = (QLabel(), QLabel(), QLabel(), QLabel())
                for col, c in enumerate(cells):
                    c.setAlignment(Qt.AlignmentFlag.AlignRight if col else Qt.AlignmentFlag.AlignLeft)
                    self.grid.addWidget(c, row, col)
                self.cells[iv.key] = cells
            label, n, median, p90 = self.cells[iv.key]
            label.setText(iv.label)
            n.setText(str(iv.n))
            median.setText(minutes_text(iv.median_minutes))
            p90.setText(minutes_text(iv.p90_minutes))
        self._draw(intervals)

    def _draw(self, intervals: tuple[IntervalStats, ...]) -> None:
        self.plot.clear()
        ys = list(range(len(intervals)))[::-1]  # the first interval on top
        for offset, colour, name, values in (
                (0.18, MEDIAN_COLOUR, self.tr("Median"), [iv.median_minutes or 0.0 for iv in intervals]),
                (-0.18, P90_COLOUR, self.tr("P90"), [iv.p90_minutes or 0.0 for iv in intervals])):
            self.plot.addItem(pg.BarGraphItem(x0=0, y=[y + offset for y in ys], height=0.34, width=values,
                                              brush=colour, name=name))
        self.plot.setYRange(-0.6, len(intervals) - 0.4, padding=0)
        longest = max([iv.p90_minutes or 0.0 for iv in intervals] + [iv.median_minutes or 0.0 for iv in intervals])
        # Room on the right for the legend (top right): the longest bar ends before it, not under it.
        self.plot.setXRange(0, max(longest, 1.0) * LEGEND_ROOM, padding=0)
