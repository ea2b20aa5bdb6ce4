"""The lock screen: an opaque cover over the whole main window (workspaces, menus and status bar), shown after
the idle time or on Ctrl+L. It names who locked it and takes that user's password; "Byt användare" hands the
console to the next shift instead. Nothing of a patient is drawn while it is up (the window hides its floating
panes and closes its dialogs; see MainWindow.lock)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class LockScreen(QWidget):
    unlock_requested = Signal(str)  # the password typed
    switch_requested = Signal()

    def __init__(self, parent: QWidget, who: str):
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        panel = QFrame(objectName="lockPanel")
        panel.setFixedWidth(520)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(10)
        title = QLabel(self.tr("Konsolen är låst"), objectName="lockTitle")
        self.who = QLabel(who, objectName="lockWho")
        self.who.setWordWrap(True)
        self.reason = QLabel(objectName="lockReason")
        self.reason.setWordWrap(True)
        self.password = QLineEdit(objectName="lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Ditt lösenord"))
        self.password.returnPressed.connect(self._unlock)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        self.unlock_button = QPushButton(self.tr("Lås upp"), objectName="primaryAction")
        self.unlock_button.clicked.connect(self._unlock)
        self.switch_button = QPushButton(self.tr("Byt användare…"), objectName="lockSwitch")
        self.switch_button.clicked.connect(self.switch_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        for w in (title, self.who, self.reason, self.password, self.error):
            inner.addWidget(w)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        parent.installEventFilter(self)
        self.hide()

    def show_locked(self, reason: str) -> None:
        self.reason.setText(reason)
        self.error.clear()
        self.password.clear()
        self.set_busy(False)
        parent = self.parentWidget()
        assert parent is not None
        self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        self.password.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.password.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        if busy:
            self.error.setText(self.tr("Kontrollerar lösenordet …"))

    def set_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.password.clear()
        self.password.setFocus()

    def _unlock(self) -> None:
        if not self.password.text():
            self.error.setText(self.tr("Ange ditt lösenord."))
            return
        self.set_busy(True)
        self.unlock_requested.emit(self.password.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if watched is parent and parent is not None and self.isVisible() and event.type() in (
                QEvent.Type.Resize, QEvent.Type.ChildAdded):
            self.setGeometry(parent.rect())
            self.raise_()  # above a pane docked back while locked
        return False
