"""Suggestions under the address field as the nurse types: the address register's best matches (fuzzy, Swedish
spelling variants, the chosen kommun first — resources.location.address_index), in a popup list.

A QCompleter over a model of our own, attached with setWidget (not QLineEdit.setCompleter): the field keeps what the
nurse typed while she moves through the list, and only a chosen hit changes it. The search runs on each edit, on
the GUI thread: with the demo's 500 000 addresses it takes 1.8 ms at the median and 7.8 ms at p99
(bench/bench_address_search.py), so there is no debounce to wait for.

Keys: typing goes on in the field with the list open; Down/Up move in the list (the first Down marks the top
hit); Enter or a click takes the marked hit — Enter with none marked takes the top one, as the nurse typed it to be
found; Esc closes the list; Tab leaves the field with the text as typed (nothing chosen); a window shortcut
(Ctrl+T, Ctrl+Enter, …) closes the list and does what it does anywhere.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QCompleter, QLineEdit, QWidget

from resources.location.model import AddressHit

MIN_CHARS = 2  # one letter matches half the register: no list before the second
LIMIT = 8
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def hit_text(hit: AddressHit) -> str:
    """One row of the list: the label, the kind of a place, and the kommun when the label does not name it."""
    text = hit.label if hit.kind == "address" else f"{hit.label} ({hit.kind})"
    if hit.kommun and hit.kommun.casefold() not in hit.label.casefold():
        text += f" · {hit.kommun}"
    return text


class AddressCompleter(QCompleter):
    """`chosen(AddressHit)` when the nurse takes a hit. `index` is any object with the AddressIndex `search`;
    None while the register loads or when there is none (the field then takes free text only)."""

    chosen = Signal(object)

    def __init__(self, field: QLineEdit, parent: QObject | None = None):
        super().__init__(parent)
        self.field = field
        self.index: Any = None
        self.kommun: str | None = None  # ranked first (the form keeps it current)
        self.hits: list[AddressHit] = []
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setMaxVisibleItems(LIMIT)
        self.setWidget(field)
        self.popup().setObjectName("addressSuggestions")
        self.activated[QModelIndex].connect(self._activated)
        field.textEdited.connect(self.update_for)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def update_for(self, text: str) -> None:
        """Search the register for `text` and show the hits under the field (hidden when there are none)."""
        self.hits = []
        if self.index is not None and len(text.strip()) >= MIN_CHARS:
            self.hits = list(self.index.search(text, kommun=self.kommun, limit=LIMIT))
        self.model_.clear()
        for hit in self.hits:
            item = QStandardItem(hit_text(hit))
            item.setData(hit, HIT_ROLE)
            item.setToolTip(hit_text(hit))
            self.model_.appendRow(item)
        if not self.hits:
            self.popup().hide()
            return
        self.complete(self._rect())

    def _rect(self) -> QRect:
        """Under the field, as wide as the longest hit (the field is narrow at 1366 px; the list may be wider)."""
        popup = self.popup()
        bar = popup.verticalScrollBar().sizeHint().width() if len(self.hits) > LIMIT else 0
        width = max(self.field.width(), popup.sizeHintForColumn(0) + bar + 2 * popup.frameWidth() + 8)
        screen = self.field.screen().availableGeometry().width() if self.field.screen() else width
        return QRect(0, 0, min(width, screen - 40), self.field.height())

    def shown(self) -> list[str]:
        """The rows in the list as the nurse reads them (empty when it is closed)."""
        if not self.popup().isVisible():
            return []
        return [self.model_.item(r).text() for r in range(self.model_.rowCount())]

    def choose(self, row: int) -> None:
        """Take the hit in `row` (as Enter or a click on it does)."""
        if 0 <= row < len(self.hits):
            self.popup().hide()
            self.chosen.emit(self.hits[row])

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The list goes with the field's focus: a shortcut that moved it (Ctrl+T) leaves no list over the triage."""
        if new is not None and new is not self.field and new is not self.popup() and self.popup().isVisible():
            self.popup().hide()

    def _activated(self, index: QModelIndex) -> None:
        self.choose(index.row())

    def eventFilter(self, watched: QObject, event: Any) -> bool:  # noqa: N802 - Qt's name
        """Enter with no row marked takes the top hit (QCompleter would leave the list without a choice). A window
        shortcut (Ctrl+T, Ctrl+Enter, …) closes the list and is done: while a popup is open Qt matches window
        shortcuts against the popup, so the nurse's Ctrl+T would otherwise do nothing."""
        if watched is self.popup() and event.type() == QEvent.Type.KeyPress:
            plain = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                             | Qt.KeyboardModifier.ShiftModifier)
            if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain and self.hits
                    and not self.popup().selectionModel().selectedIndexes()):
                self.choose(0)
                return True
            action = self._window_action(event)
            if action is not None:
                self.popup().hide()
                action.trigger()
                return True
        return super().eventFilter(watched, event)

    def _window_action(self, event: QKeyEvent) -> QAction | None:
        if not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return None
        pressed = QKeySequence(event.keyCombination())
        return next((a for a in self.field.window().actions()
                     if a.isEnabled() and any(k.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                                              for k in a.shortcuts())), None)
