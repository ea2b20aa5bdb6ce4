"""The F1 overlay: every keyboard shortcut, over the window, dismissed with F1 or Esc.

Every description is shown in full: the panel is as wide as the window allows (no fixed cap) and a
description that still does not fit on one line wraps instead of being cut off at the right."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.shortcuts import Shortcut, shortcuts

# Wide enough for the two columns of shortcuts on one line each at 1600 px; narrower windows wrap.
PANEL_MAX_WIDTH = 1300
# Below this window height the shortcuts are shown in three columns (two ran past the bottom at 1366×768).
TWO_COLUMNS_MIN_HEIGHT = 900
OUTER_MARGIN = 24  # the window's edge around the panel: narrow, so the descriptions wrap less on a small screen


class HelpOverlay(QWidget):
    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        panel = QFrame(objectName="helpPanel")
        panel.setMaximumWidth(PANEL_MAX_WIDTH)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(28, 14, 28, 14)
        title = QLabel(self.tr("Kortkommandon"))
        title.setObjectName("overlayTitle")
        hint = QLabel(self.tr("Stäng med F1 eller Esc"))
        hint.setObjectName("overlayHint")
        head = QHBoxLayout()  # the hint beside the title, not under the table: one line less on a 768 px screen
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(hint)
        inner.addLayout(head)
        self._inner = inner
        self._columns: QWidget | None = None
        self._fill(2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(OUTER_MARGIN, 12, OUTER_MARGIN, 12)
        row_layout = QHBoxLayout()
        row_layout.addStretch(1)
        row_layout.addWidget(panel, 100)  # as wide as the window allows, up to PANEL_MAX_WIDTH
        row_layout.addStretch(1)
        outer.addLayout(row_layout)
        outer.addStretch(1)
        parent.installEventFilter(self)
        self.hide()

    @property
    def _key_metrics(self) -> QFontMetrics:
        """The key font's metrics (the theme's QLabel#overlayKey: monospace, semi-bold)."""
        font = QFont(self.font())
        font.setFamily("monospace")
        font.setWeight(QFont.Weight.DemiBold)
        return QFontMetrics(font)

    @property
    def _key_width(self) -> int:
        """Room for "Ctrl+Shift+Enter" in the key font: a longer chord wraps after a "+" or a "/"."""
        return self._key_metrics.horizontalAdvance("Ctrl+Shift+Enter") + 8

    def _key_text(self, key: str) -> str:
        """The chord on as few lines as fit the key column, broken after a "+" or before a "/" (a longer chord
        would take room from every description in its column)."""
        parts = [p for p in re.split(r"(?<=\+)|(?= / )", key) if p]  # "Ctrl+", "Shift+", "Backspace"; " / Alt+" …
        lines = [""]
        for part in parts:
            joined = lines[-1] + part
            if lines[-1] and self._key_metrics.horizontalAdvance(joined.rstrip()) > self._key_width:
                lines.append(part.lstrip())
            else:
                lines[-1] = joined
        return "\n".join(line.rstrip() for line in lines)

    def _lines(self, sc: Shortcut, count: int) -> int:
        """About how many lines a shortcut takes in a column of `count`: the balancing's unit (a long description
        wraps to two or three lines in a narrow column, and the columns must end at about the same height)."""
        width = min(PANEL_MAX_WIDTH, self.parentWidget().width() - 2 * OUTER_MARGIN) - 56
        column = width / count - 18
        fm = self.fontMetrics()
        text_width = max(80.0, column - self._key_width - 18)
        return max(1, -(-fm.horizontalAdvance(sc.text) // int(text_width)))

    def _fill(self, count: int) -> None:
        """Lay the areas out in `count` columns, each area whole in one column, balanced by rows (an area goes to
        the column with the fewest rows so far)."""
        if self._columns is not None and self._columns.property("key") == (count, self.parentWidget().width()):
            return
        if self._columns is not None:
            self._inner.removeWidget(self._columns)
            self._columns.hide()
            self._columns.deleteLater()
        areas: dict[str, list[Shortcut]] = {}
        for sc in shortcuts():
            areas.setdefault(sc.area, []).append(sc)
        host = QWidget()
        host.setProperty("key", (count, self.parentWidget().width()))
        columns = QHBoxLayout(host)
        columns.setContentsMargins(0, 0, 0, 0)
        grids = [QGridLayout() for _ in range(count)]
        rows = [0] * count  # grid rows used per column
        lines = [0] * count  # about how many text lines they take
        # Columns filled in reading order to about the same number of rows; an area that does not end in its column
        # goes on at the top of the next under its name again.
        per_column = -(-sum(1 + sum(self._lines(sc, count) for sc in items) for items in areas.values()) // count)
        col = 0
        for area, items in areas.items():
            if lines[col] and lines[col] + 2 > per_column and col < count - 1:
                col += 1  # an area's name alone at the foot of a column helps no one
            head_text = area
            for sc in items:
                if head_text is not None:
                    head = QLabel(head_text)
                    head.setObjectName("overlayArea")
                    grids[col].addWidget(head, rows[col], 0, 1, 2)
                    rows[col] += 1
                    lines[col] += 1
                    head_text = None
                key = QLabel(self._key_text(sc.key))
                key.setObjectName("overlayKey")
                grids[col].addWidget(key, rows[col], 0, Qt.AlignmentFlag.AlignTop)
                text = QLabel(sc.text)
                text.setObjectName("overlayText")
                text.setWordWrap(True)  # wraps rather than being cut off when the window is narrow
                grids[col].addWidget(text, rows[col], 1)
                rows[col] += 1
                lines[col] += self._lines(sc, count)
                if lines[col] >= per_column and col < count - 1 and sc is not items[-1]:
                    col += 1
                    head_text = self.tr("%s (forts.)") % area
        for grid in grids:
            grid.setHorizontalSpacing(18)
            grid.setVerticalSpacing(2)
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(max(rows) + 1, 1)
            columns.addLayout(grid, 1)
        self._inner.addWidget(host)
        self._columns = host

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            # Three shorter columns where two would run past the bottom of a 768 px screen (the 11 pt font wraps
            # a little more in a narrower column, but the panel gets much shorter).
            self._fill(3 if self.parentWidget().height() < TWO_COLUMNS_MIN_HEIGHT else 2)
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
            self.show()
            self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1):
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False
