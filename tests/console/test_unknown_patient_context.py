"""Context from the register, never silently "no" (issue 14): until the register knows the patient, the console
asks the context questions (enrolled in a mobile team, ASIH, SÄBO …) instead of counting them as "nej"; a patient
the register knows has them answered from it."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from records.models import Patient
from resources.vocabulary import Role

ENROLLED = "19400101-0026"


def test_an_unknown_patient_is_asked_the_context_question_a_known_one_is_not(qtbot, make_window, actor_for,
                                                                               idle, factory):
    with factory() as s, s.begin():
        s.add(Patient(personnummer=ENROLLED, name="Test Inskriven", enrolled_mobile_team="Vårdcentralen Lund",
                      lives_in_saebo=False, home_care=True, updated_at=datetime(2026, 11, 1, tzinfo=UTC), source="test"))
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.wizard.start("HEMMA")  # no personnummer yet: the register has not been asked
    q = ct.wizard.state.question
    assert q is not None and q.id == "inskriven" and q.kind == "yes_no"  # asked, not answered "nej"
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # "Ja": the caller says the team looks after her
    assert ct.wizard.state.done and ct.wizard.state.endpoint_code == "HEMMA.3.01"

    ct.form.pnr.setText(ENROLLED)  # now the register knows her: answered from it, not asked
    ct.form.patient_changed.emit()
    qtbot.waitUntil(lambda: ct.context.register_known and ct.context.enrolled_mobile_team is not None, timeout=10000)
    ct.wizard.start("HEMMA")
    assert ct.wizard.state.done and ct.wizard.state.endpoint_code == "HEMMA.3.01"
    step = next(p for p in ct.wizard.state.path if p.question_id == "inskriven")
    assert step.value is None and "automatiskt" in step.answer  # answered from the register, not asked
