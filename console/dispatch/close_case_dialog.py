"""The dialog that closes a case with a structured outcome: the outcome codes the units report on their feeds,
shown by their Swedish labels, the emergency department by name where the code needs one (the nearest is
proposed), a receiver where one helps, and an optional note. For a patient with a current care plan it asks whether
the plan was followed (Ja / Nej with why / Ej tillämpligt), for the teams' statistics (docs/outcomes.md)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from console.complaint_names import complaint_name
from outcomes.plan_answer import PLAN_REASON_MAX
from records.cases import CaseView
from resources.care_plan import CarePlanView
from resources.geography import Geography
from resources.vocabulary import OutcomeCode, Priority

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
RECEIVER_CODES = frozenset({OutcomeCode.TO_VARDCENTRAL, OutcomeCode.TO_PSYCH_ED, OutcomeCode.TO_WARD,
                            OutcomeCode.HANDED_OVER_TEAM})
NOTE_MAX = 2000


class CloseCaseDialog(QDialog):
    """`choice()` -> (code, destination or None, note or None) once complete, else None with the reason shown."""

    def __init__(self, case: CaseView, units: list[str], geography: Geography, parent: QWidget | None = None, *,
                 plan: CarePlanView | None = None):
        super().__init__(parent)
        self.setObjectName("closeCaseDialog")
        self.setMinimumWidth(520)
        self.case = case
        self.setWindowTitle(self.tr("Avsluta ärende %d") % case.id)
        prio = Priority(case.priority).label if case.priority else self.tr("ej prioriterat")
        head = QLabel(self.tr("Ärende %d · %s · %s · %s") % (case.id, prio, case.kommun or "",
                                                             complaint_name(case.complaint)))
        head.setObjectName("closeCaseHeading")
        f = head.font()
        f.setBold(True)
        head.setFont(f)
        sent = QLabel(self.tr("Enheter: %s") % ", ".join(units) if units else self.tr("Ingen enhet dirigerad."))

        self.codes = QListWidget()
        self.codes.setObjectName("outcomeCodes")
        for code in OutcomeCode:
            item = QListWidgetItem(code.label)
            item.setData(CODE_ROLE, code.value)
            self.codes.addItem(item)
        self.codes.setMinimumHeight(self.codes.sizeHintForRow(0) * self.codes.count() + 6)
        self.codes.currentRowChanged.connect(lambda _r: self._code_changed())

        self.ed_label = QLabel(self.tr("Akutmottagning:"))
        self.ed = QComboBox()
        self.ed.setObjectName("outcomeEd")
        for e in geography.emergency_departments:
            self.ed.addItem(e.name, e.code)
        if case.lat is not None and case.lon is not None:  # the nearest one, as the unit would most likely go
            self.ed.setCurrentIndex(self.ed.findData(geography.nearest_ed(case.lat, case.lon, True).code))
        self.receiver_label = QLabel(self.tr("Mottagare (valfritt):"))
        self.receiver = QLineEdit()
        self.receiver.setObjectName("outcomeReceiver")
        self.receiver.setMaxLength(128)
        self.receiver.setPlaceholderText(self.tr("t.ex. vårdcentral, avdelning eller team"))
        self.note = QLineEdit()
        self.note.setObjectName("outcomeNote")
        self.note.setMaxLength(NOTE_MAX)
        self.note.setPlaceholderText(self.tr("Valfritt"))
        self.plan_box = self._plan_question(plan)
        self.error = QLabel()
        self.error.setObjectName("closeCaseError")
        self.error.setStyleSheet("color: #e5484d; font-weight: bold;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Avsluta ärendet"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(sent)
        layout.addWidget(QLabel(self.tr("Utfall:")))
        layout.addWidget(self.codes)
        for w in (self.ed_label, self.ed, self.receiver_label, self.receiver):
            layout.addWidget(w)
        layout.addWidget(QLabel(self.tr("Anteckning (valfritt):")))
        layout.addWidget(self.note)
        if self.plan_box is not None:
            layout.addWidget(self.plan_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._code_changed()
        self.codes.setFocus()

    def _plan_question(self, plan: CarePlanView | None) -> QWidget | None:
        """"Följdes patientens plan?" — only for a patient with a current plan (None otherwise: nothing asked)."""
        self.plan_buttons = QButtonGroup(self)
        self.plan_reason = QLineEdit(objectName="planReason")
        current = plan.current_plans() if plan is not None else []
        self.asks_plan = bool(current)
        if not current:
            return None
        box = QWidget(objectName="planQuestion")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 6, 0, 0)
        teams = ", ".join(dict.fromkeys(p.team for p in current))
        lay.addWidget(QLabel(self.tr("Följdes patientens plan (%s)?") % teams, objectName="planQuestionLabel"))
        row = QHBoxLayout()
        for value, mnemonic in (("yes", "&Ja"), ("no", "&Nej"), ("not_applicable", "&Ej tillämpligt")):
            button = QRadioButton(self.tr(mnemonic), objectName=f"plan_{value}")
            button.setProperty("answer", value)
            self.plan_buttons.addButton(button)
            row.addWidget(button)
        row.addStretch(1)
        lay.addLayout(row)
        self.plan_reason.setMaxLength(PLAN_REASON_MAX)
        self.plan_reason.setPlaceholderText(self.tr("Varför följdes planen inte? (krävs)"))
        self.plan_reason.hide()
        lay.addWidget(self.plan_reason)
        self.plan_buttons.buttonToggled.connect(lambda _b, _on: self._plan_changed())
        return box

    def answer_plan(self, value: str) -> None:
        """Tests and keyboard: choose an answer by its value (yes | no | not_applicable)."""
        for b in self.plan_buttons.buttons():
            if b.property("answer") == value:
                b.setChecked(True)

    def _plan_changed(self) -> None:
        checked = self.plan_buttons.checkedButton()
        no = checked is not None and checked.property("answer") == "no"
        self.plan_reason.setVisible(no)
        if no:
            self.plan_reason.setFocus()
        self.error.clear()

    def plan_answer(self) -> tuple[str | None, str | None]:
        """(yes | no | not_applicable, the reason with no); (None, None) when the plan is not asked about."""
        checked = self.plan_buttons.checkedButton()
        if not self.asks_plan or checked is None:
            return None, None
        value = str(checked.property("answer"))
        return value, (self.plan_reason.text().strip() or None) if value == "no" else None

    def offered_plan_answers(self) -> list[str]:
        return [b.text().replace("&", "") for b in self.plan_buttons.buttons()]

    def code(self) -> OutcomeCode | None:
        item = self.codes.currentItem()
        return None if item is None else OutcomeCode(item.data(CODE_ROLE))

    def select_code(self, code: OutcomeCode) -> None:
        for i in range(self.codes.count()):
            if self.codes.item(i).data(CODE_ROLE) == code.value:
                self.codes.setCurrentRow(i)

    def offered(self) -> list[str]:
        return [self.codes.item(i).text() for i in range(self.codes.count())]

    def _code_changed(self) -> None:
        code = self.code()
        needs_ed = code is not None and code.needs_destination
        for w in (self.ed_label, self.ed):
            w.setVisible(needs_ed)
        for w in (self.receiver_label, self.receiver):
            w.setVisible(code in RECEIVER_CODES)
        self.error.clear()

    def choice(self) -> tuple[OutcomeCode, str | None, str | None] | None:
        code = self.code()
        if code is None:
            self.error.setText(self.tr("Välj vad som hände patienten."))
            self.codes.setFocus()
            return None
        destination: str | None = None
        if code.needs_destination:
            destination = self.ed.currentData()
            if not destination:
                self.error.setText(self.tr("Välj vilken akutmottagning patienten kördes till."))
                return None
        elif code in RECEIVER_CODES:
            destination = self.receiver.text().strip() or None
        if self.asks_plan:
            followed, reason = self.plan_answer()
            if followed is None:
                self.error.setText(self.tr("Svara om patientens plan följdes (Ja, Nej eller Ej tillämpligt)."))
                return None
            if followed == "no" and reason is None:
                self.error.setText(self.tr("Skriv varför patientens plan inte följdes."))
                self.plan_reason.setFocus()
                return None
        return code, destination, self.note.text().strip() or None

    def accept(self) -> None:
        if self.choice() is not None:
            super().accept()
