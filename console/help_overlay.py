"""The F1 overlay: every keyboard shortcut, over the window, dismissed with F1 or Esc.

Every description is shown in full: the panel is as wide as the window allows (no fixed cap) and a
description that still does not fit on one line wraps instead of being cut off at the right."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.shortcuts import shortcuts

# Wide enough for the two columns of shortcuts on one line each at 1600 px; narrower windows wrap.
PANEL_MAX_WIDTH = 1300


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
        areas: dict[str, list] = {}
        for sc in shortcuts():
            areas.setdefault(sc.area, []).append(sc)
        columns = QHBoxLayout()
        grids = [QGridLayout(), QGridLayout()]
        rows = [0, 0]
        for i, (area, items) in enumerate(areas.items()):
            col = 0 if i % 2 == 0 else 1
            grid, row = grids[col], rows[col]
            head = QLabel(area)
            head.setObjectName("overlayArea")
            grid.addWidget(head, row, 0, 1, 2)
            row += 1
            for sc in items:
                key = QLabel(sc.key)
                key.setObjectName("overlayKey")
                grid.addWidget(key, row, 0, Qt.AlignmentFlag.AlignTop)
                text = QLabel(sc.text)
                text.setObjectName("overlayText")
                text.setWordWrap(True)  # wraps rather than being cut off when the window is narrow
                grid.addWidget(text, row, 1)
                row += 1
            rows[col] = row
        for grid in grids:
            grid.setHorizontalSpacing(18)
            grid.setVerticalSpacing(2)  # the two columns of ~30 rows fit a 1366×768 screen with the 11 pt font
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(max(rows) + 1, 1)
            columns.addLayout(grid, 1)
        inner.addLayout(columns)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 16, 60, 16)
        row_layout = QHBoxLayout()
        row_layout.addStretch(1)
        row_layout.addWidget(panel, 100)  # as wide as the window allows, up to PANEL_MAX_WIDTH
        row_layout.addStretch(1)
        outer.addLayout(row_layout)
        outer.addStretch(1)
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
