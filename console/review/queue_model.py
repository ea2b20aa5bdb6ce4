"""The RLS queue's table model: a thin adapter over a list of plain ReviewItem rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor

from console.complaint_names import complaint_name
from console.local_time import local_text
from console.row_table_model import Index, RowTableModel, priority_short
from console.theme import PRIORITY_COLOURS
from records.review_queue import ReviewItem


def _t(text: str) -> str:
    return QCoreApplication.translate("ReviewQueueModel", text)


class ReviewQueueModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__((_t("Orsak"), _t("Ärende"), _t("Prio"), _t("Kontaktorsak"), _t("Patient"), _t("Inkom"),
                          _t("Detalj")))
        self._rows: list[ReviewItem] = []

    def set_items(self, items: list[ReviewItem]) -> None:
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def item(self, row: int) -> ReviewItem:
        return self._rows[row]

    def row_of(self, review_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == review_id), None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.reason_label, "" if r.case_id is None else str(r.case_id), priority_short(r.priority), complaint_name(r.complaint),
                    r.patient, local_text(r.created_at, "%d/%m %H:%M"), r.detail.splitlines()[0]
                    if r.detail else "")[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 2 and r.priority:
            return QColor(PRIORITY_COLOURS.get(r.priority, "#e6edf3"))
        if role == Qt.ItemDataRole.ToolTipRole and col == 6:
            return r.detail
        return None
