"""The Planering view's KPI table: one row per KPI of a finished region-replay comparison, the report's estimate
beside the KPI's name (in view on a 1366 px screen, where six variants' columns scroll) and the variants as columns
(mean with its 95 % interval over seeds). A thin adapter over replay.comparison's
rows: the texts are replay.comparison's, so the table reads as the PDF does. SORT_ROLE gives plain values (a KPI's
place in the report's order for the first column, numbers for the others) so the proxy sorts numbers as numbers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from console.row_table_model import Index, RowTableModel
from replay.comparison import KpiRow, estimate_text, report_text

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COL_KPI = 0
COL_REPORT = 1
FIRST_VARIANT = 2


def _t(text: str) -> str:
    return QCoreApplication.translate("PlanningModel", text)


class PlanningModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__((_t("Mått"), _t("Rapportens skattning")))
        self._rows: list[list[KpiRow]] = []  # per KPI: its row of each variant, in the variants' order
        self.variants: list[str] = []

    def set_rows(self, rows: list[KpiRow]) -> None:
        """The comparison's rows (one per KPI and variant, as replay.comparison.read_comparison gives them)."""
        self.beginResetModel()
        self.variants = list(dict.fromkeys(r.variant for r in rows))
        by_kpi: dict[str, list[KpiRow]] = {}
        for r in rows:
            by_kpi.setdefault(r.kpi, []).append(r)
        self._rows = list(by_kpi.values())
        self._columns = (_t("Mått"), _t("Rapportens skattning"), *self.variants)
        self.endResetModel()

    def kpi_rows(self, row: int) -> list[KpiRow]:
        return list(self._rows[row])

    def row_of(self, kpi: str) -> int | None:
        return next((i for i, rs in enumerate(self._rows) if rs[0].kpi == kpi), None)

    def _report(self, rs: list[KpiRow]) -> str:
        return "; ".join(f"{r.variant}: {report_text(r)}" for r in rs if r.report is not None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rs, col = self._rows[index.row()], index.column()
        cell = rs[col - FIRST_VARIANT] if FIRST_VARIANT <= col < FIRST_VARIANT + len(rs) else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_KPI:
                return rs[0].label
            if cell is not None:
                return estimate_text(cell.estimate, cell.kind)
            return self._report(rs)
        if role == SORT_ROLE:
            if col == COL_KPI:
                return index.row()
            if cell is not None:
                return cell.estimate.mean if cell.estimate.mean is not None else float("-inf")
            return self._report(rs)
        if role == Qt.ItemDataRole.TextAlignmentRole and cell is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if cell is not None:
                e = cell.estimate
                if e.n > 1:
                    return _t("Medel över %d frön med 95 %% konfidensintervall (t-fördelning)") % e.n
                return _t("Ett frö: inget konfidensintervall") if e.n == 1 else _t("Inte definierat i körningen")
            if col == COL_REPORT:
                return "\n".join(f"{r.variant}: {r.report_text}" for r in rs if r.report is not None) or None
        return None
