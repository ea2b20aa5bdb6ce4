"""The position's widgets in the call: the line that says where the case's position comes from and how sure it is,
the caller's phone position (AML) with its button, the confirmation a doubtful position needs, and the field for
typed coordinates (on the map's tab, beside the map).

Only widgets and texts here; console/calltaking/location.py decides what they show. The texts are MessageLines
(console/message_line.py): a fixed number of lines whatever they say, a longer text cut with "…" and whole in the
tooltip — a word-wrapped label in the intake's form layout was given one line and clipped (QFormLayout does not
give a row the height its wrapped text needs), and a message must not move the fields under it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from console.message_line import MessageLine


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class PositionPanel(QObject):
    """Not a widget of its own: the form and the map's tab lay out its parts (`summary`, `phone_row`, …)."""

    coordinates_entered = Signal(str)
    use_phone = Signal()
    confirm = Signal()
    decline = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.register_hint = MessageLine(1, objectName="registerHint")
        self.summary = MessageLine(2, objectName="positionSummary")

        self.pending_row = QWidget(objectName="pendingPositionRow")
        self.pending_text = MessageLine(3, objectName="pendingPosition")
        self.confirm_button = QPushButton(self.tr("Använd ändå"), objectName="confirmPosition")
        self.confirm_button.clicked.connect(self.confirm)
        self.decline_button = QPushButton(self.tr("Avstå"), objectName="declinePosition")
        self.decline_button.clicked.connect(self.decline)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.decline_button)
        pending = QVBoxLayout(self.pending_row)
        pending.setContentsMargins(0, 0, 0, 0)
        pending.setSpacing(2)
        pending.addWidget(self.pending_text)
        pending.addLayout(buttons)
        self.pending_row.hide()

        self.phone_row = QWidget(objectName="phonePositionRow")
        self.phone_text = MessageLine(2, objectName="phonePosition")
        self.phone_button = QPushButton(self.tr("Använd"), objectName="usePhonePosition")
        self.phone_button.setToolTip(self.tr("Använd telefonens position som ärendets (Ctrl+P)"))
        self.phone_button.clicked.connect(self.use_phone)
        row = QHBoxLayout(self.phone_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.phone_text, 1)
        row.addWidget(self.phone_button)
        self.phone_row.hide()

        self.coordinates = QLineEdit(objectName="coordinates")
        self.coordinates.setPlaceholderText(self.tr("t.ex. 55,6050 13,0038 · N 55° 36,3' E 13° 0,2' · 6163000 374000"))
        self.coordinates.setToolTip(self.tr("Koordinater i WGS84 (decimalgrader eller grader och minuter) eller "
                                            "SWEREF 99 TM (norr, öst). Enter använder dem."))
        self.coordinates.returnPressed.connect(lambda: self.coordinates_entered.emit(self.coordinates.text()))
        self.coordinates_msg = MessageLine(2, objectName="fieldError")
        self.coordinates_msg.hide()

    def show_register_hint(self, text: str | None) -> None:
        self.register_hint.setText(text or "")
        self.register_hint.setVisible(bool(text))

    def show_summary(self, text: str, state: str) -> None:
        """`state`: "ok", "rough" (the kommun's centre, amber) or "flagged" (a doubt the case carries, red)."""
        self.summary.setText(self.tr("Position: %s") % text)
        if self.summary.property("state") != state:
            self.summary.setProperty("state", state)
            _restyle(self.summary)

    def show_coordinates_error(self, text: str) -> None:
        self.coordinates_msg.setText(text)
        self.coordinates_msg.setVisible(bool(text))

    def show_phone(self, text: str | None, tooltip: str = "") -> None:
        self.phone_text.setText(text or "")
        self.phone_row.setToolTip(tooltip)  # the whole story: how it was measured, whose number it came with
        self.phone_row.setVisible(bool(text))

    def show_pending(self, text: str | None) -> None:
        self.pending_text.setText(text or "")
        self.pending_row.setVisible(bool(text))
