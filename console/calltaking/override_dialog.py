"""Override the triage's priority (and/or transport need) — only with a reason, which RLS reviews.

The care need that follows a new priority is the engine's (a preview of the same override), shown before the
nurse confirms; a changed transport applies on top of it."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from resources.care_need import CareNeed, CareNeedPart
from resources.vocabulary import Priority, TransportNeed

Preview = Callable[[Priority], tuple[CareNeed, str]]  # the engine's care need for this priority, and its source


class OverrideDialog(QDialog):
    def __init__(self, priority: Priority, care_need: CareNeed, parent: QWidget | None = None,
                 preview: Preview | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Överstyr triageringen"))
        self._base_priority, self._care_need = priority, care_need
        self._preview = preview
        self._derived = care_need  # the need for the chosen priority, before a transport change
        self._source = ""  # where the engine took that need from (Swedish)
        form = QFormLayout(self)
        intro = QLabel(self.tr("Reglerna gav %s. En överstyrning granskas av RLS-läkaren.") % priority.label)
        intro.setWordWrap(True)
        form.addRow(intro)
        self.priority = QComboBox(objectName="overridePriority")
        for p in (Priority.P1, Priority.P2, Priority.P3, Priority.REFERRAL):
            self.priority.addItem(p.label, p)
        self.priority.setCurrentIndex(self.priority.findData(priority))
        self.transport = QComboBox(objectName="overrideTransport")
        for t in TransportNeed:
            self.transport.addItem(t.label, t)
        self.transport.setCurrentIndex(self.transport.findData(care_need.transport))
        self.need = QLabel(objectName="overrideCareNeed")
        self.need.setWordWrap(True)
        self.reason = QPlainTextEdit(objectName="overrideReason")
        self.reason.setPlaceholderText(self.tr("Varför avviker du från reglerna? (krävs)"))
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        form.addRow(self.tr("Prioritet"), self.priority)
        form.addRow(self.tr("Transportbehov"), self.transport)
        form.addRow(self.tr("Vårdbehov"), self.need)
        form.addRow(self.tr("Motivering"), self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Överstyr"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Avbryt"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.priority.currentIndexChanged.connect(lambda _i: self._priority_changed())
        self.transport.currentIndexChanged.connect(lambda _i: self._show_need())
        self._show_need()
        self.setMinimumWidth(520)

    def _chosen_priority(self) -> Priority:
        return Priority(self.priority.currentData())  # combo data of a StrEnum comes back as str

    def _priority_changed(self) -> None:
        """The engine's care need for the new priority; the transport follows it (the nurse may change it)."""
        priority = self._chosen_priority()
        self._derived, self._source = self._care_need, ""
        if self._preview is not None and priority != self._base_priority:
            try:
                self._derived, self._source = self._preview(priority)
                self.error.setText("")
            except ValueError as exc:  # the engine's own message (TriageInputError is a ValueError)
                self.error.setText(str(exc))
        self.transport.blockSignals(True)
        self.transport.setCurrentIndex(self.transport.findData(self._derived.transport))
        self.transport.blockSignals(False)
        self._show_need()

    def _show_need(self) -> None:
        need = self._final_need()
        source = without_codes(self._source) if need == self._derived else self.tr("med ändrat transportbehov")
        self.need.setText(care_need_text(need) + (f"\n({source})" if source else ""))

    def _final_need(self) -> CareNeed:
        transport = TransportNeed(self.transport.currentData())
        if transport != self._derived.transport:
            return self._derived.model_copy(update={"transport": transport})
        return self._derived

    def _accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("En överstyrning kräver en motivering."))
            return
        self.accept()

    def chosen(self) -> tuple[Priority | None, CareNeed | None, str]:
        """(priority, care need, reason): the care need only when the nurse changed what the engine gives."""
        priority = self._chosen_priority()
        need = self._final_need()
        return priority, need if need != self._derived else None, self.reason.toPlainText().strip()


def care_need_text(need: CareNeed) -> str:
    """A care need as a nurse reads it: transport, what the unit must be able to do, by when; further units."""
    return "\n".join(_part_text(p) for p in need.parts())


def _part_text(part: CareNeedPart) -> str:
    caps = ", ".join(sorted(c.label for c in part.capabilities)) or "ingen särskild"
    when = f"inom {part.max_minutes} min" if part.max_minutes is not None else "ingen tidsgräns"
    who = f"{part.role}: " if part.role else ""
    return f"{who}Transport: {part.transport.label.lower()}; förmåga: {caps}; {when}"


def without_codes(text: str) -> str:
    """`text` without a rule set's internal names in parentheses, e.g. "(AMBULANS_P1)" (one word, no spaces)."""
    return re.sub(r"\s*\([^()\s]+\)", "", text)
