"""Override the triage's priority (and/or transport need) — only with a reason, which RLS reviews."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from resources.care_need import CareNeed
from resources.vocabulary import Priority, TransportNeed


class OverrideDialog(QDialog):
    def __init__(self, priority: Priority, care_need: CareNeed, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Överstyr triageringen"))
        self._care_need = care_need
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("Reglerna gav %s. En överstyrning granskas av RLS-läkaren.") % priority.label))
        self.priority = QComboBox(objectName="overridePriority")
        for p in (Priority.P1, Priority.P2, Priority.P3, Priority.REFERRAL):
            self.priority.addItem(p.label, p)
        self.priority.setCurrentIndex(self.priority.findData(priority))
        self.transport = QComboBox(objectName="overrideTransport")
        for t in TransportNeed:
            self.transport.addItem(t.label, t)
        self.transport.setCurrentIndex(self.transport.findData(care_need.transport))
        self.reason = QPlainTextEdit(objectName="overrideReason")
        self.reason.setPlaceholderText(self.tr("Varför avviker du från reglerna? (krävs)"))
        self.error = QLabel(objectName="fieldError")
        form.addRow(self.tr("Prioritet"), self.priority)
        form.addRow(self.tr("Transportbehov"), self.transport)
        form.addRow(self.tr("Motivering"), self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Överstyr"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("En överstyrning kräver en motivering."))
            return
        self.accept()

    def chosen(self) -> tuple[Priority | None, CareNeed | None, str]:
        priority = Priority(self.priority.currentData())  # combo data of a StrEnum comes back as str
        transport = TransportNeed(self.transport.currentData())
        need = None
        if transport != self._care_need.transport:
            need = self._care_need.model_copy(update={"transport": transport})
        return priority, need, self.reason.toPlainText().strip()
