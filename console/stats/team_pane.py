"""The "Per team" tab: for each mobile team and ASIH, how often its patients' calls ended at home, at the emergency
department or admitted, and how often the patient's own plan was followed — so the teams and RLS can revise plans.
A thin adapter over outcomes.stats.TeamStats (the report's figures, QualityFigures.teams); the definitions are in
docs/outcomes.md, "Per team"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.row_table_model import Index, RowTableModel
from console.stats.sorted_table import sorted_table
from outcomes.stats import Rate, TeamStats

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
(COL_TEAM, COL_N, COL_HOME, COL_ED, COL_ADMITTED, COL_PLAN, COL_NOT_APPLICABLE, COL_NOT_ASKED) = range(8)
RATE_COLUMNS = {COL_HOME: "at_home", COL_ED: "emergency_department", COL_ADMITTED: "admitted",
                COL_PLAN: "plan_followed"}


def _t(text: str) -> str:
    return QCoreApplication.translate("TeamModel", text)


class TeamModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__((_t("Team"), _t("Antal"), _t("Hemma"), _t("Akutmottagning"), _t("Inlagd"),
                          _t("Planen följd"), _t("Ej tillämpligt"), _t("Ej besvarad")))
        self._rows: list[TeamStats] = []

    def set_teams(self, teams: Sequence[TeamStats]) -> None:
        self.beginResetModel()
        self._rows = list(teams)
        self.endResetModel()

    def teams(self) -> list[TeamStats]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        t = self._rows[index.row()]
        col = index.column()
        rate: Rate | None = getattr(t, RATE_COLUMNS[col]) if col in RATE_COLUMNS else None
        if role == Qt.ItemDataRole.DisplayRole:
            return rate.text() if rate is not None else self._text(t, col)
        if role == SORT_ROLE:
            if rate is not None:
                return -1.0 if rate.value is None else rate.value
            return t.team if col == COL_TEAM else int(self._text(t, col))
        if role == Qt.ItemDataRole.TextAlignmentRole and col != COL_TEAM:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and rate is not None and rate.value is not None:
            what = _t("besvarade (ja eller nej)") if col == COL_PLAN else _t("ärenden")
            return _t("%d av %d %s · 95 %% konfidensintervall (Wilson) %.0f–%.0f %%") % (
                rate.k, rate.n, what, 100 * rate.low, 100 * rate.high)
        return None

    @staticmethod
    def _text(t: TeamStats, col: int) -> str:
        if col == COL_TEAM:
            return t.team
        if col == COL_N:
            return str(t.n)
        if col == COL_NOT_APPLICABLE:
            return str(t.plan_not_applicable)
        if col == COL_NOT_ASKED:
            return str(t.plan_not_asked)
        return ""


class TeamPane(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="statsTeams")
        self.note = QLabel(self.tr(
            "Avslutade ärenden för patienter i ett mobilt team eller ASIH, per team vid tillfället (vårdplanens team, "
            "annars ASIH, annars det mobila teamet). Hemma: lämnad hemma. Akutmottagning: transporterad till akuten. "
            "Inlagd: direkt till avdelning eller inlagd enligt senare fakta. Planen följd: av dem där frågan besvarades "
            "ja eller nej när ärendet avslutades. Andelar med 95 % konfidensintervall (Wilson)."),
            objectName="teamNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8b949e;")
        self.model = TeamModel()
        self.proxy, self.table = sorted_table(self.model, sort_role=SORT_ROLE, sort_column=COL_TEAM,
                                              object_name="teamTable", parent=self)
        self.empty = QLabel(self.tr("Inga avslutade ärenden för patienter i ett mobilt team eller ASIH under "
                                    "perioden."), objectName="teamEmpty")
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.empty)
        lay.addWidget(self.table, 1)

    def show_teams(self, teams: Sequence[TeamStats]) -> None:
        self.model.set_teams(teams)
        self.empty.setVisible(not teams)
        self.table.resizeColumnsToContents()
