"""The draft survives a crash; roles cannot do what they must not; the RLS physician signs off an override."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from console.calltaking.override_dialog import OverrideDialog
from records.actor import NotPermitted
from records.models import Review
from records.review_queue import open_reviews, sign_off
from records.triage_store import CompletedTriage, store_triage
from resources.vocabulary import Priority, Role


def _start_call(qtbot, w, idle):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    qtbot.keyClicks(ct.form.caller, "Bertil Bertilsson")
    qtbot.keyClicks(ct.form.address, "Kyrkogatan 3")
    ct.form.kommun.setCurrentText("Malmö")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    return ct


def test_draft_survives_a_crash(qtbot, make_window, actor_for, idle):
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct1 = _start_call(qtbot, w1, idle)
    case_id = ct1.case_id
    qtbot.waitUntil(lambda: not ct1._save_timer.isActive() and not w1.executor.busy, timeout=10000)
    # The crash: the window vanishes without closing (no closeEvent, no draft discarded).
    w1.executor.shutdown()
    w1.hide()

    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active, timeout=10000)
    idle(w2)
    assert ct2.case_id == case_id
    assert ct2.form.caller.text() == "Bertil Bertilsson"
    assert ct2.form.kommun.currentText() == "Malmö"
    assert ct2.wizard.state.complaint == "BRÖST"
    assert [p.question_id for p in ct2.wizard.state.path] == ["RF_MEDVETSLOS", "ont_nu"]
    assert ct2.wizard.state.question.id == "andning"
    assert f"Ärende {case_id}" in ct2.title.text()


def test_roles_see_and_do_only_their_part(qtbot, make_window, actor_for, factory):
    dispatcher = actor_for(Role.DISPATCHER)
    wd = make_window(dispatcher)
    assert "calltaking" not in wd.workspaces and "review" not in wd.workspaces
    assert "dispatch" in wd.workspaces
    assert not [a for a in wd.actions() if a.shortcut().toString() == "Ctrl+N"]
    triage = CompletedTriage(ruleset_version="test-1", complaint="BRÖST", endpoint_code="BRÖST.2.01",
                             priority=Priority.P2, care_need={"capabilities": [], "transport": "ambulance"})
    with factory() as s, s.begin(), pytest.raises(NotPermitted, match="triagera"):
        store_triage(s, dispatcher, 1, triage)
    with factory() as s, s.begin(), pytest.raises(NotPermitted):
        open_reviews(s, dispatcher)

    nurse = actor_for(Role.NURSE)
    wn = make_window(nurse)
    assert "review" not in wn.workspaces
    assert not wn.workspaces["dispatch"].assign_button.isEnabled()  # a nurse does not dispatch
    with factory() as s, s.begin(), pytest.raises(NotPermitted, match="signera"):
        sign_off(s, nurse, 1)
    admin = actor_for(Role.ADMIN)
    with factory() as s, s.begin(), pytest.raises(NotPermitted, match="signera"):
        sign_off(s, admin, 1)  # sign-off is a physician's medical decision


def test_override_reaches_physician_queue_and_is_signed_off(qtbot, make_window, actor_for, factory, idle):
    wn = make_window(actor_for(Role.NURSE))
    ct = _start_call(qtbot, wn, idle)
    qtbot.keyClicks(ct.wizard.vital, "18")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    assert ct.wizard.state.done and ct.wizard.state.priority is Priority.P2

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, OverrideDialog)
        dlg.priority.setCurrentIndex(dlg.priority.findData(Priority.P1))
        dlg._accept()  # no reason: refused
        assert dlg.isVisible() and "motivering" in dlg.error.text()
        dlg.reason.setPlainText("Patienten låter påverkad, grå och kallsvettig.")
        dlg._accept()

    QTimer.singleShot(0, fill)
    qtbot.keyClick(wn, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert ct.wizard.state.priority is Priority.P1
    assert "överstyrd" in ct.wizard.priority.text()
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    case_id = sent.args[0]

    wp = make_window(actor_for(Role.PHYSICIAN))
    rv = wp.workspaces["review"]
    qtbot.waitUntil(lambda: rv.detail is not None, timeout=10000)
    assert rv.model.rowCount() == 1
    assert rv.detail.item.case_id == case_id and rv.detail.item.reason == "override"
    html = rv.browser.toPlainText()
    assert "Överstyrt" in html and "kallsvettig" in html and "Andningsfrekvens" in html
    assert "Rekommendation som visades" in html
    assert rv.sign_button.isEnabled()
    rv.comment.setPlainText("Rimlig bedömning.")
    qtbot.keyClick(wp, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: rv.model.rowCount() == 0, timeout=10000)
    with factory() as s:
        review = s.scalar(select(Review).where(Review.case_id == case_id))
        assert review.status == "signed_off" and review.comment == "Rimlig bedömning."
