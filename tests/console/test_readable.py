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
