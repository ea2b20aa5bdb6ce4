"""The assignment dialog: the ranked recommendation with reasons, one key to send the recommended
unit, a reason when choosing another, and a confirmation naming the case a busy unit leaves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.complaint_names import complaint_name
from console.fleet_model import UnitRow
from dispatch.recommendation_model import Option, PartRecommendation, ResourceRecommendation
from records.cases import CaseView
from resources.vocabulary import UnitStatus

OPTION_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class AssignChoice:
    part: str
    unit_id: str
    recommended: bool
    deviation_reason: str | None
    confirm_leave_case: int | bool
    unit_status: UnitStatus | None
    reassign: bool  # the part already has a unit: swap it (recall + assign)


def part_title(p: PartRecommendation) -> str:
    return "Huvudinsats" if not p.part else f"Del: {p.part}"


def option_text(o: Option) -> list[str]:
    eta = "–" if o.kind == "remote" else f"{o.eta_minutes:.0f} min"
    status = "ingen kontakt" if o.stale else (o.unit_status.label if o.unit_status else "")
    if o.current_case_id is not None:
        status += f", på ärende {o.current_case_id}"
    name = o.unit_name or o.type_name
    return [f"{o.unit_id or '—'}  {name}", o.type_name, eta, status, o.reason]


def is_busy(o: Option, case_id: int) -> int | None:
    """The case a busy unit would leave, else None."""
    if o.current_case_id is not None and o.current_case_id != case_id:
        return o.current_case_id
    return None


class AssignDialog(QDialog):
    """Build with the case, its recommendation and the parts already assigned ({part: unit_id})."""

    def __init__(self, case: CaseView, rec: ResourceRecommendation, assigned_parts: dict[str, str],
                 lookup: Callable[[str], UnitRow | None] = lambda _id: None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("assignDialog")
        self.case, self.rec, self.assigned_parts, self._lookup = case, rec, assigned_parts, lookup
        prio = rec.priority.label
        self.setWindowTitle(self.tr("Dirigera ärende %d") % case.id)
        head = QLabel(self.tr("Ärende %d · %s · %s · %s") % (case.id, prio, case.kommun or "", complaint_name(case.complaint)))
        head.setObjectName("assignHeading")
        f = head.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        head.setFont(f)

        self.tree = QTreeWidget(objectName="assignOptions")
        self.tree.setHeaderLabels([self.tr("Enhet"), self.tr("Typ"), self.tr("Framme"), self.tr("Status"),
                                   self.tr("Skäl")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        bold = QFont()
        bold.setBold(True)
        self._items: list[QTreeWidgetItem] = []
        first: QTreeWidgetItem | None = None
        for p in rec.parts:
            held = assigned_parts.get(p.part)
            title = part_title(p) + (f" – har redan {held} (byte)" if held else "")
            header = QTreeWidgetItem([title, "", "", "", p.message])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            header.setFont(0, bold)
            self.tree.addTopLevelItem(header)
            for rank, o in enumerate(p.ranking()):
                item = QTreeWidgetItem(option_text(o))
                item.setData(0, OPTION_ROLE, (p.part, o, rank == 0 and o is p.recommended))
                if o is p.recommended:
                    item.setText(0, "★ " + item.text(0))
                    for c in range(5):
                        item.setFont(c, bold)
                if o.unit_id is None:
                    item.setFlags(Qt.ItemFlag.NoItemFlags)  # a remote type: nothing to dispatch here
                elif not o.in_time or o.stale:
                    item.setForeground(2, QColor("#f5a623"))
                self.tree.addTopLevelItem(item)
                self._items.append(item)
                if first is None and o.unit_id is not None:
                    first = item
        self.tree.header().setStretchLastSection(True)
        self.tree.resizeColumnToContents(0)

        passed = []
        for p in rec.parts:
            passed += [f"{part_title(p)}: {x.text}" for x in p.passed_over]
            if p.coverage_warning:
                passed.append("⚠ " + p.coverage_warning)
        self.passed = QPlainTextEdit("\n".join(passed), objectName="assignPassedOver")
        self.passed.setReadOnly(True)
        self.passed.setMaximumHeight(110)

        self.other = QLineEdit(objectName="assignOtherUnit")
        self.other.setPlaceholderText(self.tr("Annan enhet: skriv enhetens id (t.ex. AMB-012), "
                                              "eller dubbelklicka på den i enhetstavlan"))
        self.other.textChanged.connect(lambda _t: self._on_current())
        self.reason = QLineEdit(objectName="assignReason")
        self.reason.setPlaceholderText(self.tr("Skäl för att välja annan enhet än rekommendationen (granskas av RLS)"))
        self.busy_box = QCheckBox(objectName="assignConfirmBusy")
        self.busy_box.setVisible(False)
        self.error = QLabel(objectName="assignError")
        self.error.setStyleSheet("color: #ff7b72; font-weight: bold;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("Dirigera"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        buttons.addButton(self.tr("Avbryt"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(QLabel(self.tr("Rekommendation (★ = lägsta tillräckliga resurs). Enter dirigerar den valda; "
                                        "siffertangent 1–9 väljer alternativ.")))
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel(self.tr("Förbigångna resurstyper:")))
        layout.addWidget(self.passed)
        layout.addWidget(self.other)
        layout.addWidget(self.reason)
        layout.addWidget(self.busy_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for n in range(1, 10):
            QShortcut(QKeySequence(str(n)), self, activated=lambda n=n: self.select_rank(n - 1))
        self.tree.currentItemChanged.connect(self._on_current)
        if first is not None:
            self.tree.setCurrentItem(first)
        else:
            self.ok.setEnabled(False)
            self.error.setText(self.tr("Det finns ingen enhet att dirigera för det här ärendet."))
        self.resize(980, 560)

    # --- choosing -------------------------------------------------------------------------------
    def select_rank(self, i: int) -> None:
        selectable = [it for it in self._items if it.flags() & Qt.ItemFlag.ItemIsEnabled]
        if 0 <= i < len(selectable):
            self.tree.setCurrentItem(selectable[i])

    def select_unit(self, unit_id: str) -> bool:
        for it in self._items:
            data = it.data(0, OPTION_ROLE)
            if data and data[1].unit_id == unit_id and it.flags() & Qt.ItemFlag.ItemIsEnabled:
                self.tree.setCurrentItem(it)
                return True
        return False

    def _current(self) -> tuple[str, Option, bool] | None:
        it = self.tree.currentItem()
        data = it.data(0, OPTION_ROLE) if it is not None else None
        return data if data and data[1].unit_id else None

    def _target(self) -> tuple[str, str, bool, int | None, UnitStatus | None] | str | None:
        """(part, unit id, is the recommended one, case a busy unit leaves, live status), or a Swedish
        error, or None when nothing is chosen. A typed unit id wins over the list."""
        cur = self._current()
        typed = self.other.text().strip().upper()
        if typed:
            row = self._lookup(typed)
            if row is None:
                return self.tr("Okänd enhet %s.") % typed
            part = cur[0] if cur else self.rec.parts[0].part
            p = self.rec.part(part)
            recommended = p.recommended is not None and p.recommended.unit_id == typed
            leaves = row.case_id if row.case_id is not None and row.case_id != self.case.id else None
            return part, typed, recommended, leaves, None if row.stale else row.status
        if cur is None:
            return None
        part, o, recommended = cur
        assert o.unit_id is not None
        return part, o.unit_id, recommended, is_busy(o, self.case.id), None if o.stale else o.unit_status

    def _on_current(self, *_args: object) -> None:
        self.error.clear()
        t = self._target()
        if not isinstance(t, tuple):
            self.busy_box.setVisible(False)
            return
        _part, unit_id, recommended, leaves, _status = t
        self.reason.setEnabled(not recommended)
        if not recommended and not self.other.hasFocus():
            self.reason.setFocus()
        if leaves != self.busy_box.property("leaves"):
            self.busy_box.setChecked(False)
            self.busy_box.setProperty("leaves", leaves)
        self.busy_box.setVisible(leaves is not None)
        if leaves is not None:
            self.busy_box.setText(self.tr("%s är upptagen med ärende %d. Bekräfta att enheten lämnar ärende %d "
                                          "(det går tillbaka till väntrummet).") % (unit_id, leaves, leaves))

    def choice(self) -> AssignChoice | None:
        t = self._target()
        if not isinstance(t, tuple):
            return None
        part, unit_id, recommended, leaves, status = t
        return AssignChoice(part=part, unit_id=unit_id, recommended=recommended,
                            deviation_reason=None if recommended else self.reason.text().strip() or None,
                            confirm_leave_case=leaves if leaves is not None and self.busy_box.isChecked() else False,
                            unit_status=status, reassign=part in self.assigned_parts)

    def accept(self) -> None:
        t = self._target()
        if isinstance(t, str):
            self.error.setText(t)
            return
        c = self.choice()
        if c is None or t is None:
            self.error.setText(self.tr("Välj en enhet att dirigera."))
            return
        if not c.recommended and not c.deviation_reason:
            self.error.setText(self.tr("Du har valt en annan enhet än rekommendationen: skriv ett skäl."))
            self.reason.setFocus()
            return
        if t[3] is not None and not self.busy_box.isChecked():
            self.error.setText(self.tr("Enheten är upptagen: bekräfta att den lämnar ärende %d.") % t[3])
            self.busy_box.setFocus()
            return
        super().accept()
