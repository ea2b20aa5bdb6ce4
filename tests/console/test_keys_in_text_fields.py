"""The call's keys work where the nurse's cursor is. On X11 Qt's text fields claim Ctrl+E ("end of line") before the
window's shortcut, so Ctrl+E from Inringare, the complaint filter or a vital sign never reached the note field.
Offscreen Qt has no such binding, so each field here claims Ctrl+E as X11's QLineEdit does."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

from console.window_keys import WindowKeysFirst
from resources.vocabulary import Role


class X11LineEditBinding(QObject):
    """What QLineEdit does on X11 with Ctrl+E: accepts the ShortcutOverride (QKeySequence::MoveToEndOfLine)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_E and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
            event.accept()
            return True
        return False


def test_ctrl_e_from_a_text_field_goes_to_the_note(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    binding = X11LineEditBinding(w)
    fields = (ct.form.caller, ct.wizard.chooser.filter, ct.vitals.fields["spo2"])
    for field in fields:
        field.installEventFilter(binding)
    keys_first = w.findChild(WindowKeysFirst)
    if keys_first is not None:  # in front of the binding, as it is in front of QLineEdit's own handler
        keys_first.refresh()
    for field in fields:
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        qtbot.keyClick(field, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        assert ct.call_notes.field.hasFocus(), field.objectName()
    idle(w)
