"""The strip above väntrummet that names the alert the acknowledge key takes next (and how many more wait), with the
button that acknowledges it. Hidden while there is nothing to acknowledge; it only shows dispatch.alerts.AlertBoard."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from dispatch.alerts import AlertBoard, AlertKind

ACK_KEY = "F2"  # console.shortcuts: "Kvittera larm"
STYLE = {AlertKind.NEW_PRIO1: "#c62828", AlertKind.TARGET_PASSED: "#b45309", AlertKind.FEED_LOST: "#8e1519",
         AlertKind.UNIT_UNACKNOWLEDGED: "#c62828", AlertKind.UNIT_DECLINED: "#b45309"}


class AlertStrip(QWidget):
    acknowledge = Signal()

    def __init__(self, board: AlertBoard, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alertStrip")
        self.board = board
        self.label = QLabel(objectName="alertText")
        self.label.setWordWrap(True)
        self.button = QPushButton(self.tr("Kvittera larm (%s)") % ACK_KEY, objectName="acknowledgeAlertButton")
        self.button.clicked.connect(self.acknowledge)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.setVisible(False)

    def show_board(self) -> None:
        alerts = self.board.alerts()
        if not alerts:
            self.setVisible(False)
            return
        first = alerts[0]
        more = len(alerts) - 1
        text = "⚠ " + first.text + (self.tr(" (och %d larm till)") % more if more else "")
        self.label.setText(text)
        self.label.setStyleSheet(f"QLabel {{ background: {STYLE[first.kind]}; color: #ffffff; font-weight: bold;"
                                 " padding: 6px; border-radius: 3px; }")
        self.setVisible(True)
