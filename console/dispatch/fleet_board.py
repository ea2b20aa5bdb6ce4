"""The fleet board: every unit with type, status, position, last heard and case, with filters.

While no filter and no sort order is in use the table shows the fleet model itself, in register order; the filter
proxy is put between them only when the dispatcher filters or sorts. Through the proxy every cell of a repaint asks
the Python model again per role (mapToSource, index, rowCount, columnCount, data): a third of a flood's board repaint
(4.4 → 2.9 ms CPU for the visible rows), for a proxy that would pass every row through unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QTableView, QVBoxLayout, QWidget

from console.dispatch.feed_health import FeedHealthBar
from console.dispatch.fleet_filter import AVAILABLE_FILTER, STALE_FILTER, FleetFilterProxy
from console.fleet_model import UNIT_ROLE, FleetTableModel, UnitRow
from resources.geography import DELREGIONER
from resources.vocabulary import UnitStatus

COLUMN_WIDTHS = (80, 170, 230, 100, 90, 210, 130, 60)


class FleetBoard(QWidget):
    """Filter bar, feed-health strip and the unit table. `unit_activated(unit_id)` on double-click;
    `status_requested(unit_id)` from the context menu's "Ändra status…" or the key S on a unit."""

    unit_activated = Signal(str)
    status_requested = Signal(str)

    def __init__(self, model: FleetTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("fleetBoard")
        self.model = model
        self.proxy = FleetFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.type_filter = QComboBox(objectName="fleetTypeFilter")
        self.type_filter.addItem(self.tr("Alla typer"), None)
        seen: dict[str, str] = {}
        for r in model.rows():
            seen.setdefault(r.type_code, r.type_name)
        for code, name in seen.items():
            self.type_filter.addItem(name, code)
        self.region_filter = QComboBox(objectName="fleetRegionFilter")
        self.region_filter.addItem(self.tr("Alla delregioner"), None)
        for d in DELREGIONER:
            self.region_filter.addItem(d, d)
        self.status_filter = QComboBox(objectName="fleetStatusFilter")
        self.status_filter.addItem(self.tr("Alla statusar"), None)
        self.status_filter.addItem(self.tr("Lediga"), AVAILABLE_FILTER)
        for s in UnitStatus:
            self.status_filter.addItem(s.label, s.value)
        self.status_filter.addItem(self.tr("⚠ Ingen kontakt"), STALE_FILTER)
        self.type_filter.currentIndexChanged.connect(
            lambda _i: (self.proxy.set_type(self.type_filter.currentData()), self._route()))
        self.region_filter.currentIndexChanged.connect(
            lambda _i: (self.proxy.set_delregion(self.region_filter.currentData()), self._route()))
        self.status_filter.currentIndexChanged.connect(
            lambda _i: (self.proxy.set_status(self.status_filter.currentData()), self._route()))
        self.count_label = QLabel(objectName="fleetCount")
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        self.health = FeedHealthBar()
        self.table = QTableView(objectName="fleetTable")
        self.table.setModel(self.proxy)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # register order until the user sorts
        # After the view's own handler (it sorts the model it shows): put the proxy in or take it out.
        self.table.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self._route())
        self._route()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda pos: self._show_menu(pos))
        status_key = QShortcut(QKeySequence("S"), self.table, activated=self._request_status)
        status_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for col, width in enumerate(COLUMN_WIDTHS):  # fixed widths: never measure 759 rows
            self.table.setColumnWidth(col, width)

        for combo in (self.type_filter, self.region_filter, self.status_filter):
            # sized to a short text, not the longest entry, so the board fits a 1280 px screen
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(11)
        bar = QHBoxLayout()
        for label, w in ((self.tr("Typ:"), self.type_filter), (self.tr("Delregion:"), self.region_filter),
                         (self.tr("Status:"), self.status_filter)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.health)
        layout.addWidget(self.table)
        self._update_count()

    # --- the proxy only while it does something ------------------------------------------------------
    def filtering_or_sorting(self) -> bool:
        """Does the board need its proxy: a filter set, or a column to sort by?"""
        return self.proxy.filtering() or self.table.horizontalHeader().sortIndicatorSection() >= 0

    def _route(self) -> None:
        header = self.table.horizontalHeader()
        if self.filtering_or_sorting():
            column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
            if (self.proxy.sortColumn(), self.proxy.sortOrder()) != (column, order):
                self.proxy.sort(column, order)  # shown on the model: the view sorted nothing
            self._show_model(self.proxy)
        else:
            if self.proxy.sortColumn() >= 0:
                self.proxy.sort(-1)  # register order again, nothing re-checked per change (fleet_filter.py)
            self._show_model(self.model)

    def _show_model(self, shown: QAbstractItemModel) -> None:
        """Show `shown` (the fleet model or the proxy over it), keeping the current and the selected units."""
        view = self.table
        if view.model() is shown:
            return
        old = view.selectionModel()
        current = self._to_source(view.currentIndex())
        selected = [self._to_source(i) for i in old.selectedRows()]
        view.setModel(shown)  # the header keeps its column widths, order and sort indicator (same columns)
        old.deleteLater()  # the view made a new one and leaves the old to its parent
        selection = QItemSelection()
        for source in selected:
            index = self._from_source(source)
            if index.isValid():
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        view.selectionModel().select(selection, flags)
        index = self._from_source(current)
        if index.isValid():
            view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def _to_source(self, index: QModelIndex) -> QModelIndex:
        return self.proxy.mapToSource(index) if index.isValid() and index.model() is self.proxy else index

    def _from_source(self, index: QModelIndex) -> QModelIndex:
        if not index.isValid() or self.table.model() is self.model:
            return index
        return self.proxy.mapFromSource(index)

    def view_index(self, unit_id: str, column: int = 0) -> QModelIndex:
        """The table's index of a unit's cell (invalid when the unit is filtered out)."""
        row = self.model.row_of(unit_id)
        return QModelIndex() if row is None else self._from_source(self.model.index(row, column))

    def _update_count(self, *_args: object) -> None:
        self.count_label.setText(self.tr("Visar %d av %d enheter") % (self.proxy.rowCount(), self.model.rowCount()))

    def visible_units(self) -> list[UnitRow]:
        return [self.proxy.index(i, 0).data(UNIT_ROLE) for i in range(self.proxy.rowCount())]

    def _activated(self, index) -> None:  # type: ignore[no-untyped-def]
        row = index.data(UNIT_ROLE)
        if row is not None:
            self.unit_activated.emit(row.id)

    def current_unit(self) -> UnitRow | None:
        index = self.table.currentIndex()
        return index.data(UNIT_ROLE) if index.isValid() else None

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu for the unit under `pos` (viewport coordinates), which it makes current; None off the rows."""
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        self.table.setCurrentIndex(index)
        row: UnitRow = index.data(UNIT_ROLE)
        menu = QMenu(self.table)
        menu.setObjectName("fleetUnitMenu")
        change = menu.addAction(self.tr("Ändra status för %s…") % row.id + "\tS")  # the key is the board's
        change.setObjectName("changeUnitStatus")
        change.triggered.connect(lambda: self.status_requested.emit(row.id))
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.aboutToHide.connect(menu.deleteLater)
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def _request_status(self) -> None:
        row = self.current_unit()
        if row is not None:
            self.status_requested.emit(row.id)
