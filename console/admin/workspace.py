"""The administrator's workspace: who may sign in and as what.

Users with their granted roles and state (active, locked after wrong passwords, deactivated); create a user,
grant or revoke a role, deactivate or reactivate, reset a password, unlock; and the system users' service
tokens (created here and shown once, listed, revoked). Every change is a command (commands/admin.py) run
through the database worker, audited there; the refusals (your own admin role, the last administrator, a
password the rules refuse) come back as Swedish messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commands import Command, RevokeServiceToken, SetUserActive, UnlockUser
from console.admin.dialogs import (
    CommandDialog,
    NewTokenDialog,
    NewUserDialog,
    PasswordDialog,
    RoleDialog,
    TokenShownDialog,
)
from console.admin.models import TokensModel, UsersModel, role_labels
from console.errors import user_message
from console.tasks import CommandOp, DbExecutor, DbOp
from records.actor import Actor
from records.tokens import TokenView, list_tokens
from records.users import UserView, list_users
from resources.vocabulary import Role


class AdminWorkspace(QWidget):
    message = Signal(str)

    def __init__(self, actor: Actor, executor: DbExecutor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("adminWorkspace")
        self.actor, self.executor = actor, executor
        self.dialog: QWidget | None = None  # the dialog open now (tests fill it)
        # Asked before deactivating or revoking a token; replaced in tests.
        self.confirm: Callable[[str], bool] = self._confirm
        self._select_next: str | None = None  # a user just created: selected once the list shows it

        self.users_model = UsersModel()
        self.users = self._table(self.users_model, "adminUsers")
        self.users.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_buttons())
        self.users.doubleClicked.connect(lambda _i: self.reset_password())
        self.count = QLabel(objectName="sectionTitle")
        self.new_button = self._button(self.tr("Ny användare…"), self.new_user, "primaryAction")
        self.grant_button = self._button(self.tr("Tilldela roll…"), self.grant_role)
        self.revoke_button = self._button(self.tr("Dra in roll…"), self.revoke_role)
        self.active_button = self._button(self.tr("Avaktivera"), self.toggle_active)
        self.password_button = self._button(self.tr("Återställ lösenord…"), self.reset_password)
        self.unlock_button = self._button(self.tr("Lås upp"), self.unlock)
        user_buttons = QHBoxLayout()
        for b in (self.new_button, self.grant_button, self.revoke_button, self.active_button,
                  self.password_button, self.unlock_button):
            user_buttons.addWidget(b)
        user_buttons.addStretch(1)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.count)
        tl.addLayout(user_buttons)
        tl.addWidget(self.users, 1)

        self.tokens_model = TokensModel()
        self.tokens = self._table(self.tokens_model, "adminTokens")
        self.tokens.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_buttons())
        self.new_token_button = self._button(self.tr("Ny tjänstenyckel…"), self.new_token)
        self.revoke_token_button = self._button(self.tr("Dra in nyckel"), self.revoke_token)
        token_buttons = QHBoxLayout()
        token_buttons.addWidget(self.new_token_button)
        token_buttons.addWidget(self.revoke_token_button)
        token_buttons.addStretch(1)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        tokens_title = QLabel(self.tr("Tjänstenycklar för systemjobb"), objectName="sectionTitle")
        tokens_hint = QLabel(self.tr("Flödestjänsten, importer och regelförslag som körs utanför konsolen loggar in "
                                     "med en nyckel. Nyckeln visas en gång när den skapas; en indragen nyckel slutar "
                                     "gälla genast."), objectName="overlayHint")
        tokens_hint.setWordWrap(True)
        bl.addWidget(tokens_title)
        bl.addWidget(tokens_hint)
        bl.addLayout(token_buttons)
        bl.addWidget(self.tokens, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        executor.changed.connect(self._changed)
        self._update_buttons()

    def _table(self, model: Any, name: str) -> QTableView:
        table = QTableView(objectName=name)
        table.setModel(model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _button(self, text: str, slot: Callable[[], None], name: str = "") -> QPushButton:
        b = QPushButton(text, objectName=name)
        b.clicked.connect(slot)
        return b

    # --- reading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        actor = self.actor
        DbOp(self.executor, lambda s: (list_users(s, actor), list_tokens(s, actor))).success(self._show).failure(
            lambda exc: self.message.emit(user_message(exc))).run()

    def _changed(self, topic: str) -> None:
        if topic == "users":
            self.refresh()

    def _show(self, result: tuple[list[UserView], list[TokenView]]) -> None:
        users, tokens = result
        selected = self.selected_user()
        selected_token = self.selected_token()
        self.users_model.set_users(users)
        self.tokens_model.set_tokens(tokens)
        for table in (self.users, self.tokens):
            table.resizeColumnsToContents()
            for col in range(table.model().columnCount() - 1):
                table.setColumnWidth(col, table.columnWidth(col) + 28)  # air between the columns
        wanted = self._select_next or (selected.username if selected is not None else None)
        if wanted is not None and (row := self.users_model.row_of(wanted)) >= 0:
            self.users.selectRow(row)
            self._select_next = None
        if selected_token is not None:
            row = next((i for i, t in enumerate(tokens) if t.id == selected_token.id), -1)
            if row >= 0:
                self.tokens.selectRow(row)
        people = [u for u in users if u.auth_source != "system"]
        self.count.setText(self.tr("Användare: %d (%d aktiva, %d låsta) · systemanvändare: %d")
                           % (len(people), sum(u.active for u in people), sum(u.locked for u in people),
                              len(users) - len(people)))
        self._update_buttons()

    def selected_user(self) -> UserView | None:
        idx = self.users.currentIndex()
        return self.users_model.user(idx.row()) if idx.isValid() else None

    def selected_token(self) -> TokenView | None:
        idx = self.tokens.currentIndex()
        return self.tokens_model.token(idx.row()) if idx.isValid() else None

    def select_user(self, username: str) -> bool:
        row = self.users_model.row_of(username)
        if row >= 0:
            self.users.selectRow(row)
        return row >= 0

    def _update_buttons(self) -> None:
        u = self.selected_user()
        person = u is not None and u.auth_source != "system"
        self.grant_button.setEnabled(person and len(u.roles) < len(Role))  # type: ignore[union-attr]
        self.revoke_button.setEnabled(person and bool(u.roles))  # type: ignore[union-attr]
        self.active_button.setEnabled(u is not None)
        self.active_button.setText(self.tr("Aktivera") if u is not None and not u.active else self.tr("Avaktivera"))
        self.password_button.setEnabled(person and u.auth_source == "local")  # type: ignore[union-attr]
        self.unlock_button.setEnabled(u is not None and u.locked)
        t = self.selected_token()
        self.revoke_token_button.setEnabled(t is not None and not t.revoked)

    # --- changing -----------------------------------------------------------------------------
    def run(self, cmd: Command, done: Callable[[Any], None] | None = None,
            failed: Callable[[str], None] | None = None) -> None:
        """Run an admin command; its refusal is shown where the admin is looking (the dialog, else the bar)."""

        def fail(exc: Exception) -> None:
            (failed or self.message.emit)(user_message(exc))

        CommandOp(self.executor, self.actor, cmd).success(done or (lambda _r: None)).failure(fail).run()

    def _open(self, dlg: CommandDialog, done_text: Callable[[Any], str],
              after: Callable[[Any], None] | None = None) -> CommandDialog:
        def done(result: Any) -> None:
            dlg.done_ok()
            self.message.emit(done_text(result))
            if after is not None:
                after(result)

        dlg.submit = lambda cmd: self.run(cmd, done, dlg.failed)
        self.dialog = dlg
        dlg.open()
        return dlg

    def new_user(self) -> CommandDialog:
        dlg = NewUserDialog(self)
        return self._open(dlg, lambda u: self.tr("Användaren %s är skapad.") % u.username,
                          lambda u: setattr(self, "_select_next", u.username))

    def grant_role(self) -> CommandDialog | None:
        u = self.selected_user()
        if u is None:
            return None
        missing = [r for r in Role if r not in u.roles]
        return self._open(RoleDialog(u.username, missing, True, self),
                          lambda v: self.tr("%s har nu rollerna: %s") % (v.username, _roles(v)))

    def revoke_role(self) -> CommandDialog | None:
        u = self.selected_user()
        if u is None:
            return None
        return self._open(RoleDialog(u.username, [r for r in Role if r in u.roles], False, self),
                          lambda v: self.tr("%s har nu rollerna: %s") % (v.username, _roles(v)))

    def reset_password(self) -> CommandDialog | None:
        u = self.selected_user()
        if u is None or u.auth_source != "local":
            return None
        return self._open(PasswordDialog(u.username, self),
                          lambda v: self.tr("Nytt lösenord satt för %s.") % v.username)

    def toggle_active(self) -> None:
        u = self.selected_user()
        if u is None:
            return
        if u.active and not self.confirm(self.tr("Avaktivera %s? Pågående inloggningar avslutas genast och "
                                                 "användaren kan inte logga in förrän hen aktiveras igen.")
                                         % u.username):
            return
        self.run(SetUserActive(username=u.username, active=not u.active),
                 lambda v: self.message.emit((self.tr("%s är aktiverad.") if v.active
                                              else self.tr("%s är avaktiverad.")) % v.username))

    def unlock(self) -> None:
        u = self.selected_user()
        if u is not None:
            self.run(UnlockUser(username=u.username), lambda v: self.message.emit(self.tr("%s är upplåst.")
                                                                                  % v.username))

    def new_token(self) -> CommandDialog:
        systems = [u.username for u in self.users_model.users() if u.auth_source == "system" and u.active]
        dlg = NewTokenDialog(systems, self)

        def show_token(view: TokenView) -> None:
            shown = TokenShownDialog(view.username, dlg.token, self)
            dlg.token = ""
            self.dialog = shown
            shown.open()

        return self._open(dlg, lambda v: self.tr("Tjänstenyckel %d skapad för %s.") % (v.id, v.username), show_token)

    def revoke_token(self) -> None:
        t = self.selected_token()
        if t is None or t.revoked:
            return
        if not self.confirm(self.tr("Dra in tjänstenyckel %d (%s, %s)? Jobb som använder den slutar fungera "
                                    "genast.") % (t.id, t.username, t.label)):
            return
        self.run(RevokeServiceToken(token_id=t.id),
                 lambda v: self.message.emit(self.tr("Tjänstenyckel %d är indragen.") % v.id))

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Bekräfta"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes


def _roles(v: UserView) -> str:
    return role_labels(v.roles) or "(ingen roll)"
