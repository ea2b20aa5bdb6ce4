"""Väntrummet at 1280 px: the essential columns (Prio … Besvär) fit without horizontal scrolling;
Adress and Patient take only the room left (elided, full text in the tooltip) or are hidden, and
the row's tooltip still names the address and the patient."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_workspace import _workspace, executor, make_case  # noqa: F401 - fixture

from console.dispatch.waiting_room import COL_ADDRESS, COL_CASE, COL_PATIENT, COLUMNS, SECONDARY_COLUMNS
from records.db import transaction
from records.models import Case
from resources.vocabulary import Role

LONG_ADDRESS = "Södra Förstadsgatan 128, uppgång B, lägenhet 1402 (porttelefon ur funktion)"
LONG_NAME = "Anna-Karin Gunilla Östergren Wallenberg"


@pytest.mark.parametrize("width", [1280, 1600])
def test_essential_columns_fit_without_scrolling(qtbot, sqlite_db, make_actor, executor, width: int) -> None:  # noqa: F811
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=5, kommun="Östra Göinge")
    make_case(sqlite_db, nurse, priority="1", waited_min=2)
    with transaction(sqlite_db) as s:
        row = s.scalar(select(Case).where(Case.id == case_id))
        row.address, row.patient_name = LONG_ADDRESS, LONG_NAME
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.resize(width, 760)
        ws.show()
        view, model = ws.waiting, ws.waiting_model
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10000)
        header = view.horizontalHeader()
        qtbot.waitUntil(lambda: header.length() <= view.viewport().width(), timeout=5000)
        assert not view.horizontalScrollBar().isVisible()
        assert view.horizontalScrollBar().maximum() == 0
        for col in range(len(COLUMNS)):
            if col in SECONDARY_COLUMNS:
                continue
            assert not view.isColumnHidden(col), COLUMNS[col]
            # The header and the (short) cells are shown in full; Besvär may be elided (tooltip).
            assert view.columnWidth(col) >= header.sectionSizeHint(col), COLUMNS[col]
        row = model.row_of(case_id)
        for col, full in ((COL_ADDRESS, LONG_ADDRESS), (COL_PATIENT, LONG_NAME)):
            index = model.index(row, col)
            assert index.data() == full and index.data(0x0003) == full  # ToolTipRole: the whole text
        row_tip = model.index(row, COL_CASE).data(0x0003)
        assert LONG_ADDRESS in row_tip and LONG_NAME in row_tip
        if width >= 1600:
            assert not view.isColumnHidden(COL_ADDRESS)  # room for the address at 1600 px
    finally:
        ws.shutdown()


def test_column_fitting_comes_to_rest_at_every_common_window_size(qtbot, sqlite_db, make_actor, executor,  # noqa: F811
                                                                   monkeypatch) -> None:
    """The fitter and the header's stretched last section used to undo each other for ever (thousands of fits a
    second, one core at 100%); once fitted, nothing should refit until something changes."""
    from console.dispatch.waiting_room import ColumnFit

    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    make_case(sqlite_db, nurse, priority="1", waited_min=2)
    fits: list[int] = []
    original = ColumnFit.fit
    monkeypatch.setattr(ColumnFit, "fit", lambda self: (fits.append(1), original(self))[1])
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.show()
        qtbot.waitUntil(lambda: ws.waiting_model.rowCount() == 1, timeout=10000)
        for width, height in ((1480, 900), (1366, 768), (1600, 1000), (1920, 1080), (1280, 720)):
            ws.resize(width, height)
            qtbot.wait(300)  # the resize's own fits
            fits.clear()
            qtbot.wait(1000)
            assert len(fits) <= 2, f"{len(fits)} fits in a second at rest at {width}×{height}"
    finally:
        ws.shutdown()


def test_the_counters_tick_refits_only_when_a_column_must_change_width(qtbot, sqlite_db, make_actor, executor,  # noqa: F811
                                                                      monkeypatch) -> None:
    """The once-a-second tick changes the counters' cells; the columns are refitted only when one of them needs
    another width (the wait past an hour: '59:59' → '1:00:00'), not measured and set again every second."""
    from datetime import UTC, datetime, timedelta

    from console.dispatch.waiting_room import COL_WAIT, ColumnFit

    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    make_case(sqlite_db, nurse, priority="2", waited_min=5)
    now = [datetime.now(UTC)]
    fits: list[int] = []
    original = ColumnFit.fit
    monkeypatch.setattr(ColumnFit, "fit", lambda self: (fits.append(1), original(self))[1])
    ws = _workspace(qtbot, dispatcher, executor, clock=lambda: now[0])
    try:
        ws.clock_timer.stop()  # the test ticks
        ws.resize(1600, 900)
        ws.show()
        view, model = ws.waiting, ws.waiting_model
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
        qtbot.wait(300)
        fits.clear()
        width = view.columnWidth(COL_WAIT)
        for _ in range(3):
            now[0] += timedelta(seconds=1)
            model.tick()
            qtbot.wait(50)
        assert model.index(0, COL_WAIT).data().startswith("05:0")
        assert fits == [] and view.columnWidth(COL_WAIT) == width
        now[0] += timedelta(hours=2)
        model.tick()
        qtbot.waitUntil(lambda: len(fits) == 1, timeout=2000)
        assert model.index(0, COL_WAIT).data().startswith("2:05:0")
        assert view.columnWidth(COL_WAIT) > width  # fitted to the longer wait
    finally:
        ws.shutdown()
