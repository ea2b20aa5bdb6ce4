"""A red flag heard mid-call: Ctrl+R lists the flags in Swedish, the chosen one ends the triage at Prio 1 on
screen, the case's history records the step, and the completed case carries it on its path."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from console.calltaking.red_flag_dialog import RedFlagDialog
from records.models import AuditEntry, Case, CommandLog, TriageResult
from resources.vocabulary import Priority, Role


def _mid_call(qtbot, w, idle):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Anna Andersson")
    ct.form.phone.setText("070-123 45 67")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # not unconscious
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # chest pain now: the breathing rate is asked next
    assert ct.wizard.state.question.kind == "vital" and ct.wizard.state.priority is Priority.P2
    return ct


def _choose_in_dialog(seen: list[list[str]], typed: str) -> None:
    dlg = QApplication.activeModalWidget()
    assert isinstance(dlg, RedFlagDialog)
    seen.append([dlg.list.item(i).text() for i in range(dlg.list.count())])
    dlg.filter.setText(typed)
    dlg._accept()


def test_a_red_flag_raised_mid_call_makes_prio_1_and_is_recorded(qtbot, make_window, actor_for, factory, idle):
    nurse = actor_for(Role.NURSE)
    w = make_window(nurse)
    ct = _mid_call(qtbot, w, idle)
    seen: list[list[str]] = []
    QTimer.singleShot(0, lambda: _choose_in_dialog(seen, "kallsvett"))
    qtbot.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)

    [texts] = seen
    assert any("kallsvettig" in t for t in texts) and any("medvetslös" in t for t in texts)
    assert not any("RF_" in t for t in texts)  # no internal codes in what the nurse reads
    st = ct.wizard.state
    assert st.done and st.priority is Priority.P1 and st.endpoint_code == "RÖD.1.02"
    assert ct.wizard.priority.text().startswith("Prio 1")
    assert ct.recommendation.current is not None  # the care need followed: a resource for it is shown
    assert ct.send_button.isEnabled()
    idle(w)
    assert ct.red_flags == ["RF_CHOCK"] and ct._red_flag_records == []  # acknowledged

    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()  # Ctrl+Enter (offscreen, the window is not made active again after the dialog)
    case_id = sent.args[0]
    idle(w)
    with factory() as s:
        case = s.get(Case, case_id)
        assert case.priority == "1" and case.endpoint_code == "RÖD.1.02" and case.status == "waiting"
        result = s.scalar(select(TriageResult).where(TriageResult.case_id == case_id))
        assert [p["question_id"] for p in result.path if p["kind"] == "manual_red_flag"] == ["RF_CHOCK"]
        audited = s.scalar(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                    AuditEntry.action == "triage.red_flag"))
        assert audited.detail["flag"] == "RF_CHOCK" and audited.user_id == nurse.user_id
        names = s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id)
                          .order_by(CommandLog.at)).all()
        assert names.index("triage.red_flag") < names.index("call.finish")


def test_backspace_takes_a_red_flag_back_and_that_is_recorded_too(qtbot, make_window, actor_for, factory, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = _mid_call(qtbot, w, idle)
    ct.apply_red_flag("RF_CHOCK")
    assert ct.wizard.state.priority is Priority.P1
    qtbot.keyClick(ct.wizard, Qt.Key.Key_Backspace)
    st = ct.wizard.state
    assert not st.done and st.priority is Priority.P2 and st.question.kind == "vital"
    assert ct.red_flags == []
    idle(w)
    with factory() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.case_id == ct.case_id,
                                                            AuditEntry.action.like("triage.red_flag%"))
                            .order_by(AuditEntry.id)).all()
    assert actions == ["triage.red_flag", "triage.red_flag_withdrawn"]


def test_without_a_complaint_the_nurse_is_told_to_choose_one(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    qtbot.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # no dialog: nothing to raise it on
    assert "Välj kontaktorsak först" in ct.problems.text()
    ct.wizard.start("BRÖST")
    assert ct.problems.text() == ""


def test_a_raised_red_flag_survives_a_restart_from_the_draft(qtbot, make_window, actor_for, idle):
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct1 = _mid_call(qtbot, w1, idle)
    ct1.apply_red_flag("RF_CHOCK")
    ct1.save_now()
    idle(w1)
    w1.shutdown()
    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.wizard.state.done, timeout=10000)
    assert ct2.wizard.state.priority is Priority.P1 and ct2.red_flags == ["RF_CHOCK"]
    assert ct2._red_flag_records == []  # reopening is not a second raise


def test_a_handed_over_call_keeps_its_red_flag_and_vitals_and_the_colleague_sends_nothing_again(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    from test_hand_over import _when_dialog

    anna = actor_for(Role.NURSE, "ssk.anna")
    actor_for(Role.NURSE, "ssk.bo")
    w1 = make_window(anna)
    ct1 = _mid_call(qtbot, w1, idle)
    ct1.vitals.fields["spo2"].setText("91")
    ct1.vitals._hand_on("spo2")
    ct1.apply_red_flag("RF_CHOCK")
    _when_dialog(lambda dlg: (dlg.choose("ssk.bo"), dlg.accept()))
    ct1.hand_over_call()
    qtbot.waitUntil(lambda: not ct1.active, timeout=10000)
    idle(w1)
    w1.shutdown()

    w2 = make_window(actor_for(Role.NURSE, "ssk.bo"))
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.wizard.state.done, timeout=10000)
    idle(w2)
    assert ct2.red_flags == ["RF_CHOCK"] and ct2.wizard.state.priority is Priority.P1
    assert ct2.driver.vitals == {"spo2": 91.0} and ct2.vitals.fields["spo2"].text() == "91"
    assert ct2._red_flag_records == [] and "röda flaggan" not in w2.message_label.text()
    with factory() as s:
        raised = s.scalars(select(AuditEntry.user_id).where(AuditEntry.case_id == ct2.case_id,
                                                            AuditEntry.action == "triage.red_flag")).all()
    assert raised == [anna.user_id]  # once, by the nurse who heard it
