"""A dark theme for a dim dispatch room, and the colours that carry meaning (priority, status)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

PRIORITY_COLOURS = {"1": "#e5484d", "2": "#f5a623", "3": "#3fb950", "hänvisning": "#58a6ff"}
STATUS_COLOURS = {
    "ledig_station": "#3fb950", "ledig_ute": "#7ee787", "larmad": "#f5a623", "framkorning": "#ff7b72",
    "pa_plats": "#d2a8ff", "transport": "#79c0ff", "vid_sjukhus": "#a5d6ff", "ej_i_tjanst": "#6e7681",
}
STALE_COLOUR = "#8b949e"


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    pal = QPalette()
    base, alt, text = QColor("#0d1117"), QColor("#161b22"), QColor("#e6edf3")
    pal.setColor(QPalette.ColorRole.Window, alt)
    pal.setColor(QPalette.ColorRole.WindowText, text)
    pal.setColor(QPalette.ColorRole.Base, base)
    pal.setColor(QPalette.ColorRole.AlternateBase, alt)
    pal.setColor(QPalette.ColorRole.Text, text)
    pal.setColor(QPalette.ColorRole.Button, QColor("#21262d"))
    pal.setColor(QPalette.ColorRole.ButtonText, text)
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#1f6feb"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, alt)
    pal.setColor(QPalette.ColorRole.ToolTipText, text)
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8b949e"))
    pal.setColor(QPalette.ColorRole.Link, QColor("#58a6ff"))
    app.setPalette(pal)
