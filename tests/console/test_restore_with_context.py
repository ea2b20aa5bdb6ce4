"""A call reopened after a crash comes back on the path the nurse answered, also where the path turns on the
patient's register context (an automatic step while the patient was known): the draft's answers are given to the
questions they were answers to, with the patient's context, never to whatever question comes next."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from records.demo import demo_patients
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

BENGT = next(p for p in demo_patients() if p.name == "Bengt Testsson")  # enrolled in ASIH


@pytest.fixture(scope="module")
def default_ruleset() -> RuleSet:
    return load_ruleset()  # PALL starts with the automatic "enrolled in ASIH?" step


def _crash(qtbot, w, ct) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not ct._save_timer.isActive() and not w.executor.busy, timeout=10000)
    w.executor.shutdown()  # the window vanishes without closing: no closeEvent, no draft discarded
    w.hide()


def test_a_restored_call_keeps_its_answers_where_the_path_turns_on_the_register(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle, default_ruleset):
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse, ruleset=default_ruleset)
    ct1 = w1.workspaces["calltaking"]
    ct1.new_case()
    idle(w1)
    ct1.form.caller.setText("Maria Testsson (dotter)")
    ct1.form.address.setText("Ekvägen 3")
    ct1.form.kommun.setCurrentText("Lund")
    ct1.form.patient.setText(BENGT.name)
    qtbot.keyClicks(ct1.form.pnr, BENGT.personnummer)
    qtbot.keyClick(ct1.form.pnr, Qt.Key.Key_Return)
    idle(w1)
    assert ct1.context.enrolled_asih
    ct1.wizard.start("PALL")
    assert ct1.wizard.state.question.id == "problem"  # "ASIH?" answered from the register
    ct1.wizard.answer("symtom")
    before = (ct1.driver.answers(), ct1.wizard.state.endpoint_code)
    assert before == ([("problem", "symtom")], "PALL.2.01")
    _crash(qtbot, w1, ct1)

    w2 = make_window(nurse, ruleset=default_ruleset)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.context.enrolled_asih, timeout=10000)
    idle(w2)
    assert (ct2.driver.answers(), ct2.wizard.state.endpoint_code) == before
    assert [(p.question_id, p.value) for p in ct2.wizard.state.path] == [("asih", None), ("problem", "symtom")]
