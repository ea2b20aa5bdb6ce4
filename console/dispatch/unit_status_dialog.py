"""The dialog for a unit status set by hand (reported by radio or phone): only the changes the transition graph
allows from the status the board shows, and a reason, which is required and audited."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commands.dispatching import STATUS_REASON_MAX
from console.fleet_model import UnitRow
from dispatch.status import TRANSITIONS
from resources.vocabulary import UnitStatus

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
MISSION = frozenset({UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING, UnitStatus.AT_HOSPITAL})


def current_status(row: UnitRow) -> UnitStatus:
    """The status a change starts from: the one the board shows (never heard from: ledig på station, as the
    record assumes)."""
    return row.status or UnitStatus.AVAILABLE_AT_STATION


def manual_targets(current: UnitStatus) -> list[UnitStatus]:
    """The statuses a dispatcher may set by hand from `current`, in status order. "Larmad" is not among them: a
    unit is alerted by dispatching it to a case (D)."""
    return [s for s in UnitStatus if s in TRANSITIONS[current] and s is not UnitStatus.ALERTED]


class UnitStatusDialog(QDialog):
    """`choice()` -> (new status, reason) once both are given, else None with the reason shown in the dialog."""

    def __init__(self, row: UnitRow, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("unitStatusDialog")
        self.setMinimumWidth(440)
        self.row = row
        self.current = current_status(row)
        self.setWindowTitle(self.tr("Ändra status – %s") % row.id)
        where = self.tr(", ärende %d") % row.case_id if row.case_id is not None else ""
        head = QLabel(self.tr("%s · %s · %s\nNu: %s%s") % (row.id, row.type_name, row.name, self.current.label, where),
                      objectName="unitStatusHeading")
        f = head.font()
        f.setBold(True)
        head.setFont(f)
        self.statuses = QListWidget(objectName="unitStatusChoices")
        for s in manual_targets(self.current):
            item = QListWidgetItem(s.label)
            item.setData(STATUS_ROLE, s.value)
            self.statuses.addItem(item)
        if self.statuses.count() == 1:  # more than one: the dispatcher chooses, nothing is preselected
            self.statuses.setCurrentRow(0)
        self.statuses.setMaximumHeight(self.statuses.sizeHintForRow(0) * max(1, self.statuses.count()) + 8)
        self.reason = QLineEdit(objectName="unitStatusReason")
        self.reason.setMaxLength(STATUS_REASON_MAX)
        self.reason.setPlaceholderText(self.tr("t.ex. ”Radio: på plats” eller ”Fordonet på verkstad”"))
        self.error = QLabel(objectName="unitStatusError")
        self.error.setStyleSheet("color: #e5484d; font-weight: bold;")
        self.error.setWordWrap(True)
        text = self.tr("Endast tillåtna statusändringar visas. Larma en enhet genom att dirigera den (D).")
        if row.case_id is not None:
            text += self.tr(" Ledig avslutar enhetens uppdrag på ärende %d (som R: ärendet går tillbaka till "
                            "väntrummet; du får frågan först). Är ärendet klart: registrera utfallet (A).") % row.case_id
        note = QLabel(text)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Ändra status"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(QLabel(self.tr("Ny status:")))
        layout.addWidget(self.statuses)
        layout.addWidget(QLabel(self.tr("Skäl (krävs, sparas i loggen):")))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def select_status(self, status: UnitStatus) -> bool:
        for i in range(self.statuses.count()):
            if self.statuses.item(i).data(STATUS_ROLE) == status.value:
                self.statuses.setCurrentRow(i)
                return True
        return False

    def offered(self) -> list[UnitStatus]:
        return [UnitStatus(self.statuses.item(i).data(STATUS_ROLE)) for i in range(self.statuses.count())]

    def choice(self) -> tuple[UnitStatus, str] | None:
        item = self.statuses.currentItem()
        if item is None or not item.isSelected():
            self.error.setText(self.tr("Välj den nya statusen.") if self.statuses.count()
                               else self.tr("Från %s kan statusen inte ändras för hand.") % self.current.label)
            return None
        reason = self.reason.text().strip()
        if not reason:
            self.error.setText(self.tr("Ange ett skäl till statusändringen."))
            self.reason.setFocus()
            return None
        self.error.clear()
        return UnitStatus(item.data(STATUS_ROLE)), reason

    def accept(self) -> None:
        if self.choice() is not None:
            super().accept()
