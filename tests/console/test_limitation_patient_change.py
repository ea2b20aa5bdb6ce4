"""A decision on a treatment limitation is the nurse's decision on that patient's limitation: when the personnummer is
corrected mid-call to another patient with the same kind of limitation, the new patient's limitation is shown and
asked about before the call is sent (regression: decisions were matched by kind and path only, so the nurse's "follow
ej HLR" for Bengt Testsson counted as decided for Lennart's ej HLR, which she never saw asked)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from console.calltaking.limitation_dialog import LimitationDialog
from records.demo import demo_patients
from resources.care_plan import LimitationKind
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

PATIENTS = {p.name.split()[0]: p for p in demo_patients()}
BENGT, LENNART = PATIENTS["Bengt"], PATIENTS["Lennart"]


@pytest.fixture(scope="module")
def default_ruleset() -> RuleSet:
    return load_ruleset()


def _in_dialog(act: Callable[[LimitationDialog], None], seen: list[LimitationDialog]) -> None:
    tries = [0]

    def run() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, LimitationDialog) or any(d is dlg for d in seen):
            tries[0] += 1
            if tries[0] < 500:
                QTimer.singleShot(10, run)
            return
        seen.append(dlg)
        act(dlg)

    QTimer.singleShot(0, run)


def _decide(qtbot, dlg: LimitationDialog, key: Qt.Key, reason: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dlg, key)
    dlg.reason.setText(reason)
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)


def _settle_pnr(qtbot, w, idle, ct, pnr: str) -> None:  # type: ignore[no-untyped-def]
    ct.form.pnr.selectAll()
    qtbot.keyClicks(ct.form.pnr, pnr)
    qtbot.keyClick(ct.form.pnr, Qt.Key.Key_Return)
    idle(w)
    qtbot.waitUntil(lambda: ct.context.personnummer is not None
                    and ct.context.personnummer.replace("-", "") == pnr.replace("-", ""), timeout=10000)


def test_a_decision_on_bengts_ej_hlr_is_not_one_on_lennarts(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle, default_ruleset):
    w = make_window(actor_for(Role.NURSE), ruleset=default_ruleset)
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Grannen")
    ct.form.phone.setText("040-123 45 67")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    _settle_pnr(qtbot, w, idle, ct, BENGT.personnummer)
    ct.wizard.start("ANDN")
    ct.apply_red_flag("RF_HJÄRTSTOPP")  # RÖD.1.00, a cardiac-arrest path
    idle(w)
    assert ct.plan_banner.state == "decide"

    seen: list[LimitationDialog] = []

    def follow(dlg: LimitationDialog) -> None:
        _in_dialog(lambda nxt: _decide(qtbot, nxt, Qt.Key.Key_2, ""), seen)  # Bengt's ej IVA: usual care
        _decide(qtbot, dlg, Qt.Key.Key_2, "Beslutet verifierat i journalen")  # Bengt's ej HLR: followed

    _in_dialog(follow, seen)
    qtbot.keyClick(w, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert [d.kind for d in seen] == [LimitationKind.NO_CPR, LimitationKind.NO_ICU]
    idle(w)
    assert ct.plan_banner.state == "decided"

    # The caller was wrong about who it is: the nurse corrects the personnummer to Lennart, who has an ej HLR of his own
    _settle_pnr(qtbot, w, idle, ct, LENNART.personnummer)
    assert ct.wizard.state.endpoint_code == "RÖD.1.00"
    assert [n.kind for n in ct.wizard.state.limitations if n.applies] == ["no_cpr"]
    assert ct.plan_banner.state == "decide"  # Lennart's ej HLR has not been decided on
    asked: list[LimitationDialog] = []
    _in_dialog(lambda dlg: (asked.append(dlg), dlg.reject()), [])
    ct.send()
    assert [d.kind for d in asked] == [LimitationKind.NO_CPR]  # asked, with Lennart's own limitation
    assert f"Journal {LENNART.enrolled_asih}" in ct.wizard.state.limitations[0].text
    assert "skickas inte förrän du har beslutat om Ej HLR" in ct.problems.text()
