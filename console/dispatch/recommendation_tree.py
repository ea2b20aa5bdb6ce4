"""The recommendation for the selected case as a tree: one heading per part of the care need, under
it the unit already assigned (✓) or the ranked options with the recommended one starred (★)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from console.calltaking.wrapping_tree import WrappingDelegate
from console.dispatch.assign_dialog import option_text, part_title
from console.fleet_model import UnitRow
from dispatch.recommendation_model import ResourceRecommendation

SHOWN_OPTIONS = 4  # per part; the dialog shows them all
COLUMN_CAPS = (230, 110, 70, 140)  # widest Enhet, Typ, Framme, Status: leave room for the reasons
PLAN_ROLE = Qt.ItemDataRole.UserRole + 7  # marks the row with the patient's plan statement
REASONS_LEAST = 90  # px the reasons keep when the tree is narrow (väntrummet's column at 1366 px): the others wrap


class RecommendationTree(QTreeWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="recommendationTree")
        self.setHeaderLabels([self.tr("Enhet"), self.tr("Typ"), self.tr("Framme"), self.tr("Status"),
                              self.tr("Skäl")])
        self.setRootIsDecorated(False)
        self.setItemDelegate(WrappingDelegate(self))  # reasons wrap, not cut off

    def show_message(self, text: str) -> None:
        """No recommendation: one row saying why."""
        self.clear()
        QTreeWidgetItem(self, [text, "", "", "", ""])

    def show_recommendation(self, rec: ResourceRecommendation, assigned_parts: dict[str, str],
                            unit_by_id: Callable[[str], UnitRow | None]) -> None:
        self.clear()
        for p in rec.parts:
            held = assigned_parts.get(p.part)
            title = QTreeWidgetItem(self, [part_title(p) + (f" – dirigerad: {held}" if held else "")])
            title.setFirstColumnSpanned(True)  # a heading across the tree, not a tall row in a narrow column
            title.setToolTip(0, p.message)
            bold = title.font(0)
            bold.setBold(True)
            title.setFont(0, bold)
            if held:  # the part has its unit: show that one, no longer a ★ recommendation
                QTreeWidgetItem(self, self._held_row(held, unit_by_id(held)))
                continue
            for i, o in enumerate(p.ranking()[:SHOWN_OPTIONS]):
                item = QTreeWidgetItem(self, option_text(o))
                if i == 0 and o is p.recommended:
                    item.setText(0, "★ " + item.text(0))
            if p.coverage_warning:
                warn = QTreeWidgetItem(self, ["⚠ " + p.coverage_warning])
                warn.setFirstColumnSpanned(True)
        if rec.plan is not None:  # what the ★ did with the patient's own plan (docs/recommendation.md)
            plan = QTreeWidgetItem(self, [" ".join(f"{t}." for t in (rec.plan.text, *rec.plan.notes))])
            plan.setFirstColumnSpanned(True)
            plan.setData(0, PLAN_ROLE, True)
        self._fit_columns()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Each column as wide as its contents up to its cap; when that leaves the reasons less than REASONS_LEAST
        (at 1366 px the status and the reasons were off to the right), all four narrow in proportion and wrap."""
        for col, widest in enumerate(COLUMN_CAPS):
            self.resizeColumnToContents(col)
            self.setColumnWidth(col, min(self.columnWidth(col), widest))
        header = self.header()  # the stretched last section never goes below the header's default size
        room = self.viewport().width() - max(REASONS_LEAST, header.defaultSectionSize(), header.minimumSectionSize())
        used = sum(self.columnWidth(col) for col in range(len(COLUMN_CAPS)))
        if used > room > 0:
            for col in range(len(COLUMN_CAPS)):
                self.setColumnWidth(col, max(40, self.columnWidth(col) * room // used))

    def _held_row(self, unit_id: str, u: UnitRow | None) -> list[str]:
        """The row for a unit already assigned to the selected case, with its live status."""
        if u is None:
            return [f"✓ {unit_id}", "", "", "", self.tr("Dirigerad till ärendet")]
        status = self.tr("ingen kontakt") if u.stale else (u.status_label or (u.status.label if u.status else ""))
        return [f"✓ {unit_id}  {u.name}", u.type_name, "", status, self.tr("Dirigerad till ärendet")]
