"""Choose a red flag heard at any moment of the call: the rule set's flags in Swedish, filtered by typing.

Only the flag's text and what it leads to are shown; the rule id stays in the item's data (and tooltip)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.calltaking.filtered_list import step_visible_row
from console.calltaking.wizard_state import RedFlagChoice


class RedFlagDialog(QDialog):
    def __init__(self, flags: list[RedFlagChoice], complaint: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("redFlagDialog")
        self.setWindowTitle(self.tr("Röd flagga"))
        lay = QVBoxLayout(self)
        intro = QLabel(self.tr("Vad har du hört? En röd flagga avslutar triageringen (%s) med Prio 1 och "
                               "registreras på ärendet. Backspace i triageringen tar tillbaka den.") % complaint,
                       objectName="questionHelp")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.filter = QLineEdit(objectName="redFlagFilter")
        self.filter.setPlaceholderText(self.tr("Skriv för att filtrera, pil upp/ned och Enter för att välja"))
        self.list = QListWidget(objectName="redFlagList")
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        for flag in flags:
            text = flag.text + (f"\n→ {flag.detail}" if flag.detail else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, flag.id)
            item.setToolTip(f"{flag.text}\n{flag.detail}\n({flag.id})")
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Registrera röd flagga"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(self.filter)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._accept)
        self.list.itemActivated.connect(lambda _i: self._accept())
        self.filter.installEventFilter(self)
        self.filter.setFocus()
        self.resize(640, 520)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.filter and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step_visible_row(self.list, event.key())
            return True
        return False

    def _visible_rows(self) -> list[int]:
        return [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())
        visible = self._visible_rows()
        if visible:
            self.list.setCurrentRow(visible[0])
        self.error.setText("" if visible else self.tr("Ingen röd flagga innehåller '%s'.") % text.strip())

    def _accept(self) -> None:
        if self.chosen() is None:
            self.error.setText(self.tr("Välj en röd flagga i listan."))
            return
        self.accept()

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        value = item.data(Qt.ItemDataRole.UserRole)
        return str(value) if value else None
