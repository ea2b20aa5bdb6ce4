"""The "Kvalitet per ändpunkt" tab: the report's time intervals, and per endpoint (code + rule-set
version) or per resource type the number of cases, conveyance, left at home and recontact within
72 h with Wilson intervals, and the under/over-triage signals — a sortable table over QualityModel."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from console.stats.intervals import IntervalsPane
from console.stats.quality_model import COL_GROUP, SORT_ROLE, QualityModel
from console.stats.sorted_table import sorted_table
from outcomes.report import QualityFigures


class QualityPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="statsQuality")
        self.figures: QualityFigures | None = None
        self.intervals = IntervalsPane()
        self.group_by = QComboBox(objectName="qualityGroupBy")
        self.group_by.addItem(self.tr("Per ändpunkt och regelversion"), "endpoint")
        self.group_by.addItem(self.tr("Per resurstyp"), "resource_type")
        self.group_by.currentIndexChanged.connect(self._fill)
        self.note = QLabel(objectName="qualityNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8b949e;")
        self.model = QualityModel()
        self.proxy, self.table = sorted_table(self.model, sort_role=SORT_ROLE, sort_column=COL_GROUP,
                                              object_name="qualityTable", parent=self)
        head = QHBoxLayout()
        title = QLabel(self.tr("Kvalitet"), objectName="sectionTitle")
        head.addWidget(title)
        head.addWidget(self.group_by)
        head.addWidget(self.note, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intervals)
        lay.addLayout(head)
        lay.addWidget(self.table, 1)

    def show_figures(self, fig: QualityFigures) -> None:
        self.figures = fig
        self.intervals.show_intervals(fig.intervals)
        self.note.setText(self.tr(
            "Andelar av avslutade ärenden med 95 %% konfidensintervall (Wilson). ⚠ Signal: undertriage (låg "
            "prioritet, senare inlagd, tidskritisk eller avliden) eller övertriage (Prio 1-ambulans, lämnad "
            "hemma) där intervallets nedre gräns passerar tröskeln — visas först vid minst %d ärenden.")
            % fig.min_cases)
        self._fill()

    def _fill(self) -> None:
        if self.figures is None:
            return
        by = self.group_by.currentData()
        groups = self.figures.endpoints if by == "endpoint" else self.figures.resource_types
        self.model.set_groups(groups, self.figures.min_cases, by)
        self.table.resizeColumnsToContents()
