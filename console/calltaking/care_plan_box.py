"""The patient's own plan in the call-taking workspace ("Patientens plan", under the patient's context).

What the register holds, as the nurse reads it at the call: the treatment limitations first, each in a red frame with
who decided, when and where it is documented; then every current plan's "vid försämring" instructions with their
hours and team, the standing orders, and the plan's own words (shortened, the whole text one keystroke away); last
the expired plans and orders, muted and marked "Utgången …" — shown, never hidden, and never counted by the triage.

It shows the `CarePlanView` the context lookup already read (and audited) for the call: no read of its own."""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from console.local_time import local_text
from dispatch.plan_following import short_hours
from resources.care_plan import CarePlanEntry, CarePlanView, StandingOrder, TreatmentLimitation

FREE_TEXT_SHOWN = 110  # characters of a plan's own text shown before "Visa hela texten"


def shortened(text: str, limit: int = FREE_TEXT_SHOWN) -> str:
    """`text` cut at a word boundary before `limit` characters, with " …" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:–-") + " …"


def limitation_lines(lim: TreatmentLimitation) -> str:
    """'Beslutat av Dr X 2026-02-01, dokumenterat i Journal ASIH Lund.' (and the note on a line of its own)."""
    text = f"Beslutat av {lim.decided_by} {lim.decided_on.isoformat()}, dokumenterat i {lim.documented_in}."
    return f"{text}\n{lim.note}" if lim.note else text


def registered(source: str, at: datetime | None) -> str:
    """Where the register got the entry: the import file, or who edited it by hand, and when."""
    when = local_text(at)
    return f"Källa i registret: {source}" + (f", {when}" if when else "")


class FreeText(QWidget):
    """A plan's own words: shortened to two lines or so, the whole text in the tooltip and behind a button."""

    def __init__(self, text: str, expired: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.full, self.short = " ".join(text.split()), shortened(text)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.label = QLabel(self.short, objectName="expiredPlan" if expired else "planFreeText")
        self.label.setWordWrap(True)
        self.label.setToolTip(self.full)
        lay.addWidget(self.label)
        self.toggle = QPushButton(self.tr("Visa hela texten"), objectName="planTextToggle")
        self.toggle.setFlat(True)
        self.toggle.clicked.connect(self.switch)
        if self.short == self.full:
            self.toggle.hide()
        lay.addWidget(self.toggle)

    @property
    def expanded(self) -> bool:
        return self.label.text() == self.full

    def switch(self) -> None:
        shown_whole = not self.expanded
        self.label.setText(self.full if shown_whole else self.short)
        self.toggle.setText(self.tr("Visa mindre") if shown_whole else self.tr("Visa hela texten"))


class CarePlanBox(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("carePlanBox")
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(3)
        self.view: CarePlanView | None = None
        self.show_plan(None)

    def show_plan(self, view: CarePlanView | None) -> None:
        """Draw `view` (None: no patient identified, nothing read — the box is hidden)."""
        self.view = view
        while (item := self._lay.takeAt(0)) is not None:
            w = item.widget()
            if w is not None:
                w.hide()
                w.deleteLater()
        if view is None:
            self.hide()
            return
        title = self.tr("Patientens plan")
        if view.limitations:
            title += " – " + ", ".join(lim.label for lim in view.limitations)
        self._label(title, "sectionTitle")
        if view.empty:
            self._label(self.tr("Ingen vårdplan, behandlingsbegränsning eller ordination i registret."), "planNone")
        for lim in view.limitations:  # ej HLR first (care_plan_for orders them)
            banner = self._label(f"<b>⚠ {escape(lim.label)}</b><br>{escape(limitation_lines(lim))}"
                                 .replace("\n", "<br>"), "planLimitation", rich=True)
            banner.setToolTip(registered(lim.source, lim.updated_at))
        current = [p for p in view.plans if not p.expired]
        for plan in current:
            self._plan(plan)
        orders = [o for o in view.standing_orders if not o.expired]
        if orders:
            self._label(self.tr("Ordinationer i hemmet"), "planHeader")
            for order in orders:
                self._order(order)
        for plan in (p for p in view.plans if p.expired):
            self._plan(plan)
        for order in (o for o in view.standing_orders if o.expired):
            self._order(order)
        self.show()

    def _label(self, text: str, name: str, rich: bool = False) -> QLabel:
        label = QLabel(objectName=name)
        label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        label.setText(text)
        label.setWordWrap(True)
        self._lay.addWidget(label)
        return label

    def _plan(self, plan: CarePlanEntry) -> None:
        muted = plan.expired
        if muted:
            head = self.tr("Utgången %s – vårdplan från %s (gäller inte)") % (plan.valid_until.isoformat(), plan.team)
        else:
            head = self.tr("Vårdplan – %s") % plan.team
        self._label(head, "expiredPlan" if muted else "planHeader").setToolTip(registered(plan.source,
                                                                                           plan.updated_at))
        source = self.tr("Skriven %s av %s") % (plan.written_on.isoformat(), plan.author)
        if not muted:
            source += self.tr(" · gäller till %s") % plan.valid_until.isoformat()
        self._label(source, "expiredPlan" if muted else "planSource")
        if plan.items:
            self._label(self.tr("Vid försämring:"), "expiredPlan" if muted else "planSource")
        for item in plan.items:
            hours = short_hours(item)
            what = item.kind.label + (f" {hours}" if hours else "")
            self._label(f"• {what}: {item.text}", "expiredPlan" if muted else "planItem")
        if plan.free_text.strip():
            self._lay.addWidget(FreeText(plan.free_text, muted, self))

    def _order(self, order: StandingOrder) -> None:
        if order.expired:
            text = self.tr("Utgången %s – ordination: %s (%s)") % (order.valid_until.isoformat(), order.text,
                                                                   order.team)
        else:
            text = f"• {order.text} " + self.tr("(%s, gäller till %s)") % (order.team,
                                                                           order.valid_until.isoformat())
        self._label(text, "expiredPlan" if order.expired else "planItem").setToolTip(
            registered(order.source, order.updated_at))
