"""A nurse takes a call, triages it by keyboard, sees the recommendation, sends it to väntrummet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from records.demo import demo_patients
from records.models import CallDraft, Case, Recommendation, TriageAnswer, TriageResult
from resources.vocabulary import Role


def test_nurse_triages_by_keyboard_and_sends_to_waiting_room(qtbot, make_window, actor_for, factory, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    assert ct.active and ct.case_id is not None
    qtbot.keyClicks(ct.form.caller, "Anna Andersson")
    qtbot.keyClicks(ct.form.phone, "070-123 45 67")
    qtbot.keyClicks(ct.form.address, "Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    qtbot.keyClicks(ct.form.pnr, "19121212-1213")
    assert "kontrollsiffran" in ct.form.pnr_msg.text()
    assert ct.form.problems()  # an invalid personnummer blocks sending
    ct.form.pnr.clear()
    patient = demo_patients()[0]
    qtbot.keyClicks(ct.form.pnr, patient.personnummer)
    assert ct.form.pnr_msg.text().startswith("Giltigt personnummer")
    ct.form.pnr.editingFinished.emit()
    idle(w)
    assert ct.context.personnummer == patient.personnummer
    assert patient.enrolled_mobile_team in ct.context_panel.facts.text()

    wiz = ct.wizard
    wiz.focus_current()
    qtbot.keyClicks(wiz.chooser.filter, "BR")  # QTest types ASCII only
    qtbot.keyClick(wiz.chooser.filter, Qt.Key.Key_Return)
    assert wiz.state.complaint == "BRÖST"
    assert "medvetslös" in wiz.question.text()
    qtbot.keyClick(wiz, Qt.Key.Key_2)  # Nej
    assert wiz.state.question.id == "ont_nu"
    qtbot.keyClick(wiz, Qt.Key.Key_1)  # Ja
    assert wiz.state.question.kind == "vital"
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Backspace)  # empty field: back one question
    assert wiz.state.question.id == "ont_nu"
    qtbot.keyClick(wiz, Qt.Key.Key_1)
    qtbot.keyClicks(wiz.vital, "120")
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)
    assert "utanför rimligt intervall" in wiz.vital_msg.text()
    wiz.vital.clear()
    qtbot.keyClicks(wiz.vital, "35")
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)
    st = wiz.state
    assert st.done and st.priority.value == "1"
    assert "Prio 1" in wiz.priority.text()
    assert any("Andningsfrekvens" in r for r in st.reasons)
    assert wiz.path.count() == 3

    rec = ct.recommendation.current
    assert rec is not None and rec.parts[0].recommended is not None
    assert ct.recommendation.headline.text().startswith("➜")
    assert ct.send_button.isEnabled()

    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case_id, where = sent.args
    assert where == "waiting"
    idle(w)
    assert not ct.active
    with factory() as s:
        case = s.get(Case, case_id)
        assert case.status == "waiting" and case.priority == "1" and case.endpoint_code == "BRÖST.2.01"
        assert case.kommun == "Lund" and case.caller_name == "Anna Andersson"
        assert case.ruleset_version == "test-1" and case.waiting_since is not None
        assert [a.question_id for a in s.scalars(select(TriageAnswer).where(TriageAnswer.case_id == case_id))] \
            == ["RF_MEDVETSLOS", "ont_nu", "andning"]
        assert s.scalar(select(TriageResult).where(TriageResult.case_id == case_id)).priority == "1"
        assert s.scalar(select(Recommendation).where(Recommendation.case_id == case_id)) is not None
        assert s.scalars(select(CallDraft)).all() == []


def test_referral_endpoint_completes_case_from_the_call(qtbot, make_window, actor_for, factory, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.form.kommun.setCurrentText("Ystad")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # not unconscious
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # no pain now -> hänvisning
    assert ct.wizard.state.is_referral
    assert "hänvisning" in ct.send_button.text()
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    assert sent.args[1] == "referred"
    with factory() as s:
        case = s.get(Case, sent.args[0])
        assert case.status == "closed" and case.priority == "hänvisning"


def test_typing_the_start_of_a_kommun_and_enter_takes_it(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    field = ct.form.kommun.lineEdit()
    field.setFocus()
    qtbot.keyClicks(field, "Lun")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert ct.form.kommun.currentText() == "Lund" and ct.form.kommun_msg.text() == ""
    field.clear()
    qtbot.keyClicks(field, "malm")  # case does not matter
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert ct.form.kommun.currentText() == "Malmö"
    field.clear()
    qtbot.keyClicks(field, "Ho")  # QTest types ASCII: Hörby, Höganäs, Höör do not start with "Ho"
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert ct.form.kommun.currentText() == "Ho" and "Okänd kommun" in ct.form.kommun_msg.text()
    ct.form.kommun.setCurrentText("Hö")  # ambiguous: named, not guessed
    ct.form._complete_kommun()
    assert ct.form.kommun.currentText() == "Hö"
    assert "Menade du Höganäs, Hörby eller Höör?" in ct.form.kommun_msg.text()


def test_a_send_problem_clears_when_the_field_is_fixed(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    wiz = ct.wizard
    wiz.focus_current()
    qtbot.keyClicks(wiz.chooser.filter, "BR")
    qtbot.keyClick(wiz.chooser.filter, Qt.Key.Key_Return)
    qtbot.keyClick(wiz, Qt.Key.Key_1)  # unconscious: Prio 1 at once
    assert wiz.state.done
    ct.send()  # no kommun yet
    assert "Ange kommun" in ct.problems.text()
    ct.form.kommun.setCurrentText("Malmö")
    assert ct.problems.text() == ""
