"""Vital signs in every call, at any time: RR, SpO2, pulse, systolic BP, temperature, ACVPU and glucose.

An empty field is "not measured / vet ej" — never a zero. A value is handed on when the field is left or
Enter is pressed; clearing a field (its clear button, or deleting the text) takes the value back at once.
The engine decides what the values mean; this panel shows its NEWS2 and what the values raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QWidget,
)

from console.numbers import number


@dataclass(frozen=True)
class VitalField:
    name: str  # the engine's name (TriageSession.set_vital)
    label: str  # short, on screen
    unit: str
    tip: str  # the full Swedish name


NUMERIC_FIELDS = (
    VitalField("rr", "AF", "/min", "Andningsfrekvens (andetag per minut)"),
    VitalField("spo2", "SpO2", "%", "Saturation (syremättnad)"),
    VitalField("pulse", "Puls", "/min", "Puls (slag per minut)"),
    VitalField("sbp", "Syst. BT", "mmHg", "Systoliskt blodtryck"),
    VitalField("temp", "Temp", "°C", "Temperatur"),
    VitalField("glucose", "P-glukos", "mmol/l", "Blodsocker (P-glukos)"),
)
ACVPU = (("A", "A – vaken"), ("C", "C – ny förvirring"), ("V", "V – reagerar på tilltal"),
         ("P", "P – reagerar på smärta"), ("U", "U – reagerar inte"))
NOT_MEASURED = "vet ej"


class VitalsPanel(QFrame):
    vital_changed = Signal(str, object)  # name, value (float, an ACVPU letter, or None = not measured)
    oxygen_changed = Signal(bool)  # supplemental oxygen (NEWS2)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("vitalsPanel")
        self._shown: dict[str, str] = {}  # what each field last handed on (to hand on only changes)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(3)
        title = QLabel(self.tr("Vitalparametrar (Ctrl+M)"), objectName="sectionTitle")
        title.setToolTip(self.tr("Kan tas när som helst i samtalet, i alla kontaktorsaker. Tomt fält = "
                                 "inte mätt (vet ej), aldrig noll. Värdena kan bara höja prioriteten."))
        self.news2 = QLabel(objectName="news2Badge")
        self.news2.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.news2)
        grid.addLayout(head, 0, 0, 1, 6)
        self.fields: dict[str, QLineEdit] = {}
        number = QRegularExpressionValidator(QRegularExpression(r"^\d{0,4}([.,]\d{0,2})?$"), self)
        for i, f in enumerate(NUMERIC_FIELDS):  # two columns: label, field, unit
            label = QLabel(f.label)
            label.setToolTip(f.tip)
            edit = QLineEdit(objectName=f"vital_{f.name}")
            edit.setPlaceholderText(NOT_MEASURED)
            edit.setToolTip(self.tr("%s i %s. Tomt = inte mätt (vet ej).") % (f.tip, f.unit))
            edit.setClearButtonEnabled(True)
            edit.setValidator(number)
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("000,0") + 40)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            label.setBuddy(edit)
            edit.editingFinished.connect(lambda n=f.name: self._hand_on(n))
            edit.textChanged.connect(lambda text, n=f.name: self._cleared(n, text))
            self.fields[f.name] = edit
            row, col = 1 + i // 2, 3 * (i % 2)
            grid.addWidget(label, row, col)
            grid.addWidget(edit, row, col + 1)
            grid.addWidget(QLabel(f.unit, objectName="vitalUnit"), row, col + 2)
        self.avpu = QComboBox(objectName="vital_avpu")
        self.avpu.setToolTip(self.tr("Medvetandegrad enligt ACVPU. \"vet ej\" = inte bedömd."))
        self.avpu.addItem(self.tr("vet ej"), None)
        for value, text in ACVPU:
            self.avpu.addItem(text, value)
        self.avpu.currentIndexChanged.connect(lambda _i: self.vital_changed.emit("avpu", self.avpu.currentData()))
        avpu_label = QLabel(self.tr("ACVPU"))
        avpu_label.setToolTip(self.tr("Medvetandegrad"))
        avpu_label.setBuddy(self.avpu)
        self.oxygen = QCheckBox(self.tr("Syrgas"), objectName="vitalOxygen")
        self.oxygen.setToolTip(self.tr("Patienten får syrgas (räknas i NEWS2)"))
        self.oxygen.toggled.connect(self.oxygen_changed)
        last = 1 + (len(NUMERIC_FIELDS) + 1) // 2
        grid.addWidget(avpu_label, last, 0)
        grid.addWidget(self.avpu, last, 1, 1, 3)
        grid.addWidget(self.oxygen, last, 4, 1, 2)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(5, 1)
        # The effect and a problem share one place: a message never moves the fields or what is below.
        self.effect = QLabel(objectName="vitalsEffect")
        self.effect.setWordWrap(True)
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        self.status = QStackedWidget()
        self.status.addWidget(self.effect)
        self.status.addWidget(self.error)
        grid.addWidget(self.status, last + 1, 0, 1, 6)
        self.show_assessment(None, [])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_status()

    def _fit_status(self) -> None:
        """The reason under the fields gets the height its wrapped text needs at the panel's width (what is below
        yields): a grid asks a word-wrapped label for too little on a small screen, and the text was drawn over
        the ACVPU row."""
        width = self.status.width()
        if width > 0:
            need = max(label.heightForWidth(width) for label in (self.effect, self.error))
            if self.status.minimumHeight() != need:
                self.status.setMinimumHeight(need)
        # …and the panel is never squeezed below it by the column (the recommendation below gives up the room)
        panel = max(self.layout().totalHeightForWidth(self.width()), self.minimumSizeHint().height())
        if self.minimumHeight() != panel:
            self.setMinimumHeight(panel)

    # --- input --------------------------------------------------------------------------------
    def focus_first(self) -> None:
        """Ctrl+M: to the first field (Tab goes on through the others)."""
        self.fields[NUMERIC_FIELDS[0].name].setFocus()
        self.fields[NUMERIC_FIELDS[0].name].selectAll()

    def _hand_on(self, name: str) -> None:
        text = self.fields[name].text().strip().replace(",", ".")
        if text == self._shown.get(name, ""):
            return
        self._shown[name] = text
        if not text:
            self.vital_changed.emit(name, None)
            return
        try:
            value = float(text)
        except ValueError:  # "," or "." alone
            self.show_error(self.tr("%s: skriv ett tal eller lämna fältet tomt (vet ej).") % _tip(name))
            return
        self.vital_changed.emit(name, value)

    def _cleared(self, name: str, text: str) -> None:
        if not text.strip():
            self._hand_on(name)  # cleared = not measured, at once (the clear button leaves no editingFinished)

    # --- shown --------------------------------------------------------------------------------
    def show_error(self, text: str, name: str | None = None) -> None:
        """A problem with a value (the engine's message names the field); the field keeps the text to correct."""
        self.error.setText(text)
        self.status.setCurrentWidget(self.error)
        self._fit_status()
        if name is not None and name in self.fields:
            self._shown.pop(name, None)  # not taken: leaving the field again hands it on again
            self.fields[name].setFocus()
            self.fields[name].selectAll()

    def clear_error(self) -> None:
        self.error.setText("")
        self.status.setCurrentWidget(self.effect)
        self._fit_status()

    def show_assessment(self, news2: int | None, effects: list[str]) -> None:
        """The engine's NEWS2 of the known values and the reasons the values added (what they raised)."""
        self.news2.setText(self.tr("NEWS2: %s") % ("–" if news2 is None else news2))
        self.news2.setToolTip(self.tr("NEWS2 av de uppmätta värdena (vuxna); – när inget är mätt eller för barn."))
        self.news2.setProperty("level", _news2_level(news2))
        self.news2.style().unpolish(self.news2)
        self.news2.style().polish(self.news2)
        self.effect.setText("\n".join(compact(e) for e in effects) if effects
                            else self.tr("Inga vitalparametrar har höjt prioriteten."))
        self.effect.setToolTip("\n".join(effects))  # the whole reasons, with each parameter's points
        self._fit_status()

    def show_tree_values(self, values: dict[str, float]) -> None:
        """Values answered to the triage's own questions, greyed in the empty fields (typing replaces them)."""
        for f in NUMERIC_FIELDS:
            edit = self.fields[f.name]
            value = values.get(f.name)
            edit.setPlaceholderText(NOT_MEASURED if value is None else _number(value))
            edit.setToolTip(self.tr("%s i %s. Tomt = inte mätt (vet ej).") % (f.tip, f.unit) if value is None else
                            self.tr("%s: %s %s, besvarat i triagefrågan. Ett värde här ersätter det.")
                            % (f.tip, _number(value), f.unit))

    def values(self) -> dict[str, float | str]:
        """The values as the panel shows them (empty fields left out)."""
        out: dict[str, float | str] = {}
        for name, edit in self.fields.items():
            text = edit.text().strip().replace(",", ".")
            try:
                out[name] = float(text)
            except ValueError:
                continue
        if self.avpu.currentData():
            out["avpu"] = str(self.avpu.currentData())
        return out

    def set_values(self, values: dict[str, float | str], oxygen: bool = False) -> None:
        """Show stored values without handing them on (restoring a draft, a new call)."""
        for name, edit in self.fields.items():
            value = values.get(name)
            text = "" if value is None else _number(float(value))
            edit.blockSignals(True)
            edit.setText(text)
            edit.blockSignals(False)
            self._shown[name] = text.replace(",", ".")
        self.avpu.blockSignals(True)
        self.avpu.setCurrentIndex(max(0, self.avpu.findData(values.get("avpu"))))
        self.avpu.blockSignals(False)
        self.oxygen.blockSignals(True)
        self.oxygen.setChecked(oxygen)
        self.oxygen.blockSignals(False)
        self.clear_error()


def compact(reason: str) -> str:
    """A scoring reason without its first parenthesis (the points per parameter, kept in the tooltip and
    the reasons list): "NEWS2 9 (…) → höjer till minst Prio 1: …" reads "NEWS2 9 → höjer till minst Prio 1: …"."""
    start = reason.find(" (")
    if start < 0:
        return reason
    depth = 0
    for i in range(start + 1, len(reason)):
        depth += {"(": 1, ")": -1}.get(reason[i], 0)
        if depth == 0:
            return reason[:start] + reason[i + 1:]
    return reason


def _tip(name: str) -> str:
    return next((f.tip for f in NUMERIC_FIELDS if f.name == name), name)


def _number(x: float) -> str:
    return number(x)


def _news2_level(news2: int | None) -> str:
    if news2 is None:
        return "none"
    return "high" if news2 >= 7 else "medium" if news2 >= 5 else "low"
