"""At 1366×768 with the console's theme, the triage's longest answer ("Smärta, ångest eller andnöd som inte lindras av
ordinerade läkemedel", PALL) is whole on screen and does not widen the window: the answer buttons wrap (regression:
one-line buttons made the triage column's minimum wider than the screen; the real console grew to 1455 px, cutting
the send button and the vital signs off the right edge, and squeezed the intake form to a sliver)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from records.demo import demo_patients
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

SMALL = (1366, 728)  # a 1366×768 laptop less its task bar
BENGT = next(p for p in demo_patients() if p.name == "Bengt Testsson")


@pytest.fixture(scope="module")
def default_ruleset() -> RuleSet:
    return load_ruleset()


def _longest_option(ruleset: RuleSet) -> tuple[str, str, str]:
    return max(((c.code, q.id, label) for c in ruleset.complaints for q in c.questions
                for label in (o.label for o in q.options or [])), key=lambda t: len(t[2]))


def test_the_longest_answer_is_whole_and_the_window_keeps_its_width(  # type: ignore[no-untyped-def]
        qtbot, themed, make_window, actor_for, idle, default_ruleset):
    complaint, question, longest = _longest_option(default_ruleset)
    w = make_window(actor_for(Role.NURSE), ruleset=default_ruleset)
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: w.size().toTuple() == SMALL)
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Greta")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    qtbot.keyClicks(ct.form.pnr, BENGT.personnummer)  # an ASIH patient: his limitations over the triage too
    qtbot.keyClick(ct.form.pnr, Qt.Key.Key_Return)
    idle(w)
    assert ct.plan_banner.isVisibleTo(ct)
    ct.wizard.start(complaint)
    for _ in range(6):
        if ct.wizard.state.question is None or ct.wizard.state.question.id == question:
            break
        qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    assert ct.wizard.state.question is not None and ct.wizard.state.question.id == question
    idle(w)
    w.layout().activate()
    assert w.minimumSizeHint().width() <= SMALL[0]
    qtbot.wait(50)
    assert w.width() == SMALL[0]
    [button] = [b for b in ct.wizard._answer_buttons if longest in b.text().replace("\n", " ")]
    assert w.rect().contains(QRect(button.mapTo(w, QPoint(0, 0)), button.size()))
    assert ct.form.width() >= ct.form.minimumSizeHint().width()  # the intake form is not squeezed for it
