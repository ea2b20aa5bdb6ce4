"""At 1366×768 with the console's theme, the intake column with every position row showing (a chosen address, the
caller's phone position, a doubtful position waiting for "Använd ändå") keeps each row whole — it scrolls up and
down instead of squeezing rows over each other (seen: the confirmation's buttons drawn over its text) — and never
sideways; with the phone row alone it fits without scrolling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from call_position_helpers import start_call, with_register
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QScrollArea, QWidget

from resources.location.phone_position import PhonePosition
from resources.vocabulary import Role

pytestmark = pytest.mark.gui


def _rect(widget: QWidget, within: QWidget) -> QRect:
    return QRect(widget.mapTo(within, QPoint(0, 0)), widget.size())


def test_the_position_rows_are_whole_at_1366_and_the_column_scrolls_only_up_and_down(  # type: ignore[no-untyped-def]
        qtbot, themed, make_window, actor_for, idle) -> None:
    w = make_window(actor_for(Role.NURSE))
    w.resize(1366, 728)  # a 1366×768 laptop less its task bar
    qtbot.waitUntil(lambda: w.width() == 1366)
    ct = with_register(qtbot, start_call(qtbot, w, idle))
    location, panel = ct.form.location, ct.form.location.panel
    location.choose_hit(location.index.search("Storgatan 12 Ystad")[0])
    ct.form.phone.setText("0701234567")
    ct.receive_phone_position(PhonePosition(phone="0701234567", lat=55.4297, lon=13.8206, accuracy_m=35,
                                            at=datetime.now(UTC)))
    column = ct.findChild(QWidget, "intakeColumn")
    scroll = ct.findChild(QScrollArea, "intakeScroll")
    qtbot.waitUntil(lambda: panel.phone_row.isVisible())
    qtbot.wait(50)
    assert scroll.verticalScrollBar().maximum() == 0  # the usual call: everything in view

    location.enter_coordinates("55.6761 12.5683")  # outside Skåne: waits for confirmation
    qtbot.waitUntil(lambda: panel.pending_row.isVisible())
    qtbot.wait(50)
    rows = [ct.form.address, ct.form.kommun, panel.summary, panel.pending_text, panel.confirm_button,
            panel.decline_button, panel.phone_text, panel.phone_button, ct.form.patient, ct.form.pnr, ct.form.age]
    for widget in rows:
        assert widget.height() >= widget.minimumSizeHint().height(), widget.objectName()
    tops = [_rect(r, column) for r in (panel.summary, panel.pending_text, panel.confirm_button, panel.phone_text,
                                       ct.form.patient)]
    for above, below in zip(tops, tops[1:], strict=False):
        assert above.bottom() < below.top(), "rows drawn over each other"
    assert column.width() <= scroll.viewport().width()  # never sideways
    assert scroll.horizontalScrollBar().maximum() == 0
