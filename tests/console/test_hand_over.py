"""Shift change, offscreen: the nurse hands her unfinished call to a colleague ("Lämna över samtalet…",
Ctrl+Shift+H). The call is saved first, the colleague chosen among the active nurses, the workspace cleared;
the colleague's console reopens the call, the author's does not."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from console.calltaking.hand_over_dialog import HandOverDialog
from console.shortcuts import shortcuts
from records.db import transaction
from records.identity import provision
from records.models import AuditEntry, CallDraft
from resources.vocabulary import Role


def _start_call(qtbot, w, idle, patient: str):  # type: ignore[no-untyped-def]
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    qtbot.keyClicks(ct.form.caller, "Inringare Ek")
    qtbot.keyClicks(ct.form.patient, patient)
    ct.form.kommun.setCurrentText("Malmö")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)
    return ct


def _when_dialog(answer: Callable[[HandOverDialog], None]) -> None:
    """Answer the hand-over dialog once it is open (it opens when the colleagues have been read)."""
    def check() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, HandOverDialog):
            answer(dlg)
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)


def test_the_nurse_hands_the_call_over_and_the_colleague_reopens_it(qtbot, make_window, actor_for, factory,
                                                                      idle) -> None:  # type: ignore[no-untyped-def]
    anna = actor_for(Role.NURSE, "ssk.anna")
    bo = actor_for(Role.NURSE, "ssk.bo")
    with transaction(factory) as s:
        provision(s, "ssk.cilla", {Role.NURSE}).active = False  # deactivated: not offered
        provision(s, "usk.dan", {Role.DISPATCHER})  # not a nurse: not offered
    w = make_window(anna)
    ct = _start_call(qtbot, w, idle, "Greta Lind")
    case_id = ct.case_id
    assert case_id is not None and ct.hand_over_button.isEnabled()
    assert "Ctrl+Shift+H" in {sc.key for sc in shortcuts()}
    assert len([a for a in w.actions() if a.shortcut().toString() == "Ctrl+Shift+H"]) == 1
    qtbot.keyClicks(ct.form.address, "Bygatan 9")  # typed just before: saved before it is handed over

    offered: list[str] = []

    def choose_bo(dlg: HandOverDialog) -> None:
        offered.extend(dlg.colleagues.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.colleagues.count()))
        dlg.choose("ssk.bo")
        dlg.accept()

    _when_dialog(choose_bo)
    qtbot.keyClick(w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not ct.active, timeout=10000)
    idle(w)

    assert offered == ["ssk.bo"]  # the active nurses other than Anna
    assert ct.case_id is None and ct.form.patient.text() == ""
    assert w.message_label.text() == f"Ärende {case_id} har lämnats över till ssk.bo."
    with transaction(factory) as s:
        [draft] = s.scalars(select(CallDraft).where(CallDraft.case_id == case_id))
        assert draft.user_id == bo.user_id
        assert draft.payload["intake"]["patient"] == "Greta Lind"
        assert draft.payload["intake"]["address"] == "Bygatan 9"
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "draft.hand_over"))
        assert (entry.user_id, entry.case_id, entry.detail["from"], entry.detail["to"]) == \
               (anna.user_id, case_id, "ssk.anna", "ssk.bo")
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "user.list",
                                                  AuditEntry.user_id == anna.user_id)).all()
    w.shutdown()

    # Anna's console no longer reopens it; Bo's does, where Anna left it
    wa = make_window(anna)
    idle(wa)
    assert not wa.workspaces["calltaking"].active
    wa.shutdown()
    wb = make_window(bo)
    ctb = wb.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ctb.active and ctb.form.patient.text() == "Greta Lind", timeout=10000)
    idle(wb)
    assert ctb.case_id == case_id and ctb.wizard.state.complaint == "BRÖST"
    with transaction(factory) as s:
        [draft] = s.scalars(select(CallDraft).where(CallDraft.case_id == case_id))
        assert draft.user_id == bo.user_id  # Bo's saves keep it his, no second draft


def test_cancelling_the_choice_keeps_the_call(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    actor_for(Role.NURSE, "ssk.bo")
    w = make_window(actor_for(Role.NURSE, "ssk.anna"))
    ct = _start_call(qtbot, w, idle, "Harald Kvar")
    case_id = ct.case_id

    _when_dialog(lambda dlg: dlg.reject())
    qtbot.mouseClick(ct.hand_over_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.executor.busy and QApplication.activeModalWidget() is None, timeout=10000)
    assert ct.active and ct.case_id == case_id and ct.form.patient.text() == "Harald Kvar"
    assert ct.form.isEnabled()
