"""The triage question and its help, always whole: the nurse reads the question aloud, so it is never cut.

On a small screen (1366×768, a message row above) a long question at the theme's 22 pt needs more height than the
column has. The question's font then steps down (never below FLOOR_PT at an 11 pt base, still larger than the help)
until question and help fit the room; if even that is too tall, the area scrolls — the text is never clipped.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from console.theme import READABLE_PT

FLOOR_PT = 15.0  # the smallest question at an 11 pt base (scaled with the base like the stylesheet's sizes)


class QuestionArea(QScrollArea):
    def __init__(self, question: QLabel, help_label: QLabel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("questionArea")
        self.question, self.help = question, help_label
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        inner = QWidget()
        inner.setObjectName("questionAreaInner")
        lay = self._inner_layout = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(question)
        lay.addWidget(help_label)
        lay.addStretch(1)
        self.setWidget(inner)
        self.viewport().setAutoFillBackground(False)
        self._fitted: tuple[str, str, int, int, float] | None = None

    def sizeHint(self) -> QSize:
        # Not the text's size: the room decides the font, so the font must not decide the room (no resize loop).
        return QSize(self.question.fontMetrics().averageCharWidth() * 20, 0)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.question.fontMetrics().averageCharWidth() * 10, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        """Give the question the largest size (up to the theme's) at which it and its help fit without scrolling."""
        width, height = self.viewport().width(), self.viewport().height()
        base = QApplication.font().pointSizeF()
        key = (self.question.text(), self.help.text() if self.help.isVisibleTo(self) else "", width, height, base)
        if key == self._fitted or width <= 0:
            return
        self._fitted = key
        self.question.setStyleSheet("")  # back to the theme's size to measure from
        self.question.ensurePolished()
        full = self.question.font().pointSizeF()
        floor = min(full, FLOOR_PT * base / READABLE_PT)
        spacing = self._inner_layout.spacing()
        help_height = self._text_height(self.help, self.help.font(), width) + spacing if key[1] else 0
        # No taller than the question at full size needs: on a large screen the answers follow the help.
        need = self._text_height(self.question, self.question.font(), width) + help_height
        if self.maximumHeight() != need + 2:
            self.setMaximumHeight(need + 2)
        size = full
        while size > floor and self._text_height(self.question, _sized(self.question.font(), size), width) \
                + help_height > height:
            size = max(floor, size - 1)
        if size < full:
            self.question.setStyleSheet(f"font-size: {size:g}pt")

    @staticmethod
    def _text_height(label: QLabel, font: QFont, width: int) -> int:
        margin = 2 * label.margin() + label.contentsMargins().top() + label.contentsMargins().bottom()
        flags = int(Qt.TextFlag.TextWordWrap)
        return QFontMetrics(font).boundingRect(QRect(0, 0, width, 100000), flags, label.text()).height() + margin


def _sized(font: QFont, points: float) -> QFont:
    f = QFont(font)
    f.setPointSizeF(points)
    return f
