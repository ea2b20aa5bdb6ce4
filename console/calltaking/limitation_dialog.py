"""The nurse's decision on a documented treatment limitation the call's path concerns (issue 20): e.g. ej HLR on a
cardiac-arrest path. The limitation as the register holds it (who decided, when, where it is documented) and why it
meets this path; the decisions the rule set allows for its kind, by number key or click; a reason, required when the
limitation is followed — the command's own Swedish refusal is shown here, and the dialog stays open.

Nothing is chosen in advance: the nurse decides actively. The decision changes no priority; the dialog says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from commands import RecordLimitationDecision
from console.errors import user_message
from resources.care_plan import LimitationDecision, LimitationKind
from triage_rules.results import LimitationNotice

_CODE = re.compile(r" \([A-ZÅÄÖ]+\.[0-9H]\.[0-9]{2}\)")  # " (DÖD.1.01)": the endpoint's code, for RLS, not read


def without_codes(text: str) -> str:
    """A notice's `why` as the nurse reads it: the endpoint's code left out."""
    return _CODE.sub("", text)


class LimitationDialog(QDialog):
    """`make(decision, reason)` builds the command (its validation refuses a followed limitation without reason)."""

    def __init__(self, notice: LimitationNotice,
                 make: Callable[[LimitationDecision, str], RecordLimitationDecision], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("limitationDialog")
        self.setWindowTitle(self.tr("Beslut om behandlingsbegränsning"))
        self.kind = LimitationKind(notice.kind)
        self._make = make
        self.command: RecordLimitationDecision | None = None
        lay = QVBoxLayout(self)
        shown = QLabel(f"<b>⚠ {escape(notice.text)}</b>", objectName="planLimitation")
        shown.setWordWrap(True)
        lay.addWidget(shown)
        why = QLabel(without_codes(notice.why), objectName="questionHelp")
        why.setWordWrap(True)
        lay.addWidget(why)
        lay.addWidget(QLabel(self.tr("Vad beslutar du?"), objectName="sectionTitle"))
        self.group = QButtonGroup(self)
        self.decisions = LimitationDecision.for_kind(self.kind)
        self.options: list[QRadioButton] = []
        for n, decision in enumerate(self.decisions, start=1):
            button = QRadioButton(f"{n}   {decision.label(self.kind)}", objectName="limitationOption")
            button.setToolTip(decision.value)
            self.group.addButton(button, n)
            self.options.append(button)
            lay.addWidget(button)
        self.group.idClicked.connect(lambda _n: self.reason.setFocus())
        self.reason = QLineEdit(objectName="limitationReason")
        self.reason.setMaxLength(1000)
        self.reason.setPlaceholderText(self.tr("Motivering – krävs när begränsningen följs (t.ex. verifierat i "
                                               "journalen, vad som görs i stället)"))
        self.reason.returnPressed.connect(self._accept)
        lay.addWidget(self.reason)
        note = QLabel(self.tr("Beslutet registreras på ärendet med din motivering och ändrar inte prioriteten. "
                              "Ska prioritet eller vårdbehov ändras: överstyr (Ctrl+O), med skäl."),
                      objectName="questionHelp")
        note.setWordWrap(True)
        lay.addWidget(note)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.ok_button = QPushButton(self.tr("Registrera beslutet"), objectName="primaryAction")
        self.cancel_button = QPushButton(self.tr("Avbryt"))
        for b in (self.ok_button, self.cancel_button):
            b.setAutoDefault(False)
        self.ok_button.clicked.connect(self._accept)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        lay.addLayout(buttons)
        self.setMinimumWidth(760)  # the longest decision's label on one line (a radio button does not wrap)
        self.ok_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """Tall enough for the wrapped limitation and reasons at the dialog's width (a window's own size hint
        leaves wrapped text out, and would cut it)."""
        super().showEvent(event)
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1 … n choose a decision (typed into the reason field they are text)."""
        n = event.key() - Qt.Key.Key_0
        if not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier and 1 <= n <= len(self.options):
            self.choose(self.decisions[n - 1])
            return
        super().keyPressEvent(event)

    def choose(self, decision: LimitationDecision) -> None:
        self.options[self.decisions.index(decision)].setChecked(True)
        self.error.setText("")
        self.reason.setFocus()

    def chosen(self) -> LimitationDecision | None:
        n = self.group.checkedId()
        return self.decisions[n - 1] if n >= 1 else None

    def _accept(self) -> None:
        decision = self.chosen()
        if decision is None:
            self.error.setText(self.tr("Välj ett beslut (%s).") % ", ".join(str(n) for n in
                                                                            range(1, len(self.options) + 1)))
            return
        try:
            self.command = self._make(decision, self.reason.text().strip())
        except ValidationError as exc:  # the command's own Swedish reason (e.g. following needs a motivation)
            self.error.setText(user_message(exc))
            self.reason.setFocus()
            return
        self.accept()
