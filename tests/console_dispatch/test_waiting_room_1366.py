"""Väntrummet on a 1366×768 screen with the console's 11 pt font and an assigned case whose Status says its unit's
alert ("Dirigerad · ej skickat"): no sideways scrolling — Prio, Väntat, Ärende, Status and Besvär always shown with
their headers whole, the texts that do not fit elided (tooltip); Kommun and then Mål give up their room (the row's
tooltip names the kommun, the Väntat cell's the target)."""

from __future__ import annotations

from test_workspace import _select_first_case, _workspace, executor, make_case  # noqa: F401 - fixture

from console.dispatch.waiting_room import COL_CASE, COL_STATUS, COL_TARGET, COL_WAIT, COLUMNS, SECONDARY_COLUMNS
from resources.vocabulary import Role

COL_KOMMUN = COLUMNS.index("Kommun")


def test_nothing_scrolls_sideways_at_1366_with_an_assigned_case(qtbot, themed, sqlite_db, make_actor,  # noqa: F811
                                                                executor) -> None:  # noqa: F811
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    sent = make_case(sqlite_db, nurse, priority="3", waited_min=9, kommun="Helsingborg")
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.resize(1366, 700)
        ws.show()
        view, model = ws.waiting, ws.waiting_model
        _select_first_case(qtbot, ws)
        ws.assign_recommended()  # Shift+D
        make_case(sqlite_db, nurse, priority="1", waited_min=2, kommun="Östra Göinge")
        ws.refresh()
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10000)
        row = model.row_of(sent)
        qtbot.waitUntil(lambda: "·" in model.index(row, COL_STATUS).data(), timeout=10000)
        header = view.horizontalHeader()
        # The scroll bar's range follows the header's geometry in a later event: wait for both, not the first alone.
        qtbot.waitUntil(lambda: header.length() <= view.viewport().width()
                        and view.horizontalScrollBar().maximum() == 0, timeout=5000)
        for col in range(len(COLUMNS)):
            if col not in (*SECONDARY_COLUMNS, COL_KOMMUN, COL_TARGET):
                assert not view.isColumnHidden(col), COLUMNS[col]
                assert view.columnWidth(col) >= header.sectionSizeHint(col), COLUMNS[col]  # the header whole
        assert "Helsingborg" in model.index(row, COL_CASE).data(0x0003)  # ToolTipRole: the row names the kommun
        assert "målet 120 min" in model.index(row, COL_WAIT).data(0x0003)  # and the wait cell the target
    finally:
        ws.shutdown()


def test_the_recommendation_fits_beside_väntrummet_at_1366(qtbot, themed, sqlite_db, make_actor, executor) -> None:  # noqa: F811
    """Its columns (Enhet, Typ, Framme, Status) were capped for 1600 px: at 1366 the reasons and the unit's status
    were off to the right. Now they share the width, wrapping (the reasons keep some of it)."""
    from console.dispatch.recommendation_tree import REASONS_LEAST

    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    make_case(sqlite_db, nurse, priority="1", waited_min=2, kommun="Helsingborg", lat=56.0465, lon=12.6945)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.resize(1366, 700)
        ws.show()
        _select_first_case(qtbot, ws)
        tree = ws.rec_tree
        qtbot.waitUntil(lambda: tree.topLevelItemCount() > 1, timeout=10000)
        qtbot.waitUntil(lambda: tree.header().length() <= tree.viewport().width(), timeout=5000)
        assert tree.horizontalScrollBar().maximum() == 0
        assert tree.columnWidth(4) >= REASONS_LEAST
    finally:
        ws.shutdown()
