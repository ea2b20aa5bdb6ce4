"""In a vital question "vet ej" is the empty field (Enter on it, or the button), never a typed 0; a value out of
range is named with the question."""

from __future__ import annotations

from PySide6.QtCore import Qt

from resources.vocabulary import Role


def test_vet_ej_in_a_vital_question_is_the_empty_field_not_zero(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.wizard.start("BRÖST")
    wiz = ct.wizard
    qtbot.keyClick(wiz, Qt.Key.Key_2)
    qtbot.keyClick(wiz, Qt.Key.Key_1)
    assert wiz.state.question.kind == "vital" and "vet ej" in wiz.vital.placeholderText()
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)  # empty field + Enter: "vet ej"
    assert wiz.state.done and wiz.state.path[-1].answer == "Vet ej"
    qtbot.keyClick(wiz, Qt.Key.Key_Backspace)
    qtbot.keyClicks(wiz.vital, "0")  # a 0 typed here is the number 0
    assert wiz.vital.text() == "0"
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)
    assert wiz.state.done and wiz.state.path[-1].answer.startswith("0")
    qtbot.keyClick(wiz, Qt.Key.Key_Backspace)
    qtbot.keyClicks(wiz.vital, "120")
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)
    assert wiz.vital_msg.text().startswith("Andningsfrekvens: 120")
