"""The sign-in dialog: who is working, and in which role. Every write carries this user."""

from __future__ import annotations

import getpass

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from resources.vocabulary import Role


class SignInDialog(QDialog):
    def __init__(self, user: str | None = None, role: Role | None = None, parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setWindowTitle(self.tr("Logga in – Larmcentral Skåne"))
        form = QFormLayout(self)
        self.username = QLineEdit(user or getpass.getuser())
        self.role = QComboBox()
        for r in Role:
            self.role.addItem(r.label, r)
        if role is not None:
            self.role.setCurrentIndex(list(Role).index(role))
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ff7b72")
        form.addRow(self.tr("Användarnamn"), self.username)
        form.addRow(self.tr("Roll"), self.role)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Logga in"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.username.text().strip():
            self.error.setText(self.tr("Ange ditt användarnamn."))
            return
        self.accept()

    def chosen(self) -> tuple[str, Role]:
        return self.username.text().strip(), self.role.currentData()
