"""The triage tree as a keyboard-first wizard.

The current question is large; answers by number keys (1..9, 0 = vet ej); Backspace or
Alt+Left goes back; Enter confirms a vital sign (units and plausible range shown and
checked). In a vital sign's field digits are the value: "vet ej" there is the empty field
(Enter on it, or the Vet ej button), never a typed 0. The path so far, the provisional priority and the reasons update live. All
decisions are the engine's (through a TriageDriver); this widget only shows and forwards.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.calltaking.answer_button import AnswerButton
from console.calltaking.filtered_list import step_visible_row
from console.calltaking.question_area import QuestionArea
from console.calltaking.wizard_state import WizardState
from console.numbers import number
from console.theme import priority_style
from resources.patient_context import PatientContext


class TriageDriver(Protocol):
    def complaints(self) -> list[tuple[str, str]]: ...
    def start(self, complaint: str, context: PatientContext) -> WizardState: ...
    def answer(self, value: Any) -> WizardState: ...
    def back(self) -> WizardState: ...
    def rewind(self, keep: int) -> WizardState: ...
    def set_context(self, context: PatientContext) -> WizardState: ...
    def state(self) -> WizardState: ...
    def answers(self) -> list[tuple[str, Any]]: ...


class ComplaintChooser(QWidget):
    chosen = Signal(str)

    def __init__(self, complaints: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Kontaktorsak"), objectName="questionText"))
        hint = QLabel(self.tr("Skriv för att filtrera, pil upp/ned och Enter för att välja."), objectName="questionHelp")
        hint.setWordWrap(True)  # wraps rather than widening the triage column past a 1366 px screen
        lay.addWidget(hint)
        self.filter = QLineEdit(objectName="complaintFilter")
        self.filter.setPlaceholderText(self.tr("t.ex. bröst, fall, andning …"))
        self.list = QListWidget(objectName="complaintList")
        for code, name in complaints:
            item = QListWidgetItem(f"{name}  ({code})")
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        lay.addWidget(self.filter)
        lay.addWidget(self.list, 1)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._choose)
        self.list.itemActivated.connect(lambda _i: self._choose())
        self.filter.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
        if obj is self.filter and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step_visible_row(self.list, event.key())
                return True
        return False

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hide = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hide)
            if not hide and first is None:
                first = i
        if first is not None:
            self.list.setCurrentRow(first)

    def _choose(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def reset(self) -> None:
        self.filter.clear()
        self.list.setCurrentRow(0)


class TriageWizard(QWidget):
    state_changed = Signal(object)  # WizardState
    override_requested = Signal()
    red_flag_requested = Signal()

    def __init__(self, driver: TriageDriver, parent: QWidget | None = None):
        super().__init__(parent)
        self.driver = driver
        self.context = PatientContext()
        self.override_text = ""
        self._state = WizardState()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.stack = QStackedWidget()
        self.chooser = ComplaintChooser(driver.complaints())
        self.chooser.chosen.connect(self.start)
        self.stack.addWidget(self.chooser)

        page = QWidget(objectName="questionPage")
        q = QVBoxLayout(page)
        self.complaint_label = QLabel(objectName="complaintTitle")
        self.question = QLabel(objectName="questionText")
        self.question.setWordWrap(True)
        self.help = QLabel(objectName="questionHelp")
        self.help.setWordWrap(True)
        self.buttons_box = QVBoxLayout()
        self.vital_row = QWidget()
        vr = QHBoxLayout(self.vital_row)
        vr.setContentsMargins(0, 0, 0, 0)
        self.vital = QLineEdit(objectName="vitalInput")
        self.vital.setPlaceholderText(self.tr("tomt + Enter = vet ej"))
        self.vital.returnPressed.connect(self._confirm_vital)
        self.vital.installEventFilter(self)
        self.vital_unit = QLabel()
        self.vital_ok = QPushButton(self.tr("Bekräfta (Enter)"))
        self.vital_ok.clicked.connect(self._confirm_vital)
        self.vital_unknown = QPushButton(self.tr("Vet ej"))
        self.vital_unknown.clicked.connect(self._vital_unknown)
        for w in (self.vital, self.vital_unit, self.vital_ok, self.vital_unknown):
            vr.addWidget(w)
        self.vital_msg = QLabel(objectName="fieldError")
        self.done_label = QLabel(objectName="questionText")
        self.done_label.setWordWrap(True)
        # The question and its help take the room left by the answers (never cut: question_area.py)
        self.question_area = QuestionArea(self.question, self.help)
        q.addWidget(self.complaint_label)
        q.addWidget(self.question_area, 1)
        q.addLayout(self.buttons_box)
        q.addWidget(self.vital_row)
        q.addWidget(self.vital_msg)
        q.addWidget(self.done_label)
        q.addStretch(0)  # only what the question area (stretch 1) cannot take, at its full size
        nav = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← Tillbaka (Backspace)"))
        self.back_button.clicked.connect(self.back)
        self.override_button = QPushButton(self.tr("Överstyr … (Ctrl+O)"))
        self.override_button.clicked.connect(self.override_requested)
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.override_button)
        q.addLayout(nav)
        self.stack.addWidget(page)

        side = QVBoxLayout()
        self.red_flag_button = QPushButton(self.tr("Röd flagga… (Ctrl+R)"), objectName="redFlagButton")
        self.red_flag_button.setToolTip(self.tr("Registrera en röd flagga du hört, när som helst i samtalet: "
                                                "triageringen slutar med Prio 1"))
        self.red_flag_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.red_flag_button.clicked.connect(self.red_flag_requested)
        side.addWidget(self.red_flag_button)
        side.addWidget(QLabel(self.tr("Preliminär prioritet"), objectName="sectionTitle"))
        self.priority = QLabel("–", objectName="priorityBadge")
        self.priority.setAlignment(Qt.AlignmentFlag.AlignCenter)
        side.addWidget(self.priority)
        side.addWidget(QLabel(self.tr("Skäl"), objectName="sectionTitle"))
        self.reasons = QListWidget(objectName="reasonList")
        self.reasons.setWordWrap(True)
        side.addWidget(self.reasons, 1)
        side.addWidget(QLabel(self.tr("Vägen hittills"), objectName="sectionTitle"))
        path_help = QLabel(self.tr("Dubbelklicka på ett svar (eller markera det och tryck Enter) för att ändra det."),
                           objectName="questionHelp")
        path_help.setWordWrap(True)
        side.addWidget(path_help)
        self.path = QListWidget(objectName="pathList")
        self.path.setWordWrap(True)
        self.path.itemDoubleClicked.connect(self._rewind_to)
        # Number keys, Backspace and Enter typed while the path or the reasons have focus (after a
        # click) belong to the triage, never to the list's type-ahead search.
        self.path.installEventFilter(self)
        self.reasons.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        side.addWidget(self.path, 2)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack, 3)
        lay.addLayout(side, 2)
        self._answer_buttons: list[QPushButton] = []
        self._render()

    # --- driving ------------------------------------------------------------------------------
    @property
    def state(self) -> WizardState:
        return self._state

    def reset(self) -> None:
        self.override_text = ""
        self._state = WizardState()
        self.chooser.reset()
        self._render()

    def start(self, complaint: str) -> None:
        self.show_state(self.driver.start(complaint, self.context))
        self.setFocus()

    def answer(self, value: Any) -> None:
        if self._state.question is not None:
            self.show_state(self.driver.answer(value))

    def back(self) -> None:
        if self._state.complaint is None:
            return
        if not self._state.path:
            self._state = WizardState()
            self._render()
            self.chooser.filter.setFocus()
            self.state_changed.emit(self._state)
            return
        self.show_state(self.driver.back())

    def set_override_text(self, text: str) -> None:
        """What the priority badge says about an override ("" when there is none)."""
        self.override_text = text
        self._render()

    def set_context(self, context: PatientContext) -> None:
        self.context = context
        if self._state.complaint is not None:
            self.show_state(self.driver.set_context(context))

    def replay(self, complaint: str, answers: list[tuple[str, Any]]) -> None:
        """Rebuild a triage from a draft: the same answers give the same path. Each answer goes only to the question
        it answered; the replay stops where the path differs (e.g. a register step asked while the patient's context
        is not yet known), and the rest is not given to whatever question comes next."""
        self.show_state(self.driver.start(complaint, self.context), emit=False)
        for qid, value in answers:
            if self._state.question is None or self._state.question.id != qid:
                break
            self.show_state(self.driver.answer(value), emit=False)
        self._render()
        self.state_changed.emit(self._state)

    def focus_current(self) -> None:
        if self._state.complaint is None:
            self.chooser.filter.setFocus()
        elif self._state.question is not None and self._state.question.kind == "vital":
            self.vital.setFocus()
        else:
            self.setFocus()

    def show_state(self, state: WizardState, emit: bool = True) -> None:
        """Make `state` (one the driver returned) current; unless `emit` is False, draw it and announce it."""
        self._state = state
        if emit:
            self._render()
            self.state_changed.emit(state)

    def _rewind_to(self, item: QListWidgetItem) -> None:
        # Deferred: the rewind rebuilds the list, and the item must outlive the view's own
        # handling of the double-click; afterwards the keys go back to the question.
        keep = self.path.row(item)
        QTimer.singleShot(0, lambda: self.rewind(keep))

    def rewind(self, keep: int) -> None:
        """Change an earlier answer: keep the first `keep` steps of the path and ask the next again."""
        if self._state.complaint is None or not 0 <= keep < len(self._state.path):
            return
        self.show_state(self.driver.rewind(keep))
        self.focus_current()

    # --- keys ---------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        st = self._state
        if key == Qt.Key.Key_Left and mods & Qt.KeyboardModifier.AltModifier or key == Qt.Key.Key_Backspace:
            self.back()
            self.focus_current()
            return
        if st.question is not None and st.question.kind != "vital" and Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            n = key - Qt.Key.Key_0
            opts = st.question.options
            if n == 0:
                self.answer(st.question.unknown_value)
            elif n <= len(opts):
                self.answer(opts[n - 1][0])
            self.focus_current()
            return
        super().keyPressEvent(event)

    def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
        if obj is getattr(self, "path", None) and isinstance(event, QKeyEvent) \
                and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                if self.path.currentRow() >= 0:
                    self.rewind(self.path.currentRow())
                return True
            if Qt.Key.Key_0 <= event.key() <= Qt.Key.Key_9 or event.key() == Qt.Key.Key_Backspace:
                q = self._state.question
                if q is not None and q.kind == "vital" and event.key() != Qt.Key.Key_Backspace:
                    self.vital.setFocus()
                    self.vital.insert(event.text())
                else:
                    self.focus_current()
                    self.keyPressEvent(event)
                return True
            return False
        if obj is self.vital and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Left and event.modifiers() & Qt.KeyboardModifier.AltModifier:
                self.back()
                self.focus_current()
                return True
            if event.key() == Qt.Key.Key_Backspace and not self.vital.text():
                self.back()
                self.focus_current()
                return True
        return False

    def _confirm_vital(self) -> None:
        q = self._state.question
        if q is None:
            return
        text = self.vital.text().strip().replace(",", ".")
        if not text:  # the explicit "not known" of a number: an empty field, not 0
            self._vital_unknown()
            return
        field = q.text.rstrip(" ?")
        try:
            value = float(text)
        except ValueError:
            self.vital_msg.setText(self.tr("%s: skriv ett tal (%s), eller lämna fältet tomt och tryck Enter för "
                                           "vet ej.") % (field, q.unit))
            return
        if q.range is not None and not (q.range[0] <= value <= q.range[1]):
            self.vital_msg.setText(self.tr("%s: %s %s ligger utanför rimligt intervall %s–%s %s. Kontrollera värdet.")
                                   % (field, _num(value), q.unit, _num(q.range[0]), _num(q.range[1]), q.unit))
            return
        self.answer(value)
        self.focus_current()

    def _vital_unknown(self) -> None:
        if self._state.question is not None:
            self.answer(self._state.question.unknown_value)
            self.focus_current()

    # --- view ---------------------------------------------------------------------------------
    def _render(self) -> None:
        st = self._state
        self.stack.setCurrentIndex(0 if st.complaint is None else 1)
        self.complaint_label.setText(st.complaint_name)
        for b in self._answer_buttons:
            self.buttons_box.removeWidget(b)
            b.hide()  # hidden now: deleteLater waits for the event loop
            b.setParent(None)
            b.deleteLater()
        self._answer_buttons = []
        q = st.question
        self.vital_row.setVisible(q is not None and q.kind == "vital")
        self.vital_msg.setText("")
        if q is not None:
            self.question.setText(q.text)
            self.help.setText(q.help)
            self.help.setToolTip("")
            self.help.setVisible(bool(q.help))
            self.done_label.hide()
            if q.kind == "vital":
                self.vital.clear()
                rng = f" ({_num(q.range[0])}–{_num(q.range[1])})" if q.range else ""
                self.vital_unit.setText(q.unit + rng)
                self.vital_unknown.setText(self.tr("Vet ej"))
            else:
                for i, (value, label) in enumerate(q.options, start=1):
                    key = "0" if value == q.unknown_value else str(i)
                    b = AnswerButton(f"{key}   {label}")
                    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                    b.clicked.connect(lambda _=False, v=value: (self.answer(v), self.focus_current()))
                    self.buttons_box.addWidget(b)
                    self._answer_buttons.append(b)
        elif st.done:
            self.question.setText(self.tr("Triageringen är klar"))
            self.help.setVisible(True)
            self.help.setText(self.tr("Kontrollera rekommendationen och skicka vidare med Ctrl+Enter."))
            self.help.setToolTip(self.tr("Ändpunkt %s") % (st.endpoint_code or ""))  # the code for RLS, not read
            self.done_label.hide()
        self.question_area.fit()
        self.question_area.verticalScrollBar().setValue(0)  # a new question is read from its start
        prio = st.priority
        text = prio.label if prio else "–"
        if self.override_text:
            text += "\n" + self.override_text
        self.priority.setText(text)
        self.priority.setStyleSheet(priority_style(prio.value if prio else None))
        self.reasons.clear()
        for reason in st.reasons:  # the rule's id stays in the tooltip (and the RLS view), not in what is read
            item = QListWidgetItem(shown_reason(reason))
            item.setToolTip(reason)
            self.reasons.addItem(item)
        self.path.clear()
        for step in st.path:
            self.path.addItem(f"{step.question}  →  {step.answer}")
        if st.path:
            self.path.scrollToBottom()
        self.back_button.setEnabled(st.complaint is not None)


_RULE_TAG = re.compile(r"\s*\[[^\[\]]*\]")  # "[RF_MEDVETSLÖS]", "[BRÖST/andning]", "[NEWS2-2017]"
_ENDPOINT_CODE = re.compile(r"^Ändpunkt \S+ \(")  # "Ändpunkt RÖD.1.03 (Prio 1): …"


def shown_reason(reason: str) -> str:
    """A reason as the nurse reads it: without the rule ids and endpoint codes (kept in its tooltip and in the
    RLS physician's review view, where they are looked up)."""
    return _ENDPOINT_CODE.sub("Ändpunkt (", _RULE_TAG.sub("", reason)).strip()


def _num(x: float) -> str:
    return number(x)
