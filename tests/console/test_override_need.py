"""A priority override offers the care need that fits the new priority: the nurse sees the engine's
re-derived need in the dialog before confirming, and the call then carries it (and a recommendation for it)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from console.calltaking.override_dialog import OverrideDialog, without_codes
from resources.vocabulary import Priority, Role, TransportNeed


def test_a_prio_1_override_of_a_visit_shows_and_takes_the_engines_care_need(qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.kommun.setCurrentText("Lund")
    ct.form.address.setText("Lindvägen 12")
    ct.wizard.start("YRSEL")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # Prio 3: a mobile team, no transport
    assert ct.wizard.state.care_need.transport is TransportNeed.NONE
    expected, source = ct.driver.override_preview(Priority.P1)
    assert expected.transport is TransportNeed.AMBULANCE  # the rule set's escalation for Prio 1
    shown: list[str] = []

    def choose() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, OverrideDialog)
        dlg.priority.setCurrentIndex(dlg.priority.findData(Priority.P1))
        shown.append(dlg.need.text())
        assert dlg.transport.currentData() == TransportNeed.AMBULANCE  # follows the new priority
        dlg.reason.setPlainText("Låter mycket påverkad i telefon.")
        dlg._accept()

    QTimer.singleShot(0, choose)
    qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert shown and "ambulanstransport" in shown[0] and f"inom {expected.max_minutes} min" in shown[0]
    assert source and without_codes(source) in shown[0] and "ambulans_akut" not in shown[0]  # why, no codes
    st = ct.wizard.state
    assert st.priority is Priority.P1 and st.care_need == expected and "överstyrd" in ct.wizard.priority.text()
    rec = ct.recommendation.current
    assert rec is not None and rec.parts[0].recommended is not None  # never "nothing can meet the need"
