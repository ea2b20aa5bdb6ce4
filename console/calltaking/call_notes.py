"""The call's notes, beside the intake: a field (Ctrl+E, Enter adds the note) and the notes of this call, newest
first, each with its time and author; a note not yet on the case says so ("sparas …"). The workspace keeps the
notes with the draft and sends each as AddCaseNote (console/calltaking/workspace.py); this widget only shows them
and checks a new one (empty or too long: a Swedish message under the field, nothing added)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from console.local_time import local_text
from records.case_notes import NoteRefused, check_note

VISIBLE_NOTES = 3  # rows the list shows before it scrolls: the intake above must keep its room


class CallNotes(QWidget):
    """Signals: `added(str)` with a checked note the nurse entered."""

    added = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("callNotes")
        self.title = QLabel(self.tr("Anteckningar (Ctrl+E)"), objectName="sectionTitle")
        self.field = QLineEdit(objectName="callNoteField")
        self.field.setPlaceholderText(self.tr("Portkod, våning, vägbeskrivning … Enter sparar"))
        self.field.returnPressed.connect(self._enter)
        self.list = QListWidget(objectName="callNoteList")
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * (VISIBLE_NOTES * 2) + 8)
        self.list.hide()  # until there is a note
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        # a long message wraps inside the column instead of widening it
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.field)
        lay.addWidget(self.error)
        lay.addWidget(self.list)

    def _enter(self) -> None:
        try:
            text = check_note(self.field.text())
        except NoteRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.clear()
        self.error.hide()
        self.field.clear()
        self.added.emit(text)

    def show_notes(self, notes: list[dict[str, Any]], username: str) -> None:
        """The call's notes (as the draft keeps them), newest first; `username`'s unsent ones marked."""
        self.list.clear()
        for n in sorted(notes, key=lambda n: str(n.get("written_at", "")), reverse=True):
            try:
                at = local_text(datetime.fromisoformat(str(n.get("written_at"))), "%H:%M")
            except ValueError:
                at = ""
            waiting = not n.get("sent") and n.get("by") == username
            text = f"{at} {n.get('author') or n.get('by', '')}: {n.get('text', '')}"
            item = QListWidgetItem(text + (self.tr(" (sparas …)") if waiting else ""))
            item.setToolTip(str(n.get("text", "")))
            self.list.addItem(item)
        self.list.setVisible(bool(notes))

    def clear_input(self) -> None:
        self.field.clear()
        self.error.clear()
        self.error.hide()
