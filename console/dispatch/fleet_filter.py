"""Filtering the fleet board by resource type, delregion, status and staleness."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from console.fleet_model import FleetTableModel
from resources.vocabulary import UnitStatus

STALE_FILTER = "stale"  # status filter value meaning "only stale units"
AVAILABLE_FILTER = "available"  # status filter value meaning "ledig på station or ledig ute"


class FleetFilterProxy(QSortFilterProxyModel):
    """Accepts a unit when it matches every set filter (None means "any")."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._type: str | None = None
        self._delregion: str | None = None
        self._status: str | None = None
        self.setDynamicSortFilter(False)  # see _track_changes

    def set_type(self, type_code: str | None) -> None:
        self._type = type_code or None
        self._refilter()

    def set_delregion(self, delregion: str | None) -> None:
        self._delregion = delregion or None
        self._refilter()

    def set_status(self, status: str | None) -> None:
        """A UnitStatus value, STALE_FILTER, AVAILABLE_FILTER or None."""
        self._status = status or None
        self._refilter()

    def _refilter(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        self._track_changes()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        super().sort(column, order)
        self._track_changes()

    def filtering(self) -> bool:
        """Is any filter set?"""
        return any(x is not None for x in (self._type, self._delregion, self._status))

    def _track_changes(self) -> None:
        """Re-filter and re-sort changed rows only while a filter or a sort order is in use: with neither, every
        unit is shown in register order whatever it reports, and checking each changed row (hundreds a second in
        a flood) would cost the GUI thread for nothing."""
        active = self.filtering() or self.sortColumn() >= 0
        if active != self.dynamicSortFilter():
            self.setDynamicSortFilter(active)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, FleetTableModel)
        u = model.unit(source_row)
        if self._type is not None and u.type_code != self._type:
            return False
        if self._delregion is not None and u.delregion != self._delregion:
            return False
        if self._status is None:
            return True
        if self._status == STALE_FILTER:
            return u.stale
        if self._status == AVAILABLE_FILTER:
            return not u.stale and u.status is not None and u.status.is_available
        return not u.stale and u.status is UnitStatus(self._status)
