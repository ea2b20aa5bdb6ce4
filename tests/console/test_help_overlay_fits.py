"""The F1 overlay shows every shortcut description in full (nothing cut off at the right) at the
window sizes the console is used at, with the console's own stylesheet."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from console.help_overlay import HelpOverlay
from console.shortcuts import shortcuts
from console.theme import STYLESHEET


def _rect_in(label: QLabel, ancestor: QWidget) -> QRect:
    return QRect(label.mapTo(ancestor, QPoint(0, 0)), label.size())


@pytest.mark.parametrize("size", [(1280, 800), (1600, 940)])
def test_every_description_is_fully_visible(qtbot, size: tuple[int, int]) -> None:
    window = QWidget()
    window.setStyleSheet(STYLESHEET)
    qtbot.addWidget(window)
    window.resize(*size)
    overlay = HelpOverlay(window)
    window.show()
    overlay.toggle()
    qtbot.waitUntil(overlay.isVisible)
    panel = overlay.findChild(QFrame, "helpPanel")
    labels = [label for label in panel.findChildren(QLabel) if label.isVisible()]
    assert {sc.text for sc in shortcuts()} <= {label.text() for label in labels}  # every description
    for label in labels:
        assert panel.rect().contains(_rect_in(label, panel)), label.text()  # inside the panel's frame
        if label.wordWrap():  # the wrapped text needs no more height than it got, and no word is cut
            assert label.heightForWidth(label.width()) <= label.height(), label.text()
            widest_word = max(label.fontMetrics().horizontalAdvance(w) for w in label.text().split())
            assert widest_word <= label.contentsRect().width(), label.text()
        else:
            assert label.sizeHint().width() <= label.width(), label.text()
    assert overlay.rect().contains(QRect(panel.pos(), panel.size()))  # the panel inside the window


def test_descriptions_stay_on_one_line_at_1600_px(qtbot) -> None:
    """At 1600 px there is room for every description on one line (wrapping is for narrow windows)."""
    window = QWidget()
    window.setStyleSheet(STYLESHEET)
    qtbot.addWidget(window)
    window.resize(1600, 940)
    overlay = HelpOverlay(window)
    window.show()
    overlay.toggle()
    qtbot.waitUntil(overlay.isVisible)
    for label in overlay.findChildren(QLabel, "overlayText"):
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()
