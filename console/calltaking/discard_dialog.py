"""Asked once before a call with answers is cancelled ("Avbryt samtal", Ctrl+Shift+Backspace).

"Nej, fortsätt samtalet" is the default button and Esc keeps the call too, so a stray Enter never loses a call.
At Prio 1 (preliminary or pre-alerted) the call can only be cancelled with a typed reason, which DiscardDraft
audits."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class DiscardDialog(QDialog):
    def __init__(self, case_id: int | None, prio_1: bool, pre_alerted: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("discardDialog")
        self.setWindowTitle(self.tr("Avbryta samtalet?"))
        self.prio_1 = prio_1
        which = self.tr("ärende %d") % case_id if case_id is not None else self.tr("samtalet")
        lines = [self.tr("Det du har skrivit i %s tas bort från din konsol.") % which]
        if prio_1:
            lines.append(self.tr("Samtalet har Prio 1: skriv varför det avbryts. Skälet loggas."))
        if pre_alerted:
            lines.append(self.tr("Förlarmet ligger kvar i väntrummet – dirigeringen avslutar ärendet."))
        text = QLabel("\n".join(lines), objectName="discardText")
        text.setWordWrap(True)
        self.reason = QLineEdit(objectName="discardReason")
        self.reason.setPlaceholderText(self.tr("Skäl (krävs vid Prio 1), t.ex. fel samtal, dubbelsamtal"))
        self.reason.setMaxLength(500)
        self.reason.setVisible(prio_1)
        # Why "Ja, avbryt samtalet" is greyed, said where the nurse looks (room kept, so the dialog never jumps)
        self.missing = QLabel(self.tr("Skriv ett skäl för att kunna avbryta samtalet – det krävs vid Prio 1."),
                              objectName="discardMissing")
        self.missing.setWordWrap(True)
        keep_room = self.missing.sizePolicy()
        keep_room.setRetainSizeWhenHidden(prio_1)
        self.missing.setSizePolicy(keep_room)
        self.missing.setVisible(prio_1)
        self.confirm_button = QPushButton(self.tr("Ja, avbryt samtalet"), objectName="discardConfirm")
        self.keep_button = QPushButton(self.tr("Nej, fortsätt samtalet"), objectName="discardKeep")
        for b in (self.confirm_button, self.keep_button):
            b.setAutoDefault(False)
        self.keep_button.setDefault(True)
        self.confirm_button.clicked.connect(self.accept)
        self.keep_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.keep_button)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.reason)
        lay.addWidget(self.missing)
        lay.addLayout(buttons)
        self.reason.textChanged.connect(self._update)
        self._update()
        (self.reason if prio_1 else self.keep_button).setFocus()

    def _update(self) -> None:
        missing = self.prio_1 and not self.reason_text()  # blanks alone are no reason
        self.confirm_button.setEnabled(not missing)
        self.confirm_button.setToolTip(self.missing.text() if missing else "")
        if self.prio_1:
            self.missing.setVisible(missing)

    def reason_text(self) -> str | None:
        return self.reason.text().strip() or None

    def accept(self) -> None:
        if self.confirm_button.isEnabled():  # never without the reason Prio 1 needs
            super().accept()
