"""At 1366×768 with the console's theme (11 pt base, 22 pt question), what a reviewer saw cut in the real console
is whole: the longest triage question of the default rule set, also with the red message row above it, and the
vital-sign panel's reason, which was drawn over the ACVPU row (issue 16, "fits the screens centres use"). With the
theme a disabled button looks disabled, and the discard dialog says what it is missing.

The other console tests run with Qt's 9 pt and no stylesheet, which is why these were not caught there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QWidget

from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

SMALL = (1366, 728)  # a 1366×768 laptop less its task bar
# To the default rule set's longest question (INTOX "högrisk"): not unconscious, breathing, intent unknown, then
# the first choice (a medicine).
TO_LONGEST = {"RF_MEDVETSLÖS": Qt.Key.Key_2, "RF_ANDNING": Qt.Key.Key_2, "avsikt": Qt.Key.Key_0}


@pytest.fixture(scope="module")
def default_ruleset() -> RuleSet:
    return load_ruleset()


def _longest_question(ruleset: RuleSet) -> str:
    return max((q.text for c in ruleset.complaints for q in c.questions if q.text), key=len)


def _shown_whole(label: QLabel, within: QWidget) -> bool:
    """Every line of `label`'s wrapped text is inside `label` and inside the part of `within` on screen."""
    label.parentWidget().layout().activate() if label.parentWidget().layout() else None
    need = label.heightForWidth(label.width())
    seen = label.visibleRegion().boundingRect()
    inside = within.rect().contains(QRect(label.mapTo(within, QPoint(0, 0)), label.size()))
    return label.height() >= need and seen.height() >= need and inside


def _at_the_longest_question(qtbot, w, idle, ruleset):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Kalle Anka")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Malmö")
    ct.wizard.start("INTOX")
    longest = _longest_question(ruleset)
    for _ in range(6):
        q = ct.wizard.state.question
        if q is None or q.text == longest:
            break
        qtbot.keyClick(ct.wizard, TO_LONGEST.get(q.id, Qt.Key.Key_1))
    assert ct.wizard.question.text() == longest
    return ct


def test_the_longest_question_is_whole_at_1366_also_under_the_message_row(  # type: ignore[no-untyped-def]
        qtbot, themed, make_window, actor_for, idle, default_ruleset):
    w = make_window(actor_for(Role.NURSE), ruleset=default_ruleset)
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: w.size().toTuple() == SMALL)
    ct = _at_the_longest_question(qtbot, w, idle, default_ruleset)
    qtbot.waitUntil(lambda: _shown_whole(ct.wizard.question, w))

    field = ct.vitals.fields["spo2"]  # SpO2 80: 3 points, a preliminary Prio 1 → förlarm
    qtbot.keyClicks(field, "80")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    ct.send()
    qtbot.waitUntil(lambda: ct.pre_alerted, timeout=10000)
    ct.send()  # again: the red row says the förlarm is already in väntrummet
    assert ct.problems.isVisible() and "ligger redan i väntrummet" in ct.problems.text()
    qtbot.waitUntil(lambda: _shown_whole(ct.wizard.question, w))
    for button in ct.wizard._answer_buttons:  # the answers stay on screen under it
        assert w.rect().contains(QRect(button.mapTo(w, QPoint(0, 0)), button.size()))
    assert ct.wizard.question.font().pointSizeF() > ct.wizard.help.font().pointSizeF()  # still the largest text


def test_the_vital_sign_reason_has_its_own_room_under_acvpu_at_1366(  # type: ignore[no-untyped-def]
        qtbot, themed, make_window, actor_for, idle, default_ruleset):
    w = make_window(actor_for(Role.NURSE), ruleset=default_ruleset)
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: w.size().toTuple() == SMALL)
    ct = _at_the_longest_question(qtbot, w, idle, default_ruleset)
    ct.call_notes.field.setText("Portkod 1234, 3 tr, dottern möter på gatan")
    qtbot.keyClick(ct.call_notes.field, Qt.Key.Key_Return)
    field = ct.vitals.fields["spo2"]
    qtbot.keyClicks(field, "80")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    effect, avpu = ct.vitals.effect, ct.vitals.avpu
    assert "NEWS2 3" in effect.text() and effect.text().count("\n") == 0  # one reason, wrapped over lines
    idle(w)

    def whole() -> bool:
        top = effect.mapTo(ct.vitals, QPoint(0, 0)).y()
        below_avpu = top >= avpu.geometry().bottom()
        return below_avpu and _shown_whole(effect, ct.vitals)

    qtbot.waitUntil(whole)


def test_a_disabled_button_looks_disabled_and_the_discard_dialog_says_what_is_missing(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    from console.calltaking.discard_dialog import DiscardDialog

    dlg = DiscardDialog(12, prio_1=True, pre_alerted=True)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.reason, "   ")  # blanks are no reason

    def why() -> list[str]:
        return [label.text() for label in dlg.findChildren(QLabel) if label.isVisible() and "Skriv ett skäl" in label.text()]

    assert not dlg.confirm_button.isEnabled() and why()
    assert "Skriv ett skäl" in dlg.confirm_button.toolTip()
    disabled, size = dlg.confirm_button.grab().toImage(), dlg.size()
    qtbot.keyClicks(dlg.reason, "fel samtal")
    assert dlg.confirm_button.isEnabled() and not why() and dlg.confirm_button.toolTip() == ""
    assert dlg.size() == size  # the message's room is kept: the dialog does not jump
    enabled = dlg.confirm_button.grab().toImage()
    assert _text_lightness(disabled) < 0.75 * _text_lightness(enabled)  # greyed text, not the same light text


def _text_lightness(image) -> int:  # type: ignore[no-untyped-def]
    """The lightest pixel of a button (its text, light on the dark theme's button)."""
    return max(image.pixelColor(x, y).lightness() for x in range(image.width()) for y in range(image.height()))
