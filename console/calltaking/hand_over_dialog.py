"""Choose the colleague an unfinished call is handed over to at shift change (the active nurses but oneself)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from records.triage_store import Colleague


class HandOverDialog(QDialog):
    def __init__(self, case_id: int, colleagues: list[Colleague], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("handOverDialog")
        self.setWindowTitle(self.tr("Lämna över samtalet"))
        text = QLabel(self.tr("Vem tar över ärende %d? Samtalet försvinner från din konsol och öppnas hos "
                              "kollegan nästa gång hen loggar in eller byter användare. Överlämningen loggas.")
                      % case_id)
        text.setWordWrap(True)
        self.colleagues = QListWidget(objectName="handOverColleagues")
        for c in colleagues:
            label = f"{c.display_name} ({c.username})" if c.display_name != c.username else c.username
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, c.username)
            self.colleagues.addItem(item)
        self.colleagues.setCurrentRow(0)
        self.colleagues.itemDoubleClicked.connect(lambda _i: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Lämna över"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.colleagues, 1)
        lay.addWidget(buttons)
        self.colleagues.setFocus()

    def chosen(self) -> str | None:
        item = self.colleagues.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def choose(self, username: str) -> None:
        for row in range(self.colleagues.count()):
            if self.colleagues.item(row).data(Qt.ItemDataRole.UserRole) == username:
                self.colleagues.setCurrentRow(row)
                return
        raise LookupError(username)
