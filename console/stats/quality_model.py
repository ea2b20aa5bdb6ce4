"""The quality table: one row per triage endpoint (code + rule-set version) or per resource type.

A thin adapter over outcomes.stats.GroupStats (the same rows as the quality report): rates are shown
with their Wilson intervals as outcomes.stats.Rate formats them, and the under/over-triage signals
are exactly GroupStats.signals — outcomes.stats decides them (never shown below the minimum count).
SORT_ROLE gives each cell a plain value so a QSortFilterProxyModel sorts numbers as numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont

from console.row_table_model import Index, RowTableModel, priority_short
from console.theme import PRIORITY_COLOURS
from outcomes.stats import GroupStats, Rate

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SIGNAL_BG = QColor("#6e1b1e")
SIGNAL_FG = QColor("#ffdcd7")
MUTED = QColor("#8b949e")

(COL_GROUP, COL_VERSION, COL_PRIO, COL_N, COL_CONVEYED, COL_HOME, COL_RECONTACT, COL_UNDER, COL_OVER,
 COL_SIGNAL) = range(10)
RATE_COLUMNS = {COL_CONVEYED: "conveyed", COL_HOME: "left_at_home", COL_RECONTACT: "recontact",
                COL_UNDER: "under_triage", COL_OVER: "over_triage"}
SIGNAL_COLUMNS = {"under_triage": COL_UNDER, "over_triage": COL_OVER}


def _t(text: str) -> str:
    return QCoreApplication.translate("QualityModel", text)


def signal_text(g: GroupStats, min_cases: int) -> str:
    """"⚠ Övertriage" (one or both signals), "–" (enough cases, no signal) or "för få ärenden (< 30)"."""
    if g.signals:
        return " · ".join(f"⚠ {s.label}" for s in g.signals)
    return "–" if g.enough_cases else _t("för få ärenden (< %d)") % min_cases


class QualityModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__((_t("Ändpunkt"), _t("Version"), _t("Prio"), _t("Antal"), _t("Konvertering"),
                          _t("Lämnad hemma"), _t("Återkontakt 72 h"), _t("Undertriage"), _t("Övertriage"),
                          _t("Signal")))
        self._rows: list[GroupStats] = []
        self.min_cases = 0
        self.group_by = "endpoint"
        self._bold = QFont()
        self._bold.setBold(True)

    def set_groups(self, groups: Sequence[GroupStats], min_cases: int, group_by: str = "endpoint") -> None:
        self.beginResetModel()
        self._rows = list(groups)
        self.min_cases = min_cases
        self.group_by = group_by
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, COL_GROUP, COL_VERSION)

    def group(self, row: int) -> GroupStats:
        return self._rows[row]

    def groups(self) -> list[GroupStats]:
        return list(self._rows)

    def row_of(self, code: str, version: str | None = None) -> int | None:
        """The row of an endpoint code (and version) or of a resource type code."""
        return next((i for i, g in enumerate(self._rows)
                     if (g.endpoint_code == code and (version is None or g.ruleset_version == version))
                     or g.resource_type == code), None)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and self.group_by == "resource_type" and section in (COL_GROUP, COL_VERSION)):
            return _t("Resurstyp") if section == COL_GROUP else _t("Kod")
        return super().headerData(section, orientation, role)

    def _signalled(self, g: GroupStats, col: int) -> bool:
        return any(SIGNAL_COLUMNS[s.kind] == col for s in g.signals)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        g = self._rows[index.row()]
        col = index.column()
        rate: Rate | None = getattr(g, RATE_COLUMNS[col]) if col in RATE_COLUMNS else None
        if role == Qt.ItemDataRole.DisplayRole:
            if rate is not None:
                return rate.text()
            return self._text(g, col)
        if role == SORT_ROLE:
            if rate is not None:
                return -1.0 if rate.value is None else rate.value
            if col == COL_N:
                return g.n
            if col == COL_SIGNAL:
                return 10 * len(g.signals) + int(g.enough_cases)
            return self._text(g, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= COL_N and col != COL_SIGNAL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and (self._signalled(g, col) or (col == COL_SIGNAL and g.signals)):
            return SIGNAL_BG
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._signalled(g, col) or (col == COL_SIGNAL and g.signals):
                return SIGNAL_FG
            if col == COL_PRIO and g.priority:
                return QColor(PRIORITY_COLOURS.get(g.priority, "#e6edf3"))
            if not g.enough_cases and col in (COL_N, COL_SIGNAL):
                return MUTED
        if role == Qt.ItemDataRole.FontRole and (col == COL_SIGNAL and g.signals or self._signalled(g, col)):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(g, rate, col)
        return None

    def _text(self, g: GroupStats, col: int) -> str:
        if col == COL_GROUP:
            return (g.endpoint_code or "") if g.group_by == "endpoint" else g.label
        if col == COL_VERSION:
            return (g.ruleset_version or "") if g.group_by == "endpoint" else (g.resource_type or "")
        if col == COL_PRIO:
            return priority_short(g.priority)
        if col == COL_N:
            return str(g.n)
        if col == COL_SIGNAL:
            return signal_text(g, self.min_cases)
        return ""

    def _tooltip(self, g: GroupStats, rate: Rate | None, col: int) -> str | None:
        if rate is not None and rate.value is not None:
            return _t("%d av %d ärenden · 95 %% konfidensintervall (Wilson) %s–%s") % (
                rate.k, rate.n, _pct(rate.low), _pct(rate.high))
        if col == COL_SIGNAL:
            if g.signals:
                return "\n".join(_t("%s: nedre gräns %s över tröskeln %s") % (s.label, _pct(s.rate.low),
                                                                         _pct(s.threshold)) for s in g.signals)
            if not g.enough_cases:
                return _t("Signaler visas först vid minst %d avslutade ärenden") % self.min_cases
        return None


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"
