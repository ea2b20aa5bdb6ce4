"""The banner across the top of the window while the database switches server (a failover to the standby).

Shown when the database executor starts retrying a write with the same command id (commands.retry), hidden
when a write goes through — or gives up, when the usual 'database unreachable' message takes over.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

from console.tasks import DbExecutor

SWITCHING = "Databasen byter server – försöker igen…"


class SwitchBanner(QToolBar):
    def __init__(self, window: QMainWindow, executor: DbExecutor):
        super().__init__(window, objectName="dbSwitchBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not a window the user opens or closes
        self.label = QLabel(self.tr(SWITCHING), objectName="dbSwitchBanner")
        self.label.setStyleSheet("background: #f5a623; color: #1b1b1b; font-weight: bold; padding: 4px 10px;")
        self.addWidget(self.label)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self.hide()
        executor.switching.connect(self.setVisible)
