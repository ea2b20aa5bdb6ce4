"""Shift+D sends every part of a multi-unit recommendation in one go (a cardiac arrest: the ambulance and the
räddningstjänst IVPA unit), each as its own AssignUnit, and the status line names what was sent and what waits."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dispatch.assignment import active_assignments, assign
from records.db import transaction
from resources.vocabulary import Role
from tests.console_dispatch.test_workspace import _select_first_case, _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture

ARREST_NEED = {"capabilities": ["cpr_defibrillation", "ambulance_transport"], "transport": "ambulance",
               "max_minutes": 10,
               "additional": [{"role": "IVPA", "capabilities": ["cpr_defibrillation"], "max_minutes": 10}]}


def test_shift_d_sends_the_ambulance_and_the_ivpa_unit_at_once(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=1, kommun="Malmö", lat=55.605, lon=13.0038,
                        care_need=ARREST_NEED)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        assert [p.part for p in ws.recommendation.parts] == ["", "IVPA"]
        amb, ivpa = (p.recommended.unit_id for p in ws.recommendation.parts)
        with qtbot.waitActive(ws):
            ws.show()
            ws.activateWindow()
        ws.waiting.setFocus()
        qtbot.keyClick(ws.waiting, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)  # once
        _wait_idle(qtbot, executor)
        with transaction(sqlite_db) as s:
            active = {a.part: a.unit_id for a in active_assignments(s, case_id)}
        assert active == {"": amb, "IVPA": ivpa}, ws.banner.text()
        assert ws.banner.property("error") is False, ws.banner.text()
        assert f"Larmade {amb} och {ivpa} till ärende {case_id}" in ws.banner.text()
    finally:
        ws.shutdown()


def test_a_part_that_cannot_be_sent_is_named_in_the_status_line(qtbot, sqlite_db, make_actor, executor) -> None:
    """Another console took the IVPA unit meanwhile: the ambulance is sent, and the line says the IVPA part still
    waits and why (in red), instead of a silent half-dispatch."""
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    other = make_actor(sqlite_db, "dir.cilla", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=1, kommun="Malmö", lat=55.605, lon=13.0038,
                        care_need=ARREST_NEED)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        rec = ws.recommendation
        amb, ivpa = (p.recommended.unit_id for p in rec.parts)
        second = make_case(sqlite_db, nurse, priority="1", waited_min=1, kommun="Malmö", lat=55.6, lon=13.0)
        with transaction(sqlite_db) as s:
            assign(s, other, second, ivpa, "IVPA", {**rec.model_dump(mode="json"), "case_id": second})
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        with transaction(sqlite_db) as s:
            active = {a.part: a.unit_id for a in active_assignments(s, case_id)}
        assert active == {"": amb}
        text = ws.banner.text()
        assert ws.banner.property("error") is True
        assert f"Larmade {amb} till ärende {case_id}" in text
        assert "IVPA" in text and ivpa in text and "dir.cilla" in text
    finally:
        ws.shutdown()
