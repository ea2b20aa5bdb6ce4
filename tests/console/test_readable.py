"""What a nurse or a dispatcher reads is readable and says one thing one way (issue 16, "fits the screens"):
one spelling per shortcut, also where Qt itself spells it (menus, under the Swedish translation)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from console.i18n import install_translators
from console.shortcuts import shortcuts
from resources.vocabulary import Role


@pytest.fixture
def swedish_qt(qapp, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Qt's own Swedish translation installed as the console installs it (removed afterwards)."""
    monkeypatch.delenv("LARMCENTRAL_LANG", raising=False)
    before = set(qapp.findChildren(QTranslator))
    install_translators(qapp)
    yield
    for t in set(qapp.findChildren(QTranslator)) - before:
        QApplication.removeTranslator(t)


def test_menus_spell_each_shortcut_as_the_f1_table_does(qtbot, swedish_qt, make_window, actor_for):  # type: ignore[no-untyped-def]
    # Qt's Swedish translation renders Shift as "Skift" and Backspace as "Backsteg" in menus; the F1 table,
    # the buttons and the status texts say Shift and Backspace.
    known = {part for s in shortcuts() for part in s.key.split(" / ")}
    w = make_window(actor_for(Role.ADMIN))  # the same menus as every role, the lightest window
    shown = {}
    for menu_action in w.menuBar().actions():
        menu = menu_action.menu()
        for a in menu.actions() if menu is not None else ():
            if not a.shortcut().isEmpty():
                shown[a.text()] = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    assert len(shown) >= 4, shown  # Ctrl+L, Ctrl+Shift+L, the workspaces, Ctrl+Shift+R
    for text, key in shown.items():
        assert key in known, f"menu item {text!r} shows {key!r}, not spelled as in the F1 table"
    for key in ("Shift+D", "Ctrl+Shift+Backspace"):
        assert QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) == key


def _visible_texts(root) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text the user reads in `root`: labels, buttons, list and tree rows (not tooltips)."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QTreeWidget, QTreeWidgetItemIterator, QWidget

    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QTreeWidget):
            it = QTreeWidgetItemIterator(w)
            while it.value():
                out += [it.value().text(c) for c in range(w.columnCount())]
                it += 1
    return out


def test_the_nurse_reads_no_rule_codes_and_the_tooltips_keep_them(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    import re

    from PySide6.QtCore import Qt

    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # medvetslös: ja → red flag endpoint RÖD.1.01
    assert ct.wizard.state.done and ct.wizard.state.endpoint_code == "RÖD.1.01"
    texts = _visible_texts(ct)
    assert any("Medvetslös" in t for t in texts)
    coded = [t for t in texts if "RÖD.1.01" in t or re.search(r"\[[A-ZÅÄÖ_]+[^\]]*\]", t)]
    assert not coded, coded
    tips = [ct.wizard.reasons.item(i).toolTip() for i in range(ct.wizard.reasons.count())]
    assert any("[RF_MEDVETSLOS]" in t for t in tips) and any("RÖD.1.01" in t for t in tips)
    assert "RÖD.1.01" in ct.wizard.help.toolTip()


def test_a_reason_reads_without_its_codes() -> None:
    from console.calltaking.wizard import shown_reason

    assert shown_reason("Ändpunkt RÖD.1.03 (Prio 1): Medvetslös patient.") == "Ändpunkt (Prio 1): Medvetslös patient."
    assert shown_reason("Röd flagga: Är patienten medvetslös? – Ja [RF_MEDVETSLÖS]") == \
        "Röd flagga: Är patienten medvetslös? – Ja"
    assert shown_reason("Andning – Vet ej → följdfråga enligt regelverket [andning_svar] [BRÖST/andning]") == \
        "Andning – Vet ej → följdfråga enligt regelverket"
    assert shown_reason("NEWS2 7 (AF 3, SpO2 2) → höjer till minst Prio 1: hög risk [NEWS2-2017]") == \
        "NEWS2 7 (AF 3, SpO2 2) → höjer till minst Prio 1: hög risk"
