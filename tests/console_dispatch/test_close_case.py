"""Closing a case from the console with a structured outcome ("Avsluta ärende…", A): the feed's outcome codes by
their Swedish labels, the emergency department by name, RecordOutcome for nurse and dispatcher alike; the case
leaves väntrummet and its follow-up is scheduled as for an outcome reported on a feed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from console.dispatch.close_case import CloseCaseActions
from records.cases import CaseStatus
from records.db import transaction
from records.models import Case, FollowUp, Outcome
from resources.vocabulary import OUTCOME_LABELS, OutcomeCode, Role
from tests.console_dispatch.test_workspace import _select_first_case, _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture


def _open_with_key(qtbot, ws):  # type: ignore[no-untyped-def]
    dialogs = []
    ws.findChild(CloseCaseActions).on_dialog = dialogs.append
    with qtbot.waitActive(ws):
        ws.show()
        ws.activateWindow()
    ws.waiting.setFocus()
    qtbot.keyClick(ws.waiting, Qt.Key.Key_A)
    assert len(dialogs) == 1
    return dialogs[0]


def test_a_dispatcher_closes_a_dispatched_case_left_at_home(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = make_case(sqlite_db, nurse, priority="2", waited_min=5)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        _select_first_case(qtbot, ws)
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: bool(ws.assigned_parts), timeout=10000)
        dlg = _open_with_key(qtbot, ws)
        assert dlg.offered() == [OUTCOME_LABELS[c] for c in OutcomeCode]  # the feed's codes, Swedish labels only
        assert not any(c.value in " ".join(dlg.offered()) for c in OutcomeCode)
        dlg.select_code(OutcomeCode.TREATED_LEFT_HOME)
        assert dlg.ed.isHidden()
        dlg.note.setText("Blodsocker normaliserat")
        dlg.accept()
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
        assert f"Ärende {case_id} avslutat: Behandlad på plats, lämnad hemma" in ws.banner.text()
        qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is None, timeout=10000)
        with transaction(sqlite_db) as s:
            assert s.get(Case, case_id).status == CaseStatus.CLOSED.value
            (outcome,) = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).all()
            followups = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).all()
        assert (outcome.code, outcome.source, outcome.note) == ("treated_left_home", "manual", "Blodsocker normaliserat")
        assert len(followups) == 1 and followups[0].status == "open"  # as for a unit's treated_left_home
    finally:
        ws.shutdown()


@pytest.mark.parametrize("role", [Role.NURSE, Role.DISPATCHER])
def test_transported_to_an_emergency_department_chosen_by_name(qtbot, sqlite_db, make_actor, executor,
                                                               role: Role) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    user = nurse if role is Role.NURSE else make_actor(sqlite_db, "dir.bo", role)
    case_id = make_case(sqlite_db, nurse, priority="1", waited_min=2, kommun="Malmö", lat=55.605, lon=13.0038)
    ws = _workspace(qtbot, user, executor)
    try:
        _select_first_case(qtbot, ws)
        dlg = _open_with_key(qtbot, ws)
        dlg.select_code(OutcomeCode.TRANSPORTED_ED)
        assert dlg.ed.isVisibleTo(dlg) and "Malmö" in dlg.ed.currentText()  # the nearest proposed, by name
        assert not dlg.ed.currentText().startswith("AKM_")
        dlg.accept()
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
        assert "Transporterad till akutmottagning" in ws.banner.text() and "AKM_" not in ws.banner.text()
        with transaction(sqlite_db) as s:
            (outcome,) = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).all()
            assert s.get(Case, case_id).status == CaseStatus.CLOSED.value
        assert outcome.code == "transported_ed" and outcome.destination == dlg.ed.currentData()
    finally:
        ws.shutdown()


def test_in_demo_mode_a_unit_still_on_its_way_turns_back(qtbot, sqlite_db, make_actor, executor) -> None:
    """The patient declined on the phone before the ambulance arrived: the case is closed by hand and the simulated
    unit is recalled (as a crew told by radio), instead of driving on to a closed case."""
    from resources.vocabulary import UnitStatus as S

    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    make_case(sqlite_db, nurse, priority="2", waited_min=2)
    ws = _workspace(qtbot, dispatcher, executor, demo=True, time_scale=1.0)
    try:
        model = ws.bridge.model
        _select_first_case(qtbot, ws)
        qtbot.waitUntil(lambda: ws.recommendation.parts[0].recommended.stale is False, timeout=15000)
        unit_id = ws.recommendation.parts[0].recommended.unit_id
        ws.assign_recommended()
        _wait_idle(qtbot, executor)
        qtbot.waitUntil(lambda: model.unit_by_id(unit_id).status is S.ALERTED and bool(ws.assigned_parts),
                        timeout=10000)
        dlg = _open_with_key(qtbot, ws)
        dlg.select_code(OutcomeCode.DECLINED)
        dlg.accept()
        _wait_idle(qtbot, executor)
        assert "Patienten avböjde" in ws.banner.text()
        qtbot.waitUntil(lambda: model.unit_by_id(unit_id).status in (S.AVAILABLE_OUT, S.AVAILABLE_AT_STATION),
                        timeout=10000)
    finally:
        ws.shutdown()
