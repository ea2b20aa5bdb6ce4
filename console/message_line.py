"""A message row that never moves the layout around it (issue 16: "no validation message reflows the layout").

A plain QLabel asks its layout for its text: a longer message made it taller (väntrummet above it lost rows, the
selected case went half out of view) or, without word wrap, wider (a splitter pane or the status bar grew). A
`MessageLine` keeps `lines` lines of room whether it says anything or not, takes the width it is given and asks for
none, and cuts a text that needs more lines at the last one with "…"; the whole text is then its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class MessageLine(QLabel):
    def __init__(self, lines: int = 1, *, objectName: str = "", parent: QWidget | None = None):  # noqa: N803 - Qt's
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self._lines, self._message, self._cut = max(1, lines), "", False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)  # the lines are broken here, to the width given, so the label never re-wraps them
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fit()

    # --- what it says (a drop-in for QLabel's setText/text: `text()` is the whole message) --------------
    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._message = text or ""
        self._fit()

    def text(self) -> str:
        return self._message

    def shown_text(self) -> str:
        """What is on screen: the message broken into at most `lines` lines, the last cut with "…" if need be."""
        return super().text()

    def is_cut(self) -> bool:
        return self._cut

    # --- room ---------------------------------------------------------------------------------------
    def _height(self) -> int:
        m = self.contentsMargins()
        return self._lines * self.fontMetrics().lineSpacing() + m.top() + m.bottom()

    def sizeHint(self) -> QSize:
        return QSize(0, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):  # bold, padding: other room
            self._fit()

    # --- fitting ------------------------------------------------------------------------------------
    def _fit(self) -> None:
        if self.minimumHeight() != self._height() or self.maximumHeight() != self._height():
            self.setFixedHeight(self._height())
        shown, self._cut = self._broken(self.contentsRect().width())
        super().setText(shown)
        self.setToolTip(self._message if self._cut else "")

    def _broken(self, width: int) -> tuple[str, bool]:
        """The message in at most `lines` lines of at most `width` pixels, and whether it had to be cut: the last
        line then holds the rest (further paragraphs joined with " · "), elided with "…"."""
        text = self._message
        if not text or width <= 0:
            return text, False
        fm = self.fontMetrics()
        paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
        out: list[str] = []
        for i, para in enumerate(paragraphs):
            for start, length in self._wrapped(para, width):
                more = start + length < len(para) or i < len(paragraphs) - 1
                if len(out) == self._lines - 1 and more:
                    rest = " · ".join([para[start:], *paragraphs[i + 1:]])
                    return "\n".join([*out, fm.elidedText(rest, Qt.TextElideMode.ElideRight, width)]), True
                out.append(para[start:start + length].rstrip())
        return "\n".join(out), False

    def _wrapped(self, paragraph: str, width: int) -> list[tuple[int, int]]:
        """Where `paragraph` breaks into lines of `width` pixels in this label's font: (start, length) each."""
        if not paragraph:
            return [(0, 0)]
        layout = QTextLayout(paragraph, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        lines: list[tuple[int, int]] = []
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            lines.append((line.textStart(), line.textLength()))
        layout.endLayout()
        return lines
