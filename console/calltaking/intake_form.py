"""Who is calling, from where, about whom: the first half of a call.

Personnummer is checked as it is typed (records.personnummer: format, date, check
digit; reservnummer allowed) with the reason in plain Swedish. Kommun has a
completer over Skåne's 33 kommuner (resources.geography). The address field offers the
address register's matches as it is typed, and the position rows under the kommun say where
the case's position comes from (console/calltaking/location.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from console.calltaking.location import CallLocation
from records.cases import CaseIntake
from records.personnummer import InvalidPersonnummer, normalise
from resources.geography import Geography
from resources.settings import load_settings


class IntakeForm(QWidget):
    changed = Signal()  # any field edited (drives the draft save)
    patient_changed = Signal()  # personnummer/age settled: look the context up again

    def __init__(self, geography: Geography, parent: QWidget | None = None, *, max_accuracy_m: float | None = None):
        super().__init__(parent)
        self._geo = geography
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # In a narrow column (1366 px with the readable 11 pt font) a field goes under its label instead of
        # widening the call-taking workspace past the screen; at the usual widths it stays beside it.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.caller = QLineEdit(objectName="caller")
        self.caller.setPlaceholderText(self.tr("Namn på den som ringer"))
        self.phone = QLineEdit(objectName="phone")
        self.phone.setPlaceholderText(self.tr("t.ex. 070-123 45 67"))
        self.address = QLineEdit(objectName="address")
        self.address.setPlaceholderText(self.tr("Gatuadress eller plats"))
        self.kommun = QComboBox(objectName="kommun")
        self.kommun.setEditable(True)
        self.kommun.addItem("")
        self.kommun.addItems(sorted(k.name for k in geography.kommuner))
        completer = QCompleter([k.name for k in geography.kommuner], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.kommun.setCompleter(completer)
        self.kommun.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.kommun_msg = QLabel(objectName="fieldError")
        self.kommun_msg.setWordWrap(True)  # a long message must wrap, not widen the form
        settings = load_settings()
        self.location = CallLocation(geography, self.address, self.kommun, self.phone, parent=self,
                                     max_accuracy_m=(max_accuracy_m if max_accuracy_m is not None
                                                     else settings.position_max_accuracy_m),
                                     max_age_s=settings.aml_max_age_s)
        panel = self.location.panel
        self.patient = QLineEdit(objectName="patientName")
        self.pnr = QLineEdit(objectName="personnummer")
        self.pnr.setPlaceholderText(self.tr("ÅÅÅÅMMDD-NNNN"))
        self.pnr.setToolTip(self.tr("Valfritt. Personnummer, samordningsnummer eller reservnummer (ÅÅÅÅMMDD-RNNN)."))
        self.pnr_msg = QLabel(objectName="fieldError")
        self.pnr_msg.setWordWrap(True)
        self.age = QSpinBox(objectName="age")
        self.age.setRange(-1, 130)
        self.age.setSpecialValueText(self.tr("okänd"))
        self.age.setValue(-1)
        self.age.setSuffix(self.tr(" år"))
        form.addRow(self.tr("Inringare"), self.caller)
        form.addRow(self.tr("Återuppringningsnummer"), self.phone)
        form.addRow(self.tr("Adress / plats"), self.address)
        form.addRow(panel.register_hint)
        form.addRow(self.tr("Kommun"), self.kommun)
        form.addRow(self.kommun_msg)  # the whole width: a message wraps less, so fewer lines in a short column
        form.addRow(panel.summary)  # the whole width too: "Position: Storgatan 12, 271 39 Ystad (…)"
        form.addRow(panel.pending_row)
        form.addRow(panel.phone_row)
        form.addRow(self.tr("Patient"), self.patient)
        form.addRow(self.tr("Personnummer"), self.pnr)
        form.addRow(self.pnr_msg)
        form.addRow(self.tr("Ålder"), self.age)
        self.kommun_msg.hide()
        self.pnr_msg.hide()
        for w in (self.caller, self.phone, self.address, self.patient):
            w.textEdited.connect(self.changed)
        self.location.changed.connect(self.changed)
        for w in (self.caller, self.phone, self.address, self.patient, self.pnr):  # what is typed stays readable:
            w.setMinimumWidth(w.fontMetrics().horizontalAdvance("0" * 13))  # too narrow, it goes under its label
        self.kommun.currentTextChanged.connect(self._check_kommun)
        # Enter (or leaving the field) takes the one kommun the typed start names: "Lun" is Lund.
        self.kommun.lineEdit().editingFinished.connect(self._complete_kommun)
        self.pnr.textChanged.connect(self._check_pnr)  # also when a draft is restored, not only on typing
        self.pnr.editingFinished.connect(self.patient_changed)
        self.age.valueChanged.connect(self.changed)
        self.age.editingFinished.connect(self.patient_changed)

    # --- validation ---------------------------------------------------------------------------
    def _check_pnr(self) -> None:
        self._check_pnr_text()
        self.pnr_msg.setVisible(bool(self.pnr_msg.text()))  # an empty row keeps no room (1366×768 has none)
        self.changed.emit()

    def _check_pnr_text(self) -> None:
        text = self.pnr.text().strip()
        if not text:
            self.pnr_msg.setText("")
        else:
            try:
                norm = normalise(text)
            except InvalidPersonnummer as exc:
                self.pnr_msg.setObjectName("fieldError")
                self.pnr_msg.setText(str(exc))
            else:
                self.pnr_msg.setObjectName("fieldOk")
                kind = (self.tr("reservnummer") if norm[9].isalpha()
                        else self.tr("samordningsnummer") if int(norm[6:8]) > 60 else self.tr("personnummer"))
                self.pnr_msg.setText(self.tr("Giltigt %s: %s") % (kind, norm))
            self.pnr_msg.style().unpolish(self.pnr_msg)
            self.pnr_msg.style().polish(self.pnr_msg)

    def _check_kommun(self, text: str) -> None:
        ok = not text or self._geo.has_kommun(text)
        if ok:
            self.kommun_msg.setText("")
        else:
            candidates = self._kommuner_starting(text)
            hint = (self.tr("Menade du %s?") % self._or_list(candidates[:5]) if candidates
                    else self.tr("Välj en av Skånes kommuner."))
            self.kommun_msg.setText(self.tr("Okänd kommun: %s. %s") % (text, hint))
        self.kommun_msg.setVisible(not ok)
        self.changed.emit()

    def _kommuner_starting(self, text: str) -> list[str]:
        start = text.strip().casefold()
        return sorted(k.name for k in self._geo.kommuner if start and k.name.casefold().startswith(start))

    def _or_list(self, names: list[str]) -> str:
        return names[0] if len(names) == 1 else self.tr("%s eller %s") % (", ".join(names[:-1]), names[-1])

    def _complete_kommun(self) -> None:
        text = self.kommun.currentText().strip()
        if not text or self._geo.has_kommun(text):
            return
        exact = [k.name for k in self._geo.kommuner if k.name.casefold() == text.casefold()]
        candidates = exact or self._kommuner_starting(text)
        if len(candidates) == 1:
            self.kommun.setCurrentText(candidates[0])

    def personnummer(self) -> str | None:
        """The normalised personnummer, or None when empty or invalid."""
        try:
            return normalise(self.pnr.text()) if self.pnr.text().strip() else None
        except InvalidPersonnummer:
            return None

    def problems(self) -> list[str]:
        """What must be fixed before the case can leave the call (Swedish)."""
        out = []
        if self.pnr.text().strip() and self.personnummer() is None:
            out.append(self.pnr_msg.text() or self.tr("Personnumret är ogiltigt."))
        k = self.kommun.currentText().strip()
        if not k:
            out.append(self.tr("Ange kommun (behövs för att hitta närmaste resurs)."))
        elif not self._geo.has_kommun(k):
            out.append(self.tr("Okänd kommun: %s.") % k)
        return out

    # --- data ---------------------------------------------------------------------------------
    def intake(self) -> CaseIntake:
        """The case's intake; its position is the one chosen, else the kommun's centre, marked rough (location.py)."""
        k = self.kommun.currentText().strip()
        return CaseIntake(caller_name=self.caller.text(), callback_phone=self.phone.text(),
                          address=self.address.text(), kommun=k if self._geo.has_kommun(k) else None,
                          **self.location.fields(), patient_name=self.patient.text(),
                          personnummer=self.personnummer(), patient_age=self.age_value())

    def age_value(self) -> int | None:
        return None if self.age.value() < 0 else self.age.value()

    def payload(self) -> dict[str, Any]:
        return {"caller": self.caller.text(), "phone": self.phone.text(), "address": self.address.text(),
                "kommun": self.kommun.currentText(), "position": self.location.payload(),
                "patient": self.patient.text(), "pnr": self.pnr.text(), "age": self.age.value()}

    def restore(self, data: dict[str, Any]) -> None:
        self.caller.setText(data.get("caller", ""))
        self.phone.setText(data.get("phone", ""))
        self.address.setText(data.get("address", ""))
        self.kommun.setCurrentText(data.get("kommun", ""))
        self.location.restore(data.get("position"))  # after the kommun: setting it by hand would let a position go
        self.pnr.setText(data.get("pnr", ""))
        self.patient.setText(data.get("patient", ""))
        self.age.setValue(int(data.get("age", -1)))

    def clear(self) -> None:
        self.restore({})
