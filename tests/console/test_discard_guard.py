"""Destructive keys are guarded: an empty call is cancelled at once; one with answers asks once ("Nej" is the
default, Esc keeps the call and nothing is lost); a Prio 1 call is cancelled only with a typed reason, which the
case's audit keeps."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from console.calltaking.discard_dialog import DiscardDialog
from records.models import AuditEntry, CallDraft
from resources.vocabulary import Priority, Role

CANCEL = (Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def _in_dialog(qtbot, seen: list[DiscardDialog], act: Callable[[DiscardDialog], None]) -> None:  # type: ignore[no-untyped-def]
    def run() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, DiscardDialog):
            seen.append(dlg)
            act(dlg)
        elif dlg is not None:
            dlg.close()

    QTimer.singleShot(0, run)


def _new_call(qtbot, w, idle):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    return ct


def test_an_empty_call_goes_at_once_one_with_answers_asks_once_and_esc_keeps_everything(
        qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = _new_call(qtbot, w, idle)
    seen: list[DiscardDialog] = []
    _in_dialog(qtbot, seen, lambda d: d.reject())
    qtbot.keyClick(w, *CANCEL)
    assert seen == [] and not ct.active  # nothing typed: nothing to ask about

    ct = _new_call(qtbot, w, idle)
    ct.form.caller.setText("Anna Andersson")
    ct.wizard.start("YRSEL")
    ct.save_now()
    idle(w)
    draft_id = ct.draft_id
    _in_dialog(qtbot, seen, lambda d: (qtbot.keyClick(d, Qt.Key.Key_Escape)))
    qtbot.keyClick(w, *CANCEL)
    [dlg] = seen
    assert dlg.keep_button.isDefault() and not dlg.confirm_button.isDefault() and not dlg.reason.isVisible()
    assert dlg.windowTitle() == "Avbryta samtalet?"
    assert ct.active and ct.form.caller.text() == "Anna Andersson" and ct.wizard.state.complaint == "YRSEL"

    _in_dialog(qtbot, seen, lambda d: qtbot.mouseClick(d.confirm_button, Qt.MouseButton.LeftButton))
    ct.cancel_button.click()
    assert len(seen) == 2 and not ct.active
    idle(w)
    with factory() as s:
        assert s.get(CallDraft, draft_id) is None


def test_a_prio_1_call_needs_a_typed_reason_which_is_audited(qtbot, make_window, actor_for, factory,
                                                            idle):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    w = make_window(nurse)
    ct = _new_call(qtbot, w, idle)
    ct.wizard.start("BRÖST")
    ct.apply_red_flag("RF_CHOCK")
    assert ct.wizard.state.priority is Priority.P1
    ct.save_now()
    idle(w)
    case_id = ct.case_id
    seen: list[DiscardDialog] = []

    def try_without_then_give_up(d: DiscardDialog) -> None:
        assert d.reason.isVisible() and not d.confirm_button.isEnabled()
        qtbot.mouseClick(d.confirm_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
        assert d.isVisible()
        qtbot.keyClick(d.reason, Qt.Key.Key_Return)  # Enter with no reason: the default, "Nej", keeps the call
    _in_dialog(qtbot, seen, try_without_then_give_up)
    qtbot.keyClick(w, *CANCEL)
    assert len(seen) == 1 and ct.active and ct.wizard.state.priority is Priority.P1

    def with_reason(d: DiscardDialog) -> None:
        qtbot.keyClicks(d.reason, "Fel samtal, provlarm från larmcentralen")
        assert d.confirm_button.isEnabled()
        qtbot.mouseClick(d.confirm_button, Qt.MouseButton.LeftButton)
    _in_dialog(qtbot, seen, with_reason)
    ct.cancel_button.click()  # "Avbryt samtal" (offscreen the window is not made active again after a dialog)
    assert len(seen) == 2 and not ct.active
    idle(w)
    with factory() as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "draft.discard", AuditEntry.case_id == case_id))
    assert row.detail["reason"] == "Fel samtal, provlarm från larmcentralen" and row.detail["priority"] == "1"
    assert row.user_id == nurse.user_id
