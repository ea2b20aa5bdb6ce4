"""The main window: workspaces as dockable panes, a status bar with user, role, database and feeds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTableView

from console.fleet_model import FleetTableModel
from records.actor import Actor


class MainWindow(QMainWindow):
    def __init__(self, actor: Actor, db_label: str, fleet_model: FleetTableModel):
        super().__init__()
        self.actor = actor
        self.setWindowTitle(self.tr("Larmcentral Skåne – %s (%s)") % (actor.display_name, actor.role.label))
        self.fleet_view = QTableView()
        self.fleet_view.setObjectName("fleetBoard")
        self.fleet_view.setModel(fleet_model)
        self.fleet_view.setAlternatingRowColors(True)
        self.fleet_view.setSortingEnabled(False)
        self.fleet_view.verticalHeader().setVisible(False)
        self.fleet_view.horizontalHeader().setStretchLastSection(True)
        dock = QDockWidget(self.tr("Enheter"), self)
        dock.setObjectName("fleetDock")
        dock.setWidget(self.fleet_view)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.setCentralWidget(QLabel(self.tr("Välkommen. Arbetsytorna öppnas här.")))
        bar = self.statusBar()
        bar.addPermanentWidget(QLabel(f"{actor.display_name} · {actor.role.label}"))
        bar.addPermanentWidget(QLabel(self.tr("Databas: %s") % db_label))
        self.resize(1400, 850)
