"""Table models of the admin workspace: the users (with their granted roles and state) and the service tokens."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from console.row_table_model import RowTableModel
from records.tokens import TokenView
from records.users import UserView
from resources.vocabulary import Role

Index = QModelIndex | QPersistentModelIndex

SOURCES = {"local": "Lösenord", "ldap": "Katalogtjänst", "system": "Systemanvändare"}


def _t(text: str) -> str:
    return QCoreApplication.translate("AdminModels", text)


def role_labels(roles: list[Role]) -> str:
    """The roles in the vocabulary's order (nurse, dispatcher, physician, admin)."""
    return ", ".join(r.label for r in Role if r in roles)


def user_state(u: UserView) -> str:
    if not u.active:
        return _t("Avaktiverad")
    return _t("Låst (felaktiga lösenord)") if u.locked else _t("Aktiv")


class UsersModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__([_t("Användarnamn"), _t("Namn"), _t("Roller"), _t("Status"), _t("Inloggning")])

    def set_users(self, users: list[UserView]) -> None:
        self.beginResetModel()
        self._rows = list(users)
        self.endResetModel()

    def users(self) -> list[UserView]:
        return list(self._rows)

    def user(self, row: int) -> UserView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, username: str) -> int:
        return next((i for i, u in enumerate(self._rows) if u.username == username), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        u: UserView = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (u.username, u.display_name, role_labels(u.roles) or _t("(ingen roll)"),
                    user_state(u), SOURCES.get(u.auth_source, u.auth_source))[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if not u.active:
                return QColor("#6e7681")
            if col == 3 and u.locked:
                return QColor("#f5a623")
            if col == 2 and not u.roles:
                return QColor("#8b949e")
        if role == Qt.ItemDataRole.UserRole:
            return u.username
        return None


class TokensModel(RowTableModel):
    def __init__(self) -> None:
        super().__init__([_t("Id"), _t("Systemanvändare"), _t("Etikett"), _t("Status")])

    def set_tokens(self, tokens: list[TokenView]) -> None:
        self.beginResetModel()
        self._rows = list(tokens)
        self.endResetModel()

    def token(self, row: int) -> TokenView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        t: TokenView = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(t.id), t.username, t.label, _t("Indragen") if t.revoked else _t("Gäller"))[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and t.revoked:
            return QColor("#6e7681")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
