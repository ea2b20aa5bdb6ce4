"""A triage answer as a button whose text wraps: a QPushButton draws its text on one line and asks for that line's
width as its minimum, so the rule set's longest answers (PALL's "Smärta, ångest eller andnöd som inte lindras av
ordinerade läkemedel", 68 characters at the theme's 14 pt) made the triage column wider than a 1366 px screen — the
window grew past the screen's edge and the intake form was squeezed. The text is a word-wrapped label inside the
button, which reports the height it needs for the width it is given."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

# The theme's padding of QPushButton#answerButton (10px 14px): a stylesheet's padding places a button's own text,
# not a child's, so the label keeps the same room by its margins.
_PAD_X, _PAD_Y = 14, 10
_MIN_CHARS = 16  # narrowest: a few words a line, never one letter


class AnswerButton(QPushButton):
    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("answerButton")
        self.setAccessibleName(text)
        self._label = QLabel(text, self)
        self._label.setObjectName("answerButtonText")
        self._label.setWordWrap(True)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._label.setForegroundRole(self.foregroundRole())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(_PAD_X, _PAD_Y, _PAD_X, _PAD_Y)
        layout.addWidget(self._label)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def text(self) -> str:  # type: ignore[override]
        """The answer as the nurse reads it (the button's own text stays empty: the label draws it)."""
        return self._label.text()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self._label.setFont(self.font())  # the theme's 14 pt is set on the button, not inherited by the label
            self._label.setPalette(self.palette())
        elif event.type() == QEvent.Type.EnabledChange:
            self._label.setEnabled(self.isEnabled())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._label.heightForWidth(max(1, width - 2 * _PAD_X)) + 2 * _PAD_Y

    def sizeHint(self) -> QSize:
        one_line = self._label.fontMetrics().horizontalAdvance(self._label.text()) + 2 * _PAD_X + 2
        return QSize(one_line, self.heightForWidth(one_line))

    def minimumSizeHint(self) -> QSize:
        narrow = self._label.fontMetrics().averageCharWidth() * _MIN_CHARS + 2 * _PAD_X
        return QSize(narrow, self._label.fontMetrics().height() + 2 * _PAD_Y)
