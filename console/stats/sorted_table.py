"""A read-only statistics table sorted by clicking its header: the source model behind a sort proxy (on the model's
own sort role, so numbers sort as numbers), whole rows selected, columns fitted to their contents."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def sorted_table(model: QAbstractItemModel, *, sort_role: int, sort_column: int, object_name: str,
                 parent: QObject) -> tuple[QSortFilterProxyModel, QTableView]:
    """The proxy (owned by `parent`) and the table showing `model`, sorted by `sort_column` ascending."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(sort_role)
    table = QTableView(objectName=object_name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return proxy, table
