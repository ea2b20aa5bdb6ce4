"""The key-figure strip above the statistics: the report's headline numbers, each with its
Wilson interval and counts, read straight from outcomes.report.QualityFigures. Their look is in
console/theme.py, where every font size is scaled with the base font."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.numbers import number
from outcomes.report import QualityFigures
from outcomes.stats import Rate

KEYS = ("cases", "prio1_share", "prio1_ambulance_left_at_home", "followup_completion", "followups_overdue",
        "recontact_rate")


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def rate_detail(r: Rate) -> str:
    """"95 % KI 20–60 % · 3 av 10" ("ingen data" when n is 0)."""
    if r.value is None:
        return "inga ärenden i underlaget"
    return f"95 % KI {100 * r.low:.0f}–{100 * r.high:.0f} % · {r.k} av {r.n}"


class KeyFigureTile(QFrame):
    def __init__(self, key: str, title: str, parent: QWidget | None = None):
        super().__init__(parent, objectName="keyFigure")
        self.key = key
        self.title = QLabel(title, objectName="keyFigureTitle")
        self.title.setWordWrap(True)  # "Prio 1-ambulans, lämnad hemma" on two lines in a 1366 px window, not cut
        self.value = QLabel("–", objectName="keyFigureValue")
        self.detail = QLabel("", objectName="keyFigureDetail")
        self.detail.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(0)
        for w in (self.title, self.value, self.detail):
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # clipped, never widening
            lay.addWidget(w)
        lay.addStretch(1)  # the values of all tiles on one line, whatever their details

    def show_value(self, value: str, detail: str, *, alarm: bool = False) -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        self.setToolTip(f"{self.title.text()}: {value}\n{detail}")
        if self.property("alarm") != alarm:
            self.setProperty("alarm", alarm)
            self.style().unpolish(self)
            self.style().polish(self)


class KeyFiguresStrip(QWidget):
    """Ärenden · Prio 1-andel · Prio 1-ambulans lämnad hemma · uppföljningar klara (of the period's) / försenade
    (every case's, now: the status bar's number) · återkontakter."""

    def __init__(self, recontact_hours: float = 72, parent: QWidget | None = None):
        super().__init__(parent, objectName="keyFigures")
        titles = {
            "cases": self.tr("Ärenden"),
            "prio1_share": self.tr("Prio 1-andel (av triagerade)"),
            "prio1_ambulance_left_at_home": self.tr("Prio 1-ambulans, lämnad hemma"),
            "followup_completion": self.tr("Uppföljningar klara"),
            "followups_overdue": self.tr("Försenade uppföljningar"),  # the status bar's number and name
            "recontact_rate": self.tr("Återkontakt inom %s h") % number(recontact_hours),
        }
        self.tiles = {k: KeyFigureTile(k, titles[k]) for k in KEYS}
        self.tiles["prio1_ambulance_left_at_home"].setProperty("headline", True)  # the region's headline problem
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for k in KEYS:
            lay.addWidget(self.tiles[k], 1)
            self.tiles[k].setMinimumWidth(0)
        lay.setAlignment(Qt.AlignmentFlag.AlignTop)

    def show_figures(self, fig: QualityFigures) -> None:
        t = self.tiles
        t["cases"].show_value(str(fig.n_cases), self.tr("%d triagerade · %d avslutade") % (fig.n_triaged,
                                                                                          fig.n_closed))
        for key in ("prio1_share", "prio1_ambulance_left_at_home", "followup_completion"):
            r: Rate = getattr(fig, key)
            t[key].show_value(pct(r.value), rate_detail(r))
        t["followups_overdue"].show_value(
            str(fig.followups_overdue), self.tr("ej ringda efter förfallotiden, alla ärenden just nu"),
            alarm=fig.followups_overdue > 0)
        r = fig.recontact_rate
        t["recontact_rate"].show_value(pct(r.value), rate_detail(r) + "\n"
                                       + self.tr("av lämnade hemma · länkade: %d") % fig.recontacts)
