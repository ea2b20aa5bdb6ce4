"""Förlarm from a live call: at a preliminary Prio 1 Ctrl+Enter sends the case to väntrummet before the triage
ends, marked "Förlarm" for the dispatcher, who can send a unit at once; the nurse's triage goes on and her
Ctrl+Enter updates the same case (no second one, the lower priority shows, the mark goes). Before the end at any
other priority Ctrl+Enter sends nothing and says why in Swedish."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select
from test_red_flag_console import _mid_call  # a call mid-triage at preliminary Prio 2, a vital sign asked next

from commands import AssignUnit, run
from console.dispatch.targets import WaitTargets
from console.dispatch.waiting_room import COL_PRIO, COL_STATUS, PRE_ALERT_TIP, WaitingRoomModel
from dispatch.case_input import case_from_record
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from records.audit import now
from records.case_state import PRE_ALERT_FLAG, CaseStatus
from records.cases import list_cases
from records.db import transaction
from records.models import Case, CommandLog, TriageResult
from resources.vocabulary import Priority, Role


def _type_vital(qtbot, ct, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = ct.vitals.fields[name]
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _dispatch(factory, dispatcher, case_id: int) -> str:  # type: ignore[no-untyped-def]
    """The dispatcher sends the recommended unit, as Shift+D does (one AssignUnit with the recommendation)."""
    with factory() as s:
        rec = recommend(case_from_record(s.get(Case, case_id)), default_snapshot(), now())
    unit = rec.parts[0].recommended.unit_id
    run(factory, dispatcher, AssignUnit(case_id=case_id, unit_id=unit, part=rec.parts[0].part,
                                        recommendation_shown=rec.model_dump(mode="json")))
    return unit


def test_pre_alert_is_dispatched_and_the_finished_triage_updates_the_same_case(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    nurse, dispatcher = actor_for(Role.NURSE), actor_for(Role.DISPATCHER)
    w = make_window(nurse)
    ct = _mid_call(qtbot, w, idle)
    _type_vital(qtbot, ct, "spo2", "86")  # 3 points alone: a preliminary Prio 1 while the tree still asks
    assert not ct.wizard.state.done and ct.wizard.state.priority is Priority.P1
    assert ct.send_button.isEnabled() and "Förlarm" in ct.send_button.text()
    idle(w)
    case_id = ct.case_id

    ct.send()  # Ctrl+Enter (offscreen the window may not be active; the shortcut calls the same slot)
    qtbot.waitUntil(lambda: ct.pre_alerted, timeout=10000)
    assert ct.active and "förlarm" in ct.title.text() and not ct.wizard.state.done  # the triage goes on
    idle(w)
    with transaction(factory) as s:
        [shown] = [c for c in list_cases(s, dispatcher, [CaseStatus.WAITING]) if c.id == case_id]
    assert shown.priority == "1" and PRE_ALERT_FLAG in shown.flags
    model = WaitingRoomModel(WaitTargets())
    model.set_cases([shown])
    assert model.index(0, COL_STATUS).data() == "Förlarm" and model.index(0, COL_PRIO).data() == "Prio 1"
    assert model.index(0, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole) == PRE_ALERT_TIP

    unit = _dispatch(factory, dispatcher, case_id)  # at once, before the nurse is done

    ct.vitals.fields["spo2"].clear()  # measured again: the saturation was wrong, Prio 2 after all
    qtbot.keyClicks(ct.wizard.vital, "18")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    assert ct.wizard.state.done and ct.wizard.state.priority is Priority.P2
    assert ct.send_button.text().startswith("Uppdatera ärendet")
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    assert sent.args[0] == case_id and not ct.active
    idle(w)
    with factory() as s:
        case = s.get(Case, case_id)
        assert case.status == "assigned" and case.priority == "2" and PRE_ALERT_FLAG not in case.flags
        assert s.scalar(select(func.count()).select_from(Case)) == 1  # updated, not created twice
        assert s.scalar(select(func.count()).select_from(TriageResult).where(TriageResult.case_id == case_id)) == 1
        names = s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id).order_by(CommandLog.at)).all()
    assert names.index("case.pre_alert") < names.index("dispatch.assign") < names.index("call.finish")
    with transaction(factory) as s:
        [after] = [c for c in list_cases(s, dispatcher, [CaseStatus.ASSIGNED]) if c.id == case_id]
    model.set_cases([after])
    assert model.index(0, COL_STATUS).data() == "Dirigerad" and model.index(0, COL_PRIO).data() == "Prio 2"
    assert unit


def test_ctrl_enter_before_the_end_below_prio_1_sends_nothing_and_says_why(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = _mid_call(qtbot, w, idle)
    assert not ct.send_button.isEnabled()
    idle(w)
    with qtbot.waitSignal(ct.message, timeout=2000) as said:
        qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Förlarm före triageringens slut går bara vid preliminär Prio 1 (nu Prio 2)" in said.args[0]
    assert said.args[0] in ct.problems.text()
    idle(w)
    assert ct.active and not ct.pre_alerted and ct.wizard.state.question.id == "andning"  # nothing lost
    with factory() as s:
        assert s.get(Case, ct.case_id).status == "draft"
        assert s.scalar(select(CommandLog).where(CommandLog.name.in_(["case.pre_alert", "call.finish"]))) is None


def test_a_pre_alerted_call_is_restored_after_a_restart_and_still_updates_its_case(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct1 = _mid_call(qtbot, w1, idle)
    _type_vital(qtbot, ct1, "spo2", "86")
    idle(w1)
    ct1.send()
    qtbot.waitUntil(lambda: ct1.pre_alerted, timeout=10000)
    idle(w1)
    case_id = ct1.case_id
    w1.shutdown()
    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.case_id == case_id, timeout=10000)
    assert ct2.pre_alerted and "förlarm" in ct2.title.text()
    qtbot.keyClicks(ct2.wizard.vital, "18")
    qtbot.keyClick(ct2.wizard.vital, Qt.Key.Key_Return)
    with qtbot.waitSignal(ct2.case_sent, timeout=10000):
        ct2.send()
    idle(w2)
    with factory() as s:
        case = s.get(Case, case_id)
        assert case.status == "waiting" and case.priority == "1" and PRE_ALERT_FLAG not in case.flags
        assert s.scalar(select(func.count()).select_from(Case)) == 1
