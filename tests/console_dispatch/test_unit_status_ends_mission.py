"""Ledig by hand for a unit still assigned: the dispatcher is asked "Enheten … är larmad till ärende N – avsluta
uppdraget?"; Nej changes nothing, Ja ends the mission as R does (the case back in väntrummet with its waiting time)
and then sets the chosen status — so the case never shows a unit dispatched that the board shows free."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from console.dispatch.unit_status import UnitStatusActions
from dispatch.assignment import active_assignments
from records.audit import now
from records.cases import CaseStatus, get_case
from records.db import transaction
from records.models import UnitStatusEvent
from resources.vocabulary import Role
from resources.vocabulary import UnitStatus as S
from tests.console_dispatch.test_workspace import _select_first_case, _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture


def test_ledig_for_an_assigned_unit_asks_and_ja_ends_the_mission(qtbot, sqlite_db, make_actor, executor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=7)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: bool(ws.assigned_parts), timeout=10000)
        unit = ws.assigned_parts[""]
        ws.bridge.model.update_units({unit: {"status": S.ALERTED, "status_label": S.ALERTED.label,
                                             "case_id": case_id}})  # as the unit's feed reports it
        actions = ws.findChild(UnitStatusActions)
        dialogs, questions = [], []
        actions.on_dialog, actions.on_question = dialogs.append, questions.append

        def choose_ledig() -> QMessageBox:
            ws.board.status_requested.emit(unit)
            dlg = dialogs[-1]
            assert dlg.select_status(S.AVAILABLE_AT_STATION)
            dlg.reason.setText("Radio: larmet felaktigt, åter på station")
            dlg.accept()
            qtbot.waitUntil(lambda: bool(questions) and questions[-1].isVisible(), timeout=10000)
            return questions[-1]

        question = choose_ledig()
        assert question.text() == f"Enheten {unit} är larmad till ärende {case_id} – avsluta uppdraget?"
        assert question.defaultButton() is question.button(QMessageBox.StandardButton.No)
        question.button(QMessageBox.StandardButton.No).click()
        _wait_idle(qtbot, executor)
        assert "statusen ändrades inte" in ws.banner.text()
        with transaction(sqlite_db) as s:
            assert [a.unit_id for a in active_assignments(s, case_id)] == [unit]

        question = choose_ledig()
        question.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: "Ledig på station" in ws.banner.text(), timeout=10000)
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
        assert f"ärende {case_id} är tillbaka i väntrummet" in ws.banner.text()
        row = ws.bridge.model.unit_by_id(unit)
        assert row.status is S.AVAILABLE_AT_STATION and row.case_id is None
        with transaction(sqlite_db) as s:
            view = get_case(s, dispatcher, case_id)
            assert active_assignments(s, case_id) == []
            last = s.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == unit)
                             .order_by(UnitStatusEvent.id.desc())).first()
        assert view.status is CaseStatus.WAITING and now() - view.waiting_since >= timedelta(minutes=7)
        assert last == S.AVAILABLE_AT_STATION.value
    finally:
        ws.shutdown()
