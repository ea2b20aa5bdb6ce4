"""The admin workspace's dialogs. Each one builds a command and hands it to `submit`; it stays open, showing the
Swedish error, until the command succeeded (the workspace calls `done()` or `failed(text)`), so nothing typed is
lost to a refused password or a taken user name."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commands import Command, CreateServiceToken, CreateUser, GrantRole, RevokeRole, SetPassword
from records.tokens import new_token, token_hash
from resources.settings import load_settings
from resources.vocabulary import Role

Submit = Callable[[Command], None]


class CommandDialog(QDialog):
    """A form with an error line and OK/Avbryt; `_command()` returns the command or None (error shown)."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.submit: Submit | None = None
        self.command: Command | None = None
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

    def _finish_layout(self) -> None:
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)

    def _command(self) -> Command | None:
        raise NotImplementedError

    def _accept(self) -> None:
        cmd = self._command()
        if cmd is None:
            return
        self.command = cmd
        self.error.setText(self.tr("Sparar …"))
        self.ok_button.setEnabled(False)
        if self.submit is not None:
            self.submit(cmd)

    def done_ok(self) -> None:
        self.accept()

    def failed(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(text)


def _password_pair(form: QFormLayout, first: str, again_label: str) -> tuple[QLineEdit, QLineEdit]:
    pw, again = QLineEdit(), QLineEdit()
    for w in (pw, again):
        w.setEchoMode(QLineEdit.EchoMode.Password)
    form.addRow(first, pw)
    form.addRow(again_label, again)
    return pw, again


class NewUserDialog(CommandDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(self.tr("Ny användare"), self.tr("Skapa användaren"), parent)
        self.username = QLineEdit(objectName="newUsername")
        self.username.setPlaceholderText(self.tr("t.ex. ssk.karin"))
        self.display_name = QLineEdit(objectName="newDisplayName")
        self.display_name.setPlaceholderText(self.tr("för- och efternamn"))
        self.form.addRow(self.tr("Användarnamn"), self.username)
        self.form.addRow(self.tr("Namn"), self.display_name)
        roles = QWidget()
        rl = QVBoxLayout(roles)
        rl.setContentsMargins(0, 0, 0, 0)
        self.role_boxes: dict[Role, QCheckBox] = {}
        for r in Role:
            box = QCheckBox(r.label)
            self.role_boxes[r] = box
            rl.addWidget(box)
        self.form.addRow(self.tr("Roller"), roles)
        self.password, self.again = _password_pair(self.form, self.tr("Startlösenord"), self.tr("Upprepa"))
        hint = QLabel(self.tr("Minst %d tecken med både bokstäver och siffror, inte användarnamnet. Lämna "
                              "startlösenordet till användaren personligen; hen kan byta det själv.")
                      % load_settings().password_min_length, objectName="overlayHint")
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self._finish_layout()

    def _command(self) -> Command | None:
        if not self.username.text().strip():
            self.failed(self.tr("Ange användarnamn."))
            return None
        if not self.password.text():
            self.failed(self.tr("Ange ett startlösenord."))
            return None
        if self.password.text() != self.again.text():
            self.failed(self.tr("Lösenorden är inte lika."))
            return None
        return CreateUser(username=self.username.text().strip(), display_name=self.display_name.text().strip(),
                          grant=[r for r, box in self.role_boxes.items() if box.isChecked()],
                          password=SecretStr(self.password.text()))


class RoleDialog(CommandDialog):
    """Grant one of the roles the user lacks, or revoke one of those granted."""

    def __init__(self, username: str, roles: list[Role], grant: bool, parent: QWidget | None = None):
        title = self.tr("Tilldela roll") if grant else self.tr("Dra in roll")
        super().__init__(title, title, parent)
        self.username, self.grant = username, grant
        self.form.addRow(self.tr("Användare"), QLabel(username))
        self.role = QComboBox(objectName="roleChoice")
        for r in roles:
            self.role.addItem(r.label, r.value)
        self.form.addRow(self.tr("Roll"), self.role)
        if not grant:
            note = QLabel(self.tr("Rollen slutar gälla genast, också i en pågående inloggning."), objectName="overlayHint")
            note.setWordWrap(True)
            self.form.addRow(note)
        self._finish_layout()

    def _command(self) -> Command | None:
        if self.role.currentData() is None:
            self.failed(self.tr("Välj en roll."))
            return None
        role = Role(self.role.currentData())
        if self.grant:
            return GrantRole(username=self.username, role=role)
        return RevokeRole(username=self.username, role=role)


class PasswordDialog(CommandDialog):
    def __init__(self, username: str, parent: QWidget | None = None):
        super().__init__(self.tr("Återställ lösenord"), self.tr("Sätt lösenordet"), parent)
        self.username = username
        self.form.addRow(self.tr("Användare"), QLabel(username))
        self.password, self.again = _password_pair(self.form, self.tr("Nytt lösenord"), self.tr("Upprepa"))
        self._finish_layout()

    def _command(self) -> Command | None:
        if not self.password.text():
            self.failed(self.tr("Ange det nya lösenordet."))
            return None
        if self.password.text() != self.again.text():
            self.failed(self.tr("Lösenorden är inte lika."))
            return None
        return SetPassword(username=self.username, password=SecretStr(self.password.text()))


class NewTokenDialog(CommandDialog):
    """A service token for a system user. The token is made here and only its SHA-256 leaves the dialog in the
    command; `token` is shown once, by TokenShownDialog, after the command succeeded."""

    def __init__(self, system_users: list[str], parent: QWidget | None = None):
        super().__init__(self.tr("Ny tjänstenyckel"), self.tr("Skapa nyckeln"), parent)
        self.token = ""
        self.user = QComboBox(objectName="tokenUser")
        self.user.addItems(system_users)
        self.label = QLineEdit(objectName="tokenLabel")
        self.label.setPlaceholderText(self.tr("t.ex. maskinens namn"))
        self.form.addRow(self.tr("Systemanvändare"), self.user)
        self.form.addRow(self.tr("Etikett"), self.label)
        if not system_users:
            self.failed(self.tr("Det finns inga systemanvändare ännu; de läggs upp när jobben körs första gången "
                                "(eller med main.py users token create)."))
            self.ok_button.setEnabled(False)
        self._finish_layout()

    def _command(self) -> Command | None:
        if not self.user.currentText():
            self.failed(self.tr("Välj en systemanvändare."))
            return None
        self.token = new_token()
        return CreateServiceToken(username=self.user.currentText(), label=self.label.text().strip(),
                                  token_sha256=token_hash(self.token))


class TokenShownDialog(QDialog):
    """The new token, once: copy it into the job's token file now; only its hash is stored."""

    def __init__(self, username: str, token: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Tjänstenyckel för %s") % username)
        self.setMinimumWidth(620)
        lay = QVBoxLayout(self)
        warn = QLabel(self.tr("Nyckeln visas bara den här gången. Kopiera den nu till jobbets nyckelfil "
                              "(LARMCENTRAL_TOKEN_FILE eller --token-file, läsbar bara för tjänsten). "
                              "Databasen sparar bara dess SHA-256; en förlorad nyckel dras in och ersätts."),
                      objectName="tokenWarning")
        warn.setWordWrap(True)
        self.field = QLineEdit(token, objectName="tokenValue")
        self.field.setReadOnly(True)
        self.field.selectAll()
        self.copy_button = QPushButton(self.tr("Kopiera"))
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.copy_button)
        self.copied = QLabel(objectName="fieldOk")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Stäng"))
        close.rejected.connect(self.reject)
        lay.addWidget(warn)
        lay.addLayout(row)
        lay.addWidget(self.copied)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.field.text())
        self.copied.setText(self.tr("Kopierad till urklipp."))

    def reject(self) -> None:
        self.field.clear()  # the token leaves memory with the dialog
        super().reject()
