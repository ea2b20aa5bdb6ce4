"""Acceptance findings for the dispatcher: väntrummet puts cases still waiting for a resource before
those already dispatched, the detail shows the assigned unit (not a ★) for a part that has one, the
important columns fit at 1600 px, and the board does not force a window wider than 1280 px."""

from __future__ import annotations

from sqlalchemy import select
from test_workspace import _wait_idle, _workspace, executor, make_case  # noqa: F401 - fixture

from console.dispatch.waiting_room import COL_ADDRESS, COLUMN_MAX_WIDTHS
from console.dispatch.workspace import DispatchWorkspace
from records.cases import CaseStatus
from records.db import transaction
from records.models import Case
from resources.vocabulary import Role

LONG_ADDRESS = "Södra Förstadsgatan 128, uppgång B, lägenhet 1402 (porttelefon ur funktion)"


def _tree_texts(ws: DispatchWorkspace) -> list[str]:
    return [ws.rec_tree.topLevelItem(i).text(0) for i in range(ws.rec_tree.topLevelItemCount())]


def test_dispatched_cases_come_after_those_still_waiting_and_show_their_unit(qtbot, sqlite_db, make_actor,
                                                                              executor) -> None:  # noqa: F811
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    p1_long = make_case(sqlite_db, nurse, priority="1", waited_min=12)
    p1_short = make_case(sqlite_db, nurse, priority="1", waited_min=2)
    p3 = make_case(sqlite_db, nurse, priority="3", waited_min=40)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        qtbot.waitUntil(lambda: ws.waiting_model.rowCount() == 3, timeout=10000)
        assert [c.id for c in ws.waiting_model.cases()] == [p1_long, p1_short, p3]
        ws.select_case_id(p1_long)
        qtbot.waitUntil(lambda: ws.recommendation is not None and ws.selected.id == p1_long, timeout=10000)
        assert any(t.startswith("★") for t in _tree_texts(ws))
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: ws.waiting_model.case(ws.waiting_model.row_of(p1_long)).status
                        is CaseStatus.ASSIGNED, timeout=10000)
        # The dispatched Prio 1 goes below the waiting Prio 1 and even the waiting Prio 3.
        assert [c.id for c in ws.waiting_model.cases()] == [p1_short, p3, p1_long]
        qtbot.waitUntil(lambda: bool(ws.assigned_parts), timeout=10000)
        unit = ws.assigned_parts[""]
        # The recommendation is recomputed off the GUI thread: wait for it to be shown.
        qtbot.waitUntil(lambda: any(t.startswith(f"✓ {unit}") for t in _tree_texts(ws)), timeout=10000)
        texts = _tree_texts(ws)
        assert not any(t.startswith("★") for t in texts), texts
        assert any(t.startswith(f"✓ {unit}") for t in texts), texts
        assert f"dirigerad: {unit}" in texts[0]
    finally:
        ws.shutdown()


def test_important_waiting_room_columns_fit_at_1600_px(qtbot, sqlite_db, make_actor, executor) -> None:  # noqa: F811
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=5)
    with transaction(sqlite_db) as s:
        s.scalar(select(Case).where(Case.id == case_id)).address = LONG_ADDRESS
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.resize(1600, 900)
        ws.show()
        qtbot.waitUntil(lambda: ws.waiting_model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: ws.waiting.columnWidth(COL_ADDRESS) <= COLUMN_MAX_WIDTHS[COL_ADDRESS],
                        timeout=5000)
        index = ws.waiting_model.index(0, COL_ADDRESS)
        assert index.data() == LONG_ADDRESS and index.data(0x0003) == LONG_ADDRESS  # ToolTipRole: the whole
        header = ws.waiting.horizontalHeader()
        widths = [ws.waiting.columnWidth(c) for c in range(ws.waiting_model.columnCount())]
        assert header.length() <= ws.waiting.viewport().width(), widths
        assert not ws.waiting.horizontalScrollBar().isVisible()
    finally:
        ws.shutdown()


def test_the_fleet_board_fits_a_1280_px_screen(qtbot, sqlite_db, make_actor, executor) -> None:  # noqa: F811
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        assert ws.minimumSizeHint().width() <= 1260
    finally:
        ws.shutdown()
