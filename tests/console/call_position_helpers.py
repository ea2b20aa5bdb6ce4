"""A small real address register for the call-taking position tests, and a call started in a nurse's window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from resources.location.address_index import AddressIndex
from resources.location.model import AddressRow, PlaceRow

# Real-looking rows around Ystad, Lund and Malmö (the points lie in their kommun); confusables on purpose: the same
# street and number in two kommuner, a street that only starts alike, a place name.
ROWS = [
    AddressRow("Storgatan", 12, "", "271 39", "Ystad", "Ystad", 55.42960, 13.82040),
    AddressRow("Storgatan", 14, "", "271 39", "Ystad", "Ystad", 55.42975, 13.82110),
    AddressRow("Stora Östergatan", 12, "", "271 34", "Ystad", "Ystad", 55.42890, 13.82510),
    AddressRow("Storgatan", 12, "", "222 22", "Lund", "Lund", 55.70420, 13.19420),
    AddressRow("Lindvägen", 12, "", "224 56", "Lund", "Lund", 55.71120, 13.21030),
    AddressRow("Kyrkogatan", 3, "", "211 34", "Malmö", "Malmö", 55.60560, 13.00350),
    AddressRow("Södra Förstadsgatan", 1, "", "211 43", "Malmö", "Malmö", 55.59930, 13.00040),
]
PLACES = [PlaceRow("Ystad", "tätort", "Ystad", 55.43000, 13.82000)]
STORGATAN_YSTAD = ROWS[0]


def small_index() -> AddressIndex:
    return AddressIndex.build(ROWS, PLACES)


def start_call(qtbot: Any, w: Any, idle: Any) -> Any:
    """Ctrl+N in the nurse's window; the call-taking workspace with its case created."""
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    assert ct.active and ct.case_id is not None
    return ct


def register_settled(qtbot: Any, ct: Any) -> None:
    """The window's own register loader (the test database has none) has told the form, so it cannot come after."""
    qtbot.waitUntil(lambda: "laddas" not in ct.form.location.register_hint.text(), timeout=10000)


def with_register(qtbot: Any, ct: Any, index: Any | None = None) -> Any:
    """The workspace as it is once the register is indexed (what the loader hands over)."""
    register_settled(qtbot, ct)
    ct.form.location.set_register_state(index or small_index(), "Fiktivt demoregister (7 adresser)")
    return ct
