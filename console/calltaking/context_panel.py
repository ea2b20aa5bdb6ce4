"""What the region knows about the patient: enrolment, SÄBO, home care, and — prominently —
a recent contact that ended "lämnad hemma" (a recontact is a warning sign)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from resources.patient_context import PatientContext


class ContextPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Patientens sammanhang"), objectName="sectionTitle")
        self.recontact = QLabel(objectName="recontactBanner")
        self.recontact.setWordWrap(True)
        self.recontact.hide()
        self.facts = QLabel(objectName="contextFacts")
        self.facts.setWordWrap(True)
        lay.addWidget(title)
        lay.addWidget(self.recontact)
        lay.addWidget(self.facts)
        self.show_context(None, None)

    def show_context(self, ctx: PatientContext | None, recontact_summary: str | None) -> None:
        if recontact_summary:
            self.recontact.setText("⚠ " + recontact_summary + " " + self.tr(
                "Prioriteten höjs enligt reglerna och ärendet flaggas för RLS-granskning."))
            self.recontact.show()
        else:
            self.recontact.hide()
        if ctx is None or (ctx.personnummer is None and ctx.age is None):
            self.facts.setText(self.tr("Ingen patient angiven ännu."))
            return
        lines = []
        if ctx.age is not None:
            lines.append(self.tr("Ålder: %d år") % ctx.age)
        if ctx.enrolled_mobile_team:
            lines.append(self.tr("Inskriven i mobilt vårdteam: %s") % ctx.enrolled_mobile_team)
        if ctx.enrolled_asih:
            lines.append(self.tr("Inskriven i ASIH: %s") % ctx.enrolled_asih)
        if ctx.lives_in_saebo:
            lines.append(self.tr("Bor i särskilt boende (SÄBO)"))
        if ctx.home_care:
            lines.append(self.tr("Har kommunal hemsjukvård"))
        if ctx.listed_vardcentral:
            lines.append(self.tr("Listad på: %s") % ctx.listed_vardcentral)
        if ctx.known_psychiatric_team:
            lines.append(self.tr("Känd av psykiatriteam: %s") % ctx.known_psychiatric_team)
        if len(lines) <= (1 if ctx.age is not None else 0):
            lines.append(self.tr("Inget känt i patientregistret."))
        self.facts.setText("\n".join(lines))
