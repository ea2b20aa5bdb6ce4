"""The lowest adequate resource and its alternatives, beside the triage, with the reasons.

The ranking is dispatch.recommend's; this panel only shows it. recommend() is
vectorised over a fleet snapshot (live from the dispatch feed bridge when the
window provides one, else the default fleet) and runs once per care-need change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from console.calltaking.wrapping_tree import WrappingDelegate
from dispatch.case_input import DispatchCase
from dispatch.fleet_view import FleetSnapshot, default_snapshot
from dispatch.recommend import recommend
from dispatch.recommendation_model import Option, ResourceRecommendation
from resources.care_need import CareNeed
from resources.patient_context import PatientContext
from resources.vocabulary import Priority


def _option_text(o: Option) -> str:
    who = o.unit_name or o.unit_id or o.type_name
    if o.kind == "remote":
        return f"{o.type_name}"
    eta = f"{o.eta_minutes:.0f} min"
    dist = f", {o.distance_km:.0f} km" if o.distance_km is not None else ""
    return f"{o.type_name} – {who} ({eta}{dist})"


class RecommendationPanel(QWidget):
    def __init__(self, snapshot_provider: Callable[[], FleetSnapshot] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._snapshot = snapshot_provider or default_snapshot
        self.current: ResourceRecommendation | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(self.tr("Lägsta tillräckliga resurs"), objectName="sectionTitle"))
        self.headline = QLabel(objectName="recommendedUnit")
        self.headline.setWordWrap(True)
        self.message = QLabel(objectName="recommendationMessage")
        self.message.setWordWrap(True)
        self.tree = QTreeWidget(objectName="recommendationTree")
        self.tree.setHeaderLabels([self.tr("Resurs"), self.tr("Skäl")])
        # The reasons are the point of this panel: they wrap instead of being cut off, and each
        # row's tooltip carries the whole text.
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 230)
        self.tree.setRootIsDecorated(True)
        lay.addWidget(self.headline)
        lay.addWidget(self.message)
        lay.addWidget(self.tree, 1)
        self.clear()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        """No: in the call's right-hand column this panel yields height (its tree scrolls) to the vital signs above
        it. Asked for the height its wrapped labels and tree want, the column held it as fixed too, and at 1366×768
        with a few lines of vital-sign reasons squeezed both — the vital signs cannot shrink, so their reasons were
        drawn over 'Lägsta tillräckliga resurs'."""
        return False

    def clear(self, text: str | None = None) -> None:
        self.current = None
        self.headline.setText(text or self.tr("Visas så snart vårdbehovet är känt."))
        self.message.setText("")
        self.tree.clear()

    def update_for(self, priority: Priority, care_need: CareNeed, kommun: str | None, lat: float | None,
                   lon: float | None, context: PatientContext, case_id: int | None = None) -> None:
        if kommun is None or lat is None or lon is None:
            self.clear(self.tr("Ange kommun för att få en resursrekommendation."))
            return
        try:
            case = DispatchCase(priority=priority, care_need=care_need, lat=lat, lon=lon, kommun=kommun,
                                context=context, case_id=case_id)
            rec = recommend(case, self._snapshot(), datetime.now(UTC))
        except (ValueError, KeyError) as exc:
            self.clear(self.tr("Ingen rekommendation: %s") % exc)
            return
        self.show_recommendation(rec)

    def show_recommendation(self, rec: ResourceRecommendation) -> None:
        self.current = rec
        self.tree.clear()
        primary = rec.parts[0]
        if primary.recommended is not None:
            self.headline.setText("➜ " + _option_text(primary.recommended))
        else:
            self.headline.setText(self.tr("Ingen tillräcklig resurs i tid – RLS bör kontaktas"))
        notes = [p.message for p in rec.parts if p.message] + list(rec.coverage_warnings)
        self.message.setText("\n".join(notes))
        for part in rec.parts:
            title = part.part or self.tr("Huvudbehov")
            top = QTreeWidgetItem([title, ", ".join(c.label for c in part.capabilities) or "–"])
            self.tree.addTopLevelItem(top)
            if part.recommended is not None:
                QTreeWidgetItem(top, ["★ " + _option_text(part.recommended), part.recommended.reason])
            for alt in part.alternatives:
                QTreeWidgetItem(top, [_option_text(alt), alt.reason])
            if part.fallback is not None:
                QTreeWidgetItem(top, [self.tr("Närmast: ") + _option_text(part.fallback.option),
                                      self.tr("saknar: ") + ", ".join(part.fallback.missing)])
            if part.passed_over:
                skipped = QTreeWidgetItem(top, [self.tr("Ej aktuella (%d)") % len(part.passed_over), ""])
                for p in part.passed_over:
                    QTreeWidgetItem(skipped, [p.type_name, p.reason])
                skipped.setExpanded(True)
            top.setExpanded(True)
        _add_tooltips(self.tree)
        self.tree.doItemsLayout()


def _add_tooltips(tree: QTreeWidget) -> None:
    def walk(item: QTreeWidgetItem) -> None:
        for col in range(item.columnCount()):
            if item.text(col):
                item.setToolTip(col, item.text(col))
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i))
