"""Regressions found by driving the call-taking workspace as a nurse would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItemIterator

from records.personnummer import with_check_digit
from resources.vocabulary import Role


def _start_chest_pain(qtbot, w, idle):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.kommun.setCurrentText("Lund")
    wiz = ct.wizard
    wiz.focus_current()
    qtbot.keyClicks(wiz.chooser.filter, "BR")
    qtbot.keyClick(wiz.chooser.filter, Qt.Key.Key_Return)
    return ct, wiz


def test_samordningsnummer_is_named_as_such(qtbot, make_window, actor_for):
    w = make_window(actor_for(Role.NURSE))
    form = w.workspaces["calltaking"].form
    form.setEnabled(True)
    number = "19450161-123" + with_check_digit("450161123")
    qtbot.keyClicks(form.pnr, number)
    assert form.pnr_msg.text() == f"Giltigt samordningsnummer: {number}"
    form.pnr.clear()
    qtbot.keyClicks(form.pnr, "19450101-R123")
    assert form.pnr_msg.text().startswith("Giltigt reservnummer")


def test_keys_typed_on_the_path_go_to_the_triage_and_enter_changes_an_answer(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct, wiz = _start_chest_pain(qtbot, w, idle)
    qtbot.keyClick(wiz, Qt.Key.Key_2)  # not unconscious
    assert wiz.state.question.id == "ont_nu"
    # The nurse clicks on the path (focus moves there), then presses a number: it answers the question
    # instead of feeding the list's type-ahead search.
    wiz.path.setFocus()
    wiz.path.setCurrentRow(0)
    qtbot.keyClick(wiz.path, Qt.Key.Key_1)
    assert wiz.state.question.kind == "vital"
    assert wiz.path.count() == 2
    # Enter on a selected step of the path asks that question again.
    wiz.path.setFocus()
    wiz.path.setCurrentRow(1)
    qtbot.keyClick(wiz.path, Qt.Key.Key_Return)
    assert wiz.state.question.id == "ont_nu" and wiz.path.count() == 1
    assert not wiz.path.hasFocus()


def test_double_click_on_the_path_rewinds_after_the_click_and_keeps_keys_on_the_triage(qtbot, make_window,
                                                                                      actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct, wiz = _start_chest_pain(qtbot, w, idle)
    qtbot.keyClick(wiz, Qt.Key.Key_2)
    qtbot.keyClick(wiz, Qt.Key.Key_2)
    assert wiz.path.count() == 2
    rect = wiz.path.visualItemRect(wiz.path.item(0))
    qtbot.mouseClick(wiz.path.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(wiz.path.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: wiz.path.count() == 0)
    assert wiz.state.question.id == "RF_MEDVETSLOS"
    qtbot.waitUntil(wiz.hasFocus)
    qtbot.keyClick(wiz, Qt.Key.Key_2)
    assert wiz.state.question.id == "ont_nu"


def test_recommendation_reasons_wrap_instead_of_being_cut_off(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct, wiz = _start_chest_pain(qtbot, w, idle)
    qtbot.keyClick(wiz, Qt.Key.Key_2)
    qtbot.keyClick(wiz, Qt.Key.Key_1)
    qtbot.keyClicks(wiz.vital, "16")
    qtbot.keyClick(wiz.vital, Qt.Key.Key_Return)
    assert wiz.state.done
    tree = ct.recommendation.tree
    tree.setColumnWidth(0, 120)
    tree.resize(300, 600)
    tree.doItemsLayout()
    line = tree.fontMetrics().height()
    wrapped = []
    it = QTreeWidgetItemIterator(tree)
    while it.value():
        item = it.value()
        for col in (0, 1):
            if tree.fontMetrics().horizontalAdvance(item.text(col)) > 2 * tree.header().sectionSize(col):
                index = tree.indexFromItem(item, col)
                wrapped.append(tree.visualRect(index).height())
            assert item.toolTip(col) == item.text(col)
        it += 1
    assert wrapped, "expected at least one long reason in the recommendation"
    assert all(h >= 2 * line for h in wrapped)
