"""The F1 overlay: every keyboard shortcut, over the window, dismissed with F1 or Esc."""

from __future__ import annotations

from itertools import groupby

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from console.shortcuts import shortcuts


class HelpOverlay(QWidget):
    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 50, 80, 50)
        title = QLabel(self.tr("Kortkommandon"))
        title.setObjectName("overlayTitle")
        outer.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        row = 0
        for area, items in groupby(shortcuts(), key=lambda s: s.area):
            head = QLabel(area)
            head.setObjectName("overlayArea")
            grid.addWidget(head, row, 0, 1, 2)
            row += 1
            for s in items:
                key = QLabel(s.key)
                key.setObjectName("overlayKey")
                grid.addWidget(key, row, 0)
                grid.addWidget(QLabel(s.text), row, 1)
                row += 1
        outer.addLayout(grid)
        outer.addStretch(1)
        hint = QLabel(self.tr("Stäng med F1 eller Esc"))
        hint.setObjectName("overlayHint")
        outer.addWidget(hint)
        parent.installEventFilter(self)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
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
