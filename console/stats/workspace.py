"""Statistics for the shift or a chosen period. A key-figure strip (Prio 1 share, left at home by a
Prio 1 ambulance, follow-ups done and overdue, recontacts), then three tabs: "Översikt" (pyqtgraph:
cases per hour, priority distribution, time from call to assignment, resource mix, outcome rates per
priority), "Kvalitet per ändpunkt" (the time intervals, and per endpoint or resource type the
rates with Wilson intervals and the under/over-triage signals) and "Per team" (the enrolled patients' calls per
mobile team and ASIH: at home, ED, admitted, plan followed).

The figures are outcomes.report's (the same as the quality report); this view only draws them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pyqtgraph as pg
from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from console.errors import user_message
from console.local_time import local, local_today
from console.stats.key_figures import KeyFiguresStrip
from console.stats.quality_pane import QualityPane
from console.stats.team_pane import TeamPane
from console.tasks import DbExecutor, DbOp
from console.theme import PRIORITY_COLOURS
from outcomes.codes import OutcomeGroup
from outcomes.facts import CaseFacts, collect_case_facts
from outcomes.recontact import recontact_window
from outcomes.report import QualityFigures, period_bounds, quality_figures
from outcomes.settings import OutcomeSettings, outcome_settings
from records.actor import Actor
from resources.vocabulary import Priority

PRIORITIES = (Priority.P1, Priority.P2, Priority.P3, Priority.REFERRAL)
GROUP_COLOURS = {OutcomeGroup.CONVEYED: "#79c0ff", OutcomeGroup.LEFT_AT_HOME: "#f5a623",
                 OutcomeGroup.REFERRED: "#d2a8ff", OutcomeGroup.OTHER: "#8b949e"}


class StatsWorkspace(QWidget):
    message = Signal(str)

    def __init__(self, actor: Actor, executor: DbExecutor, parent: QWidget | None = None, *,
                 settings: OutcomeSettings | None = None):
        super().__init__(parent)
        self.setObjectName("statsWorkspace")
        self.actor, self.executor = actor, executor
        self.settings = settings or outcome_settings()
        self.figures: QualityFigures | None = None
        self.facts: list[CaseFacts] = []
        pg.setConfigOptions(antialias=True, background="#0d1117", foreground="#c9d1d9")
        self.period = QComboBox(objectName="statsPeriod")
        self.period.addItem(self.tr("Skiftet (i dag)"), 0)
        self.period.addItem(self.tr("Senaste 7 dagarna"), 7)
        self.period.addItem(self.tr("Senaste 30 dagarna"), 30)
        self.period.addItem(self.tr("Vald period"), -1)
        today = local_today()
        today_q = QDate(today.year, today.month, today.day)
        self.date_from = QDateEdit(today_q.addDays(-7), calendarPopup=True)
        self.date_to = QDateEdit(today_q, calendarPopup=True)
        for d in (self.date_from, self.date_to):
            d.setDisplayFormat("yyyy-MM-dd")  # Swedish standard date, whatever the machine's locale
        refresh = QPushButton(self.tr("Uppdatera (F5)"))
        refresh.clicked.connect(self.refresh)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.summary = QLabel(objectName="sectionTitle")
        bar = QHBoxLayout()
        for w in (QLabel(self.tr("Period:")), self.period, self.date_from, QLabel("–"), self.date_to, refresh):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        self.graphs = pg.GraphicsLayoutWidget()
        self.per_hour = self.graphs.addPlot(title=self.tr("Ärenden per timme"))
        self.prio = self.graphs.addPlot(title=self.tr("Prioritetsfördelning"))
        self.to_assign = self.graphs.addPlot(title=self.tr("Tid från samtal till dirigering (min)"))
        self.graphs.nextRow()
        self.mix = self.graphs.addPlot(title=self.tr("Resursmix (avslutade ärenden)"), colspan=2)
        self.outcome = self.graphs.addPlot(title=self.tr("Utfall per prioritet (andel)"))
        self.outcome_legend = self.outcome.addLegend(offset=(5, 5), colCount=2)  # above the bars (y to 1.5)
        for p in (self.per_hour, self.prio, self.to_assign, self.mix, self.outcome):
            p.showGrid(x=False, y=True, alpha=0.2)
            p.setMenuEnabled(False)
            p.setMouseEnabled(x=False, y=False)
        self.mix.getAxis("bottom").setHeight(46)  # room for two-line type names
        self.key_figures = KeyFiguresStrip(recontact_window().total_seconds() / 3600)
        self.quality = QualityPane()
        self.tabs = QTabWidget(objectName="statsTabs")
        self.tabs.addTab(self.graphs, self.tr("Översikt"))
        self.tabs.addTab(self.quality, self.tr("Kvalitet per ändpunkt"))
        self.teams = TeamPane()
        self.tabs.addTab(self.teams, self.tr("Per team"))
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.key_figures)
        lay.addWidget(self.tabs, 1)
        self._period_changed()
        self.executor.changed.connect(lambda topic: self.refresh() if topic == "cases" and self.isVisible() else None)

    def _period_changed(self) -> None:
        custom = self.period.currentData() == -1
        self.date_from.setEnabled(custom)
        self.date_to.setEnabled(custom)

    def bounds(self) -> tuple[date, date]:
        days = self.period.currentData()
        today = local_today()
        if days == -1:
            return self.date_from.date().toPython(), self.date_to.date().toPython()  # type: ignore[return-value]
        return today - timedelta(days=days), today

    def refresh(self) -> None:
        d_from, d_to = self.bounds()

        def job(s: Session) -> tuple[QualityFigures, list[CaseFacts]]:
            lo, hi = period_bounds(d_from, d_to)
            return quality_figures(s, d_from, d_to, settings=self.settings), collect_case_facts(s, lo, hi)

        DbOp(self.executor, job).success(self._show).failure(lambda e: self.message.emit(user_message(e))).run()

    def _show(self, result: tuple[QualityFigures, list[CaseFacts]]) -> None:
        self.figures, self.facts = result
        fig = self.figures
        self.summary.setText(self.tr("%s – %s · %d ärenden") % (fig.period_from, fig.period_to, fig.n_cases))
        self.key_figures.show_figures(fig)
        self.quality.show_figures(fig)
        self.teams.show_teams(fig.teams)
        self._draw_per_hour()
        self._draw_priorities()
        self._draw_to_assignment()
        self._draw_mix()
        self._draw_outcomes()

    def _draw_per_hour(self) -> None:
        hours = Counter(local(f.created_at).hour for f in self.facts)
        self.per_hour.clear()
        self.per_hour.addItem(pg.BarGraphItem(x=list(range(24)), height=[hours.get(h, 0) for h in range(24)],
                                              width=0.8, brush="#1f6feb"))
        self.per_hour.getAxis("bottom").setTicks([[(h, f"{h:02d}") for h in range(0, 24, 3)]])

    def _draw_priorities(self) -> None:
        assert self.figures is not None
        counts = self.figures.priority_counts
        self.prio.clear()
        for i, p in enumerate(PRIORITIES):
            self.prio.addItem(pg.BarGraphItem(x=[i], height=[counts.get(p.value, 0)], width=0.7,
                                              brush=PRIORITY_COLOURS[p.value]))
        self.prio.getAxis("bottom").setTicks([[(i, p.label) for i, p in enumerate(PRIORITIES)]])

    def _draw_to_assignment(self) -> None:
        minutes = [(f.first_assigned_at - f.created_at).total_seconds() / 60 for f in self.facts
                   if f.first_assigned_at is not None]
        self.to_assign.clear()
        if not minutes:
            return
        edges = [0, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120]
        counts = [sum(1 for m in minutes if lo <= m < hi) for lo, hi in zip(edges, edges[1:] + [1e9], strict=True)]
        self.to_assign.addItem(pg.BarGraphItem(x=list(range(len(edges))), height=counts, width=0.8, brush="#a371f7"))
        self.to_assign.getAxis("bottom").setTicks([[(i, f"{e}+" if i == len(edges) - 1 else f"{e}")
                                                    for i, e in enumerate(edges)]])

    def _draw_mix(self) -> None:
        assert self.figures is not None
        rows = self.figures.resource_mix
        self.mix.clear()
        self.mix.addItem(pg.BarGraphItem(x=list(range(len(rows))), height=[r.cases for r in rows], width=0.7,
                                         brush="#3fb950"))
        self.mix.getAxis("bottom").setTicks([[(i, _short(r.label)) for i, r in enumerate(rows)]])

    def _draw_outcomes(self) -> None:
        self.outcome.clear()
        legend = self.outcome_legend
        legend.clear()
        per: dict[str, Counter[OutcomeGroup]] = {p.value: Counter() for p in PRIORITIES}
        for f in self.facts:
            if f.priority in per and f.outcome is not None:
                per[f.priority][f.outcome.group] += 1
        bottoms = [0.0] * len(PRIORITIES)
        for group, colour in GROUP_COLOURS.items():
            heights = []
            for p in PRIORITIES:
                total = sum(per[p.value].values())
                heights.append(per[p.value][group] / total if total else 0.0)
            item = pg.BarGraphItem(x=list(range(len(PRIORITIES))), height=heights, y0=bottoms, width=0.7,
                                   brush=colour, name=group.label)
            self.outcome.addItem(item)  # a named item goes into the plot's legend by itself (once)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        self.outcome.getAxis("bottom").setTicks([[(i, p.label) for i, p in enumerate(PRIORITIES)]])
        self.outcome.setYRange(0, 1.5)  # the legend's two rows above the bars, at 1366×768 too
        self.outcome.getAxis("left").setTicks([[(v / 5, f"{20 * v} %") for v in range(6)]])


def _short(label: str, width: int = 18) -> str:
    """A bar label on at most two lines of about `width` characters (broken at spaces)."""
    if len(label) <= width:
        return label
    words, lines = label.split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width:
            lines.append(w)
        else:
            lines[-1] = f"{lines[-1]} {w}".strip()
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return "\n".join(line if len(line) <= width else line[:width - 1] + "…" for line in lines)
