"""A cardiac arrest dispatched one part at a time: when the dialog (D) sends the ambulance, the status line says
the IVPA part still waits (in red) and how to send it; Shift+D then sends it and the line names it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dispatch.assignment import active_assignments
from records.db import transaction
from resources.vocabulary import Role
from tests.console_dispatch.test_dispatch_all_parts import ARREST_NEED
from tests.console_dispatch.test_workspace import _select_first_case, _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture


def test_the_ivpa_part_still_waiting_after_the_dialog_is_named(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=1, kommun="Malmö", lat=55.605, lon=13.0038,
                        care_need=ARREST_NEED)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        amb, ivpa = (p.recommended.unit_id for p in ws.recommendation.parts)
        dlg = ws.open_assign_dialog()
        assert dlg is not None
        dlg.select_rank(0)
        assert dlg.choice().part == ""  # the ambulance only
        qtbot.keyClick(dlg.tree, Qt.Key.Key_Return)
        _wait_idle(qtbot, executor)
        text = ws.banner.text()
        assert f"{amb} larmad till ärende {case_id}" in text
        assert "Väntar fortfarande: IVPA" in text and "Shift+D" in text and ws.banner.property("error") is True

        qtbot.waitUntil(lambda: ws.selection.assigned_parts == {"": amb}, timeout=10000)
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        with transaction(sqlite_db) as s:
            active = {a.part: a.unit_id for a in active_assignments(s, case_id)}
        assert active == {"": amb, "IVPA": ivpa}
        assert f"Larmade {ivpa} till ärende {case_id}" in ws.banner.text() and "Väntar" not in ws.banner.text()
    finally:
        ws.shutdown()
