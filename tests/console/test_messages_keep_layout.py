"""A message never moves the layout (issue 16, "fits the screens centres use": "no validation message reflows the
layout"). In a real Xvfb window at 1366×768 the dispatcher's status message (Shift+D, D, A, S) appeared under the
buttons and grew with its text: väntrummet lost rows (the selected case half out of view), its columns were fitted
again when its scroll bar came, and the case tabs moved. Now the message row keeps its room and cuts a long text
("…", whole in its tooltip and the status bar's).

With the console's theme (11 pt): the other console tests run with Qt's 9 pt and no stylesheet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case
from records.db import transaction
from records.models import Case
from resources.vocabulary import Role

SMALL = (1366, 728)  # a 1366×768 laptop less its task bar
# The longest a dispatcher realistically gets (actions.py: a multi-part Shift+D where one part fails and one waits)
LONGEST = ("Larmade AMB-051 till ärende 12. IVPA: RTJ-HBG-12 larmades inte – Enheten är upptagen: RTJ-HBG-12 är redan "
           "larmad till ärende 9. Väntar: Läkarbil: LB-HBG-1 är upptagen med ärende 7 – välj enhet i Dirigera… (D).")


@pytest.fixture
def themed(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The console's theme as `make_app` applies it (font, palette, stylesheet), taken off afterwards."""
    from console.theme import apply_dark_theme

    font, palette, sheet = qapp.font(), qapp.palette(), qapp.styleSheet()
    apply_dark_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


def _layout_of(w, dp) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The layout once it has settled (a layout request, then väntrummet's column fit, each a pass of the loop)."""
    seen, now = None, _parts(w, dp)
    for _ in range(10):
        if now == seen:
            break
        QApplication.processEvents()
        seen, now = now, _parts(w, dp)
    return now


def _parts(w, dp) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The splitters, the left column's width and where each of its parts is, väntrummet's column widths."""
    left = dp.splitter.widget(0)
    parts: dict[str, object] = {
        "window": w.size().toTuple(), "splitter": dp.splitter.sizes(), "right": dp.right.sizes(),
        "left width": left.width(),
        "columns": [dp.waiting.columnWidth(c) for c in range(dp.waiting_model.columnCount())]}
    for i, child in enumerate(left.findChildren(QWidget)):
        if child.parentWidget() is left and child.isVisible():
            parts[f"{i}:{child.objectName() or type(child).__name__}"] = QRect(child.geometry()).getRect()
    return parts


def _waiting_case(factory, nurse, priority: str, waited_min: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        view = create_case(s, nurse, CaseIntake(caller_name="Kalle Anka", address="Storgatan 1", kommun="Malmö",
                                                lat=55.605, lon=13.0038, patient_name="Astrid Demo", patient_age=80))
        row = s.get(Case, view.id)
        row.priority, row.complaint = priority, "bröstsmärta"
        row.care_need = {"capabilities": ["ecg", "oxygen"], "transport": "ambulance", "max_minutes": 30}
        advance(s, nurse, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
        row.waiting_since = now() - timedelta(minutes=waited_min)


def test_a_dispatch_message_moves_nothing_at_1366(qtbot, themed, make_window, actor_for, factory,  # type: ignore[no-untyped-def]
                                                  idle) -> None:
    nurse = actor_for(Role.NURSE)
    for minutes, priority in ((9, "2"), (5, "1"), (3, "1"), (1, "1")):  # more than väntrummet shows, as on a shift
        _waiting_case(factory, nurse, priority, minutes)
    w = make_window(actor_for(Role.DISPATCHER))
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: w.size().toTuple() == SMALL)
    dp = w.workspaces["dispatch"]
    dp.refresh()  # feeds off in tests: väntrummet is read by hand
    qtbot.waitUntil(lambda: dp.waiting_model.rowCount() >= 3, timeout=10000)
    dp.waiting.setFocus()
    dp.waiting.setCurrentIndex(dp.waiting_model.index(dp.waiting_model.rowCount() - 1, 0))
    qtbot.waitUntil(lambda: dp.selected is not None)
    idle(w)
    for tab in (0, 1):  # the recommendation, and the case (I), which gives the tabs more of the column
        dp.findChild(QTabWidget, "caseTabs").setCurrentIndex(tab)
        idle(w)
        before = _layout_of(w, dp)
        for text, error in ((LONGEST, True), ("Larmade AMB-051 till ärende 12.", False), (LONGEST, False)):
            dp.show_banner(text, error=error)
            assert _layout_of(w, dp) == before, text
        banner = dp.banner
        shown = banner.shown_text().splitlines()
        assert len(shown) <= 2 and shown[-1].endswith("…") and banner.toolTip() == "✓ " + LONGEST
        assert all(banner.fontMetrics().horizontalAdvance(line) <= banner.contentsRect().width() for line in shown)
        assert w.message_label.text() == LONGEST and w.message_label.toolTip() == LONGEST  # the status bar's too
