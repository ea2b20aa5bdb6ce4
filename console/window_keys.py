"""The window's own Ctrl keys win over a text field's.

On X11 Qt's text fields bind Ctrl+E (end of line) and Ctrl+K (delete to end of line) and claim them before any
shortcut (the ShortcutOverride event): Ctrl+E typed in Inringare, a vital sign or the complaint filter never
reached the note field. This filter, on the window's text fields, refuses that claim for the window's own Ctrl
shortcuts (a dialog's fields keep their bindings). On the fields, not the application: a Python filter on every
event of the application would cost the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TEXT_FIELDS = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


class WindowKeysFirst(QObject):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.keys: set[str] = set()  # in QKeySequence's portable spelling, e.g. "Ctrl+E"

    def refresh(self) -> None:
        """Take the window's current Ctrl shortcuts and watch its text fields (call after both are made; again for
        fields made later: installing again keeps one filter, first in line)."""
        self.keys = {text for act in self.window.actions() for seq in act.shortcuts()
                     if seq.count() == 1 and (text := _portable(seq)).startswith("Ctrl+")}
        for kind in TEXT_FIELDS:
            for field in self.window.findChildren(kind):
                if field.window() is self.window:
                    field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and _portable(QKeySequence(event.keyCombination())) in self.keys):
            event.ignore()  # not the field's: the shortcut map gives the key to the window's action
            return True
        return False


def _portable(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.PortableText)
