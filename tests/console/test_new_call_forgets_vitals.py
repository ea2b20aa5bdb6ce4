"""A new call starts without the last patient's vital signs: Ctrl+N after a call whose vitals gave NEWS2 8 showed
"NEWS2: 8" beside empty fields, and a value typed before the new complaint was scored with the old call's values
(the old triage session stayed the driver's until a complaint was chosen)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from console.calltaking.vitals_panel import NOT_MEASURED
from resources.vocabulary import Role

VALUES = {"rr": "22", "spo2": "94", "sbp": "105", "pulse": "115", "temp": "39,2"}  # NEWS2 8


def _type(qtbot, ct, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = ct.vitals.fields[name]
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_ctrl_n_after_a_call_with_vitals_starts_from_no_vitals(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText("Hemtjänsten, Lisa")
    ct.wizard.start("YRSEL")
    for name, text in VALUES.items():
        _type(qtbot, ct, name, text)
    assert ct.vitals.news2.text() == "NEWS2: 8"

    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # the next call (the first kept as a draft)
    idle(w)
    assert ct.vitals.news2.text() == "NEWS2: –"
    assert {n: f.placeholderText() for n, f in ct.vitals.fields.items()} == dict.fromkeys(ct.vitals.fields,
                                                                                            NOT_MEASURED)
    _type(qtbot, ct, "rr", "22")  # before a complaint: this patient's value alone
    assert ct.vitals.news2.text() == "NEWS2: 2"
    idle(w)
