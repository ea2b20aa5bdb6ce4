"""Ctrl+F: find a case by ärende number, personnummer, phone or address, then Enter shows its timeline.

Keyboard only: type, Enter searches (on the database worker; the window never waits), the newest hit is selected
and has the focus, Enter (or a double click) opens its timeline, Esc closes. Every search is audited by
records.case_search; closing the dialog forgets the hits (nothing of a patient stays behind in a hidden window)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.cases.models import SearchHitsModel
from console.errors import user_message
from console.tasks import DbExecutor, DbOp
from records.actor import Actor
from records.case_search import MAX_QUERY, SearchResult, search_cases

WIDEST = 1100  # px: a hit's number, time, status, priority, patient with personnummer and address on one line


class CaseSearchDialog(QDialog):
    """`open_case(int)`: the user asked for a hit's timeline."""

    open_case = Signal(int)

    def __init__(self, actor: Actor, executor: DbExecutor, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.executor = actor, executor
        self.setObjectName("caseSearchDialog")
        self.setWindowTitle(self.tr("Sök ärende"))
        self.setMinimumWidth(760)
        self.input = QLineEdit(objectName="caseSearchInput")
        self.input.setMaxLength(MAX_QUERY)
        self.input.setPlaceholderText(self.tr("Ärendenummer, personnummer, telefonnummer eller adress"))
        self.input.returnPressed.connect(self.search)
        self.input.installEventFilter(self)
        hint = QLabel(self.tr("Enter söker. I listan: Enter visar ärendets händelseförlopp. Esc stänger."))
        hint.setObjectName("caseSearchHint")
        self.model = SearchHitsModel()
        self.table = QTableView(objectName="caseSearchResults")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._activated)  # Enter on a row
        self.table.doubleClicked.connect(self._activated)
        self.status = QLabel(objectName="caseSearchStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Stäng"))
        close.setAutoDefault(False)  # Enter searches or opens; only Esc and a click close
        self.open_button = buttons.addButton(self.tr("Visa händelseförlopp"),
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setObjectName("caseSearchOpen")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self._activated(self.table.currentIndex()))
        self.open_button.setEnabled(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.input, hint, self.table, self.status, buttons):
            layout.addWidget(w)
        self.finished.connect(lambda _r: self.forget())
        self._asked = ""

    def start(self) -> None:
        """Shown (again) with the cursor in the search field."""
        parent = self.parentWidget()
        if not self.isVisible() and parent is not None:
            # As wide as the window allows, up to WIDEST: at its least width (760) a hit's address was elided.
            self.resize(max(self.minimumWidth(), min(WIDEST, parent.width() - 80)), max(self.height(), 420))
        self.show()
        self.raise_()
        self.activateWindow()
        self.input.setFocus()
        self.input.selectAll()

    def search(self) -> None:
        text = self.input.text()
        self._asked = text
        self.status.setText(self.tr("Söker …"))
        actor = self.actor
        DbOp(self.executor, lambda s: search_cases(s, actor, text)) \
            .success(lambda result: self._show(text, result)).failure(lambda exc: self._failed(text, exc)).run()

    def _show(self, asked: str, result: SearchResult) -> None:
        if asked != self._asked or not self.isVisible():
            return  # an older search, or the dialog closed meanwhile
        self.model.set_hits(result.hits)
        how = self.tr(" eller ").join(result.searched_by)
        n = len(result.hits)
        if n == 0:
            text = self.tr("Inga ärenden hittades (sökt som %s).") % how
        else:
            text = (self.tr("1 träff (sökt som %s).") % how if n == 1
                    else self.tr("%d träffar, nyast först (sökt som %s).") % (n, how))
        if result.truncated:
            text += " " + self.tr("Fler ärenden matchar: sök mer exakt för att se äldre.")
        if result.note:
            text = result.note + " " + text
        self.status.setText(text)
        self.open_button.setEnabled(n > 0)
        if n:
            self.table.selectRow(0)
            self.table.setFocus()

    def _failed(self, asked: str, exc: Exception) -> None:
        if asked != self._asked:
            return
        self.model.set_hits([])
        self.open_button.setEnabled(False)
        self.status.setText(user_message(exc))
        self.input.setFocus()

    def _activated(self, index: QModelIndex) -> None:
        case_id = self.model.case_id(index.row()) if index.isValid() else None
        if case_id is not None:
            self.open_case.emit(case_id)

    def forget(self) -> None:
        """Closed (Esc, Stäng, the console locked): no hits stay in the hidden dialog."""
        self._asked = ""
        self.input.clear()
        self.model.set_hits([])
        self.status.clear()
        self.open_button.setEnabled(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # not the dialog's default button: the field and the list decide what Enter does
        super().keyPressEvent(event)

    def eventFilter(self, watched: object, event: object) -> bool:
        """Down arrow in the search field goes to the hits."""
        if (watched is self.input and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.model.rowCount()):
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
