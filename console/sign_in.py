"""The sign-in dialog: user name and password; then, for a user holding several roles, the role to work as —
offered only among those an administrator granted. In demo mode it says so, with the demo users' password.

The password is checked before any role is shown: the roles a user holds are nobody else's business."""

from __future__ import annotations

import getpass
from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from records.actor import Actor
from resources.vocabulary import Role

# Picks the role among the granted ones (None: ask). Called by the authenticator after the password was checked.
Choose = Callable[[set[Role]], Role | None]
# (user name, password, role or None, choose) -> the signed-in actor, or raises PermissionError (Swedish message);
# e.g. `lambda u, p, r, c: records.auth.sign_in_with_password(factory, u, p, r, choose=c)`.
Authenticate = Callable[[str, str, Role | None, Choose], Actor]


class SignInDialog(QDialog):
    def __init__(self, authenticate: Authenticate, user: str | None = None, role: Role | None = None,
                 demo_note: str | None = None, parent: QWidget | None = None):
        """`role`: the role to prefer when the user holds it (the command line's --role); never offered unless
        granted."""
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("Logga in – Larmcentral Skåne"))
        self.setMinimumWidth(460)
        self._authenticate = authenticate
        self._preferred = role
        self.offered: list[Role] = []  # the granted roles, once the password was right and there is a choice
        self.actor: Actor | None = None
        self.form = form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.demo_note: QLabel | None = None
        if demo_note:
            self.demo_note = QLabel(demo_note, objectName="demoNote")
            self.demo_note.setWordWrap(True)
            form.addRow(self.demo_note)
        self.username = QLineEdit(getpass.getuser() if user is None else user, objectName="signInUser")
        self.password = QLineEdit(objectName="signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox(objectName="signInRole")
        self.error = QLabel("", objectName="fieldError")
        self.error.setWordWrap(True)
        form.addRow(self.tr("Användarnamn"), self.username)
        form.addRow(self.tr("Lösenord"), self.password)
        form.addRow(self.tr("Arbeta som"), self.role)
        form.setRowVisible(self.role, False)  # shown once the password is right and the user holds several roles
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Logga in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        (self.password if self.username.text() else self.username).setFocus()

    def _choose(self, found: set[Role]) -> Callable[[set[Role]], Role | None]:
        def choose(roles: set[Role]) -> Role | None:
            found.update(roles)
            if len(roles) == 1:
                return next(iter(roles))
            return self._preferred if self._preferred in roles else None

        return choose

    def _accept(self) -> None:
        user = self.username.text().strip()
        if not user:
            self._say(self.tr("Ange ditt användarnamn."))
            return
        role = Role(self.role.currentData()) if self.offered else None  # a combo hands a StrEnum back as str
        found: set[Role] = set()
        try:
            self.actor = self._authenticate(user, self.password.text(), role, self._choose(found))
        except PermissionError as exc:
            if role is None and len(found) > 1:  # the password was right: which of the granted roles?
                self._offer(found)
                return
            self._say(str(exc))
            if not self.offered:
                self.password.clear()
                self.password.setFocus()
            return
        self.accept()

    def _offer(self, roles: set[Role]) -> None:
        """Second step: the granted roles only; user name and password stay as given."""
        self.offered = [r for r in Role if r in roles]
        self.role.clear()
        for r in self.offered:
            self.role.addItem(r.label, r.value)
        if self._preferred in self.offered:
            self.role.setCurrentIndex(self.offered.index(self._preferred))
        self.form.setRowVisible(self.role, True)
        self.username.setReadOnly(True)
        self.password.setReadOnly(True)
        self.ok_button.setText(self.tr("Arbeta som vald roll"))
        self._say(self.tr("Lösenordet stämmer. Du har flera roller: välj vilken du arbetar som under passet."),
                  error=False)
        self.role.setFocus()

    def _say(self, text: str, *, error: bool = True) -> None:
        self.error.setObjectName("fieldError" if error else "fieldOk")
        self.error.style().unpolish(self.error)
        self.error.style().polish(self.error)
        self.error.setText(text)
