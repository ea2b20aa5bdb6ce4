"""Closing a case of a patient with a current care plan asks whether the plan was followed (docs/outcomes.md), through
the real widgets offscreen: an answer is required, "Nej" needs why; the answer, the reason and the patient's team are
recorded with the outcome and audited. No plan, or only an expired one: nothing is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy import select

from console.dispatch.case_panel import CasePanel
from console.dispatch.close_case import CloseCaseActions
from records.care_plans import CarePlanInput, local_today, plan_row
from records.db import transaction
from records.models import AuditEntry, Case, Outcome
from resources.care_plan import PlanItem, PlanItemKind
from resources.vocabulary import OutcomeCode, Role
from tests.console_dispatch.test_workspace import _wait_idle, _workspace, make_case
from tests.console_dispatch.test_workspace import executor as executor  # the fixture

PNR = "19121212-1212"
TEAM = "Vårdcentralen Lund Norr"


def _case_with_plan(factory, nurse, *, expired: bool = False) -> int:  # type: ignore[no-untyped-def]
    today = local_today()
    with transaction(factory) as s:
        s.add(plan_row(CarePlanInput(
            personnummer=PNR, team=TEAM, author="Maja Exempel", written_on=today - timedelta(days=90),
            valid_until=today - timedelta(days=1) if expired else today + timedelta(days=90),
            items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid")]), "test", datetime.now(UTC)))
    case_id = make_case(factory, nurse, priority="2", waited_min=5)
    with transaction(factory) as s:
        s.get(Case, case_id).personnummer = PNR  # type: ignore[union-attr]
    return case_id


def _open(qtbot, ws, case_id: int, *, wait_for_panel: bool = True):  # type: ignore[no-untyped-def]
    dialogs: list = []  # type: ignore[type-arg]
    ws.findChild(CloseCaseActions).on_dialog = dialogs.append
    qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is not None, timeout=10000)
    panel = ws.findChild(CasePanel)
    if wait_for_panel:
        with qtbot.waitSignal(panel.shown, timeout=10000):
            ws.select_case_id(case_id)
    else:
        ws.select_case_id(case_id)
    with qtbot.waitActive(ws):
        ws.show()
        ws.activateWindow()
    ws.waiting.setFocus()
    qtbot.keyClick(ws.waiting, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=10000)
    return dialogs[0]


def test_the_plan_question_is_required_and_recorded(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = _case_with_plan(sqlite_db, nurse)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        dlg = _open(qtbot, ws, case_id)
        assert dlg.asks_plan and dlg.plan_box.isVisibleTo(dlg)
        assert dlg.offered_plan_answers() == ["Ja", "Nej", "Ej tillämpligt"]
        assert TEAM in dlg.findChild(QLabel, "planQuestionLabel").text()
        dlg.select_code(OutcomeCode.TRANSPORTED_ED)
        dlg.accept()
        assert dlg.isVisible() and "Svara om patientens plan följdes" in dlg.error.text()
        dlg.answer_plan("no")
        assert dlg.plan_reason.isVisibleTo(dlg)
        dlg.accept()
        assert dlg.isVisible() and dlg.error.text() == "Skriv varför patientens plan inte följdes."
        dlg.plan_reason.setText("Teamet hade ingen ledig sjuksköterska")
        dlg.accept()
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
    finally:
        ws.shutdown()
    with sqlite_db() as s:
        row = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).one()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "outcome.record",
                                                   AuditEntry.case_id == case_id)).one()
    assert (row.plan_followed, row.plan_reason, row.patient_team) == (
        "no", "Teamet hade ingen ledig sjuksköterska", TEAM)
    assert entry.user_id == dispatcher.user_id and entry.detail["plan_followed"] == "no"


def test_the_plan_is_read_for_the_dialog_when_the_panel_has_not(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    case_id = _case_with_plan(sqlite_db, nurse)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        ws.findChild(CloseCaseActions).plan_of = lambda _case_id: (False, None)  # as before the panel's read
        dlg = _open(qtbot, ws, case_id, wait_for_panel=False)
        assert dlg.asks_plan
        dlg.select_code(OutcomeCode.TREATED_LEFT_HOME)
        dlg.answer_plan("yes")
        dlg.accept()
        _wait_idle(qtbot, executor)
    finally:
        ws.shutdown()
    with sqlite_db() as s:
        row = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).one()
    assert (row.plan_followed, row.plan_reason) == ("yes", None)


def test_no_current_plan_nothing_is_asked(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    expired = _case_with_plan(sqlite_db, nurse, expired=True)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        dlg = _open(qtbot, ws, expired)
        assert not dlg.asks_plan and dlg.plan_box is None and dlg.findChild(QWidget, "planQuestion") is None
        dlg.select_code(OutcomeCode.TREATED_LEFT_HOME)
        dlg.accept()
        _wait_idle(qtbot, executor)
        assert ws.banner.property("error") is False, ws.banner.text()
    finally:
        ws.shutdown()
    with sqlite_db() as s:
        row = s.scalars(select(Outcome).where(Outcome.case_id == expired)).one()
    assert row.plan_followed is None and row.patient_team is None
