"""Vital signs in every call: the panel feeds the engine at any time, NEWS2 ≥ 7 gives Prio 1 in a complaint
whose tree asks no vital sign, a cleared field takes its effect back, an implausible value is named in Swedish,
and "vet ej" in a vital question is the empty field, never a typed 0."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from records.models import TriageAnswer, TriageResult
from resources.vocabulary import Priority, Role

# No single parameter scores 3: the raise comes from the total (RR 22: 2, SpO2 94: 1, BP 105: 1, pulse 115: 2,
# temperature 39,2: 2 → NEWS2 8), so taking values back lowers it step by step.
VALUES = {"rr": "22", "spo2": "94", "sbp": "105", "pulse": "115", "temp": "39,2"}


def _call(qtbot, w, idle, complaint: str):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Hemtjänsten, Lisa")
    ct.form.phone.setText("040-123 456")
    ct.form.address.setText("Lindvägen 12")
    ct.form.kommun.setCurrentText("Lund")
    ct.wizard.start(complaint)
    return ct


def _type(qtbot, ct, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = ct.vitals.fields[name]
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_news2_of_7_gives_prio_1_where_the_tree_asks_no_vitals_and_clearing_takes_it_back(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = _call(qtbot, w, idle, "YRSEL")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # new dizziness: Prio 3, a visit without transport
    assert ct.wizard.state.done and ct.wizard.state.priority is Priority.P3
    for name, text in VALUES.items():
        _type(qtbot, ct, name, text)
    st = ct.wizard.state
    assert st.priority is Priority.P1 and ct.wizard.priority.text().startswith("Prio 1")
    assert ct.vitals.news2.text() == "NEWS2: 8"
    assert "Prio 1" in ct.vitals.effect.text() and "NEWS2 8" in ct.vitals.effect.text()
    assert st.care_need is not None and st.care_need.transport.value == "ambulance"  # the need followed
    assert ct.recommendation.current is not None

    ct.vitals.fields["pulse"].clear()  # taken back: not measured (the clear button does the same)
    assert "pulse" not in ct.driver.vitals
    assert ct.wizard.state.priority is Priority.P2 and ct.vitals.news2.text() == "NEWS2: 6"
    ct.vitals.fields["temp"].clear()
    assert ct.wizard.state.priority is Priority.P3 and ct.vitals.news2.text() == "NEWS2: 4"
    assert "Prio" not in ct.vitals.effect.text().replace("höjer inte prioriteten", "")

    _type(qtbot, ct, "temp", "39,2")
    _type(qtbot, ct, "pulse", "115")
    assert ct.wizard.state.priority is Priority.P1
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    case_id = sent.args[0]
    idle(w)
    with factory() as s:
        result = s.scalar(select(TriageResult).where(TriageResult.case_id == case_id))
        assert result.priority == "1" and any("NEWS2 8" in r for r in result.reasons)
        answers = {a.question_id: a.answer["value"] for a in
                   s.scalars(select(TriageAnswer).where(TriageAnswer.case_id == case_id))}
        assert answers["vital:rr"] == 22 and answers["vital:temp"] == 39.2 and answers["ny_yrsel"] == "ja"


def test_vitals_taken_before_the_complaint_count_once_it_is_chosen(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert ct.vitals.fields["rr"].hasFocus()  # Ctrl+M: to the vital signs, from anywhere in the call
    _type(qtbot, ct, "spo2", "86")  # SpO2 86 %: 3 points alone
    assert ct.vitals.news2.text() == "NEWS2: 3"
    ct.wizard.start("YRSEL")
    assert ct.wizard.state.priority is Priority.P1


def test_an_implausible_value_is_named_and_not_taken(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = _call(qtbot, w, idle, "YRSEL")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    _type(qtbot, ct, "spo2", "150")
    assert "Saturation" in ct.vitals.error.text() and "150" in ct.vitals.error.text()
    assert "spo2" not in ct.driver.vitals and ct.wizard.state.priority is Priority.P3
    _type(qtbot, ct, "spo2", "97")
    assert ct.vitals.error.text() == "" and ct.driver.vitals["spo2"] == 97


def test_vitals_survive_a_restart_from_the_draft(qtbot, make_window, actor_for, idle):
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct1 = _call(qtbot, w1, idle, "YRSEL")
    qtbot.keyClick(ct1.wizard, Qt.Key.Key_1)
    for name, text in VALUES.items():
        _type(qtbot, ct1, name, text)
    ct1.save_now()
    idle(w1)
    w1.shutdown()
    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.wizard.state.done, timeout=10000)
    assert ct2.wizard.state.priority is Priority.P1 and ct2.vitals.fields["temp"].text() == "39,2"
    assert ct2.vitals.news2.text() == "NEWS2: 8"


def test_a_value_answered_in_the_tree_shows_greyed_in_the_panel_and_a_typed_one_replaces_it(
        qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = _call(qtbot, w, idle, "BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    qtbot.keyClicks(ct.wizard.vital, "18")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    assert ct.wizard.state.done and ct.wizard.state.priority is Priority.P2
    rr = ct.vitals.fields["rr"]
    assert rr.text() == "" and rr.placeholderText() == "18" and ct.vitals.news2.text() == "NEWS2: 0"
    _type(qtbot, ct, "rr", "35")  # the panel's value replaces the tree's answer
    assert ct.wizard.state.priority is Priority.P1 and ct.vitals.news2.text() == "NEWS2: 3"
    assert rr.placeholderText() == "vet ej"

