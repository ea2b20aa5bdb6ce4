"""The patient's own plan above the triage, where the nurse is looking (issue 20); the whole plan is under
Sammanhang (care_plan_box.py), which a small screen leaves little room.

Its looks, by what the plan holds and what the path meets:
- a current plan: one line with its team, how long it is valid and its "vid försämring" items;
- treatment limitations (amber): each with who decided, when and where it is documented, and the plan's line;
- a limitation the call's path concerns — ej HLR on a cardiac-arrest path — (red): the limitation, why it meets this
  path, and the button to decide (Ctrl+B; Ctrl+Enter asks too: the call is not sent without the decision);
- once decided: what was decided and why;
- only an expired plan (muted): that it is expired, since when."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.calltaking.limitation_dialog import without_codes
from dispatch.plan_following import short_hours
from resources.care_plan import CarePlanEntry, CarePlanView
from triage_rules.results import LimitationNotice

DecidedLookup = Callable[[str], dict[str, Any] | None]  # a limitation's kind → the decision on this path, if any


def plan_line(plan: CarePlanEntry) -> str:
    """'Plan från ASIH Lund, gäller till 2026-06-30: Ring teamet 08–17 · Läkarbil 17–08 · Vill inte till sjukhus'."""
    items = " · ".join(item.kind.label + (f" {short_hours(item)}" if short_hours(item) else "") for item in plan.items)
    head = f"Plan från {plan.team}, gäller till {plan.valid_until.isoformat()}"
    return f"{head}: {items}" if items else head


class PlanBanner(QFrame):
    decide_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planBanner")
        self.headline = QLabel(objectName="planBannerHeadline")
        self.headline.setWordWrap(True)
        self.details = QLabel(objectName="planBannerText")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.decide_button = QPushButton(self.tr("Beslut… (Ctrl+B)"), objectName="limitationDecide")
        self.decide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the triage
        self.decide_button.clicked.connect(self.decide_requested)
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.decide_button, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.details)
        self.state = ""
        self.show_plan(None, (), lambda _k: None)

    def show_plan(self, view: CarePlanView | None, notices: tuple[LimitationNotice, ...],
                  decided: DecidedLookup) -> None:
        """`view`: the plan the lookup read (None: no patient identified); `notices`: the triage's limitations."""
        current = [p for p in view.plans if not p.expired] if view is not None else []
        plans = [escape(plan_line(p)) for p in current]
        applying = [n for n in notices if n.applies]
        if applying:
            self._limitations_on_the_path(applying, notices, decided)
        elif view is not None and view.limitations:
            self._set("info", self.tr("⚠ Behandlingsbegränsning i patientens plan: %s")
                      % ", ".join(lim.label for lim in view.limitations),
                      [escape(f"{lim.label}: beslutat av {lim.decided_by} {lim.decided_on.isoformat()}, "
                              f"dokumenterat i {lim.documented_in}") for lim in view.limitations] + plans)
        elif current:
            self._set("plan", self.tr("Patientens plan – hela planen under Sammanhang"), plans)
        elif view is not None and view.plans:
            self._set("expired", self.tr("Patientens plan är utgången och gäller inte"),
                      [escape(self.tr("Utgången %s – plan från %s") % (p.valid_until.isoformat(), p.team))
                       for p in view.plans])
        else:
            self._set("", "", [])
            self.hide()
            return
        self.setToolTip("\n".join(n.text for n in notices))
        self.show()

    def _limitations_on_the_path(self, applying: list[LimitationNotice], notices: tuple[LimitationNotice, ...],
                                 decided: DecidedLookup) -> None:
        lines, open_ = [], []
        for n in applying:
            d = decided(n.kind)
            if d is None:
                open_.append(n)
                lines.append(f"<b>{escape(n.text)}</b>")
            else:
                reason = self.tr(" Motivering: %s") % d["reason"] if d.get("reason") else ""
                lines.append(escape(self.tr("✓ %s – ditt beslut: %s.%s") % (n.label, d.get("label", d["decision"]),
                                                                             reason)))
        if open_:
            first = without_codes(open_[0].why).split(". ")[0].rstrip(".")
            lines.append(escape(self.tr("%s. Vägen ändras inte av begränsningen: du avgör, och beslutet och varför "
                                        "registreras på ärendet.") % first))
        others = [n.label for n in notices if not n.applies]
        if others:
            lines.append(escape(self.tr("Även i patientens plan: %s") % ", ".join(others)))
        if open_:
            headline = self.tr("⚠ Beslut krävs innan ärendet skickas: %s") % ", ".join(n.label for n in open_)
        else:
            headline = self.tr("Behandlingsbegränsning på samtalets väg – beslutad")
        self._set("decide" if open_ else "decided", headline, lines)

    def _set(self, state: str, headline: str, lines: list[str]) -> None:
        self.state = state
        self.headline.setText(headline)
        self.details.setText("<br>".join(lines))
        self.details.setVisible(bool(lines))
        self.decide_button.setVisible(state == "decide")
        self.setProperty("state", state)
        for w in (self, self.headline, self.details):  # the stylesheet's [state=…] colours follow
            w.style().unpolish(w)
            w.style().polish(w)
