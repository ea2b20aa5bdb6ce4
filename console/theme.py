"""A dark theme for a dim dispatch room, and the colours that carry meaning (priority, status)."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

PRIORITY_COLOURS = {"1": "#e5484d", "2": "#f5a623", "3": "#3fb950", "hänvisning": "#58a6ff"}
STATUS_COLOURS = {
    "ledig_station": "#3fb950", "ledig_ute": "#7ee787", "larmad": "#f5a623", "framkorning": "#ff7b72",
    "pa_plats": "#d2a8ff", "transport": "#79c0ff", "vid_sjukhus": "#a5d6ff", "ej_i_tjanst": "#6e7681",
}
STALE_COLOUR = "#8b949e"

# The smallest text anyone reads here, in points: 11 pt is 15 px at 96 dpi (Qt's and Windows' 9 pt default is 12 px,
# too small at arm's length on a dispatch desk). Points follow the screen's dpi and the desktop's scale factor.
READABLE_PT = 11.0
_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)pt")


def base_point_size(desktop: QFont) -> float:
    """The console's base font size: the desktop's own text size (a user who set larger text gets larger text
    here too), never below READABLE_PT."""
    size = desktop.pointSizeF()
    if size <= 0 and desktop.pixelSize() > 0:  # a font given in pixels
        size = desktop.pixelSize() * 72 / 96
    return max(READABLE_PT, size)


def scaled_stylesheet(css: str, base: float) -> str:
    """`css` (sizes written for an 11 pt base) for the `base` in use: every font size grows with it, and none is
    below the base — a question twice the base beside reasons at the base, never 22 pt beside 9 pt."""
    factor = base / READABLE_PT

    def size(m: re.Match[str]) -> str:
        return f"font-size: {max(base, round(float(m.group(1)) * factor, 1)):g}pt"

    return _FONT_SIZE.sub(size, css)


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    desktop = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    base_pt = base_point_size(desktop)
    font = QFont(desktop)
    font.setPointSizeF(base_pt)
    app.setFont(font)
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
    app.setStyleSheet(scaled_stylesheet(STYLESHEET, base_pt))


STYLESHEET = """
QMainWindow::separator { background: #30363d; width: 3px; height: 3px; }
QDockWidget::title { background: #161b22; padding: 4px 8px; font-weight: bold; }
QLabel#questionText { font-size: 22pt; font-weight: 600; color: #f0f6fc; }
QLabel#questionHelp { font-size: 11pt; color: #8b949e; }
QLabel#complaintTitle { font-size: 13pt; color: #79c0ff; }
QLabel#priorityBadge { font-size: 20pt; font-weight: 700; padding: 8px 14px; border-radius: 6px; }
QLabel#recontactBanner { background: #5a1e02; color: #ffdfb6; border: 2px solid #f0883e;
    font-size: 12pt; font-weight: 600; padding: 8px; border-radius: 4px; }
QLabel#planLimitation { background: #4a0d10; color: #ffdcd7; border: 2px solid #e5484d; padding: 6px;
    border-radius: 4px; }
QLabel#planHeader { font-weight: 600; color: #f0f6fc; padding-top: 4px; }
QLabel#planSource, QLabel#planNone { color: #8b949e; }
QLabel#planItem, QLabel#planFreeText { color: #e6edf3; }
QLabel#expiredPlan { color: #6e7681; font-style: italic; }
QPushButton#planTextToggle { color: #58a6ff; text-align: left; padding: 0 2px; border: none; }
QFrame#planBanner { background: #0d2a4a; border: 1px solid #388bfd; border-radius: 4px; }
QFrame#planBanner QLabel { color: #cae8ff; }
QFrame#planBanner QLabel#planBannerHeadline { font-weight: 700; }
QFrame#planBanner[state="expired"] { background: #161b22; border: 1px solid #30363d; }
QFrame#planBanner[state="expired"] QLabel { color: #8b949e; font-style: italic; }
QFrame#planBanner[state="info"] { background: #5a3e02; border: 2px solid #d29922; }
QFrame#planBanner[state="info"] QLabel { color: #ffe2a8; }
QFrame#planBanner[state="decide"] { background: #67060c; border: 3px solid #ff7b72; }
QFrame#planBanner[state="decide"] QLabel { color: #ffdcd7; }
QFrame#planBanner[state="decide"] QLabel#planBannerHeadline { font-size: 13pt; }
QFrame#planBanner[state="decided"] { background: #161b22; border: 2px solid #e5484d; }
QFrame#planBanner[state="decided"] QLabel { color: #e6edf3; }
QPushButton#limitationDecide { background: #e5484d; color: white; font-weight: 700; padding: 8px 12px; }
QLabel#dbBanner { background: #67060c; color: #ffdcd7; font-weight: 600; padding: 6px; }
QLabel#fieldError { color: #ff7b72; }
QLabel#fieldOk { color: #3fb950; }
QLabel#positionSummary[state="rough"] { color: #f5a623; }
QLabel#positionSummary[state="flagged"], QLabel#pendingPosition { color: #ff7b72; font-weight: 600; }
QLabel#positionSummary[state="ok"] { color: #3fb950; }
QLabel#phonePosition { color: #79c0ff; }
QLabel#registerHint { color: #8b949e; }
QListView#addressSuggestions { background: #1c2330; border: 1px solid #58a6ff; padding: 2px; }
QListView#addressSuggestions::item { padding: 3px 6px; }
QListView#addressSuggestions::item:selected { background: #1f6feb; color: #ffffff; }
QLabel#sectionTitle { font-size: 12pt; font-weight: 600; color: #c9d1d9; padding-top: 6px; }
QLabel#recommendedUnit { font-size: 14pt; font-weight: 600; color: #3fb950; }
QPushButton#answerButton { font-size: 14pt; text-align: left; padding: 10px 14px; }
QPushButton:disabled { color: #6e7681; }
QLabel#discardMissing { color: #f5a623; }
QPushButton#primaryAction { background: #238636; color: white; font-weight: 600; padding: 8px 16px; }
QPushButton#primaryAction:disabled { background: #21262d; color: #6e7681; }
QPushButton#redFlagButton { background: #8e1519; color: white; font-weight: 600; padding: 8px 12px; }
QPushButton#redFlagButton:disabled { background: #21262d; color: #6e7681; }
QFrame#vitalsPanel { border-top: 1px solid #30363d; }
QLabel#vitalsTitle { font-size: 12pt; font-weight: 600; color: #c9d1d9; }
QLabel#news2Badge { font-weight: 700; padding: 2px 8px; border-radius: 4px; background: #21262d; }
QLabel#news2Badge[level="medium"] { background: #f5a623; color: #0d1117; }
QLabel#news2Badge[level="high"] { background: #e5484d; color: #ffffff; }
QWidget#helpOverlay { background: rgba(1, 4, 9, 200); }
QFrame#helpPanel { background: #161b22; border: 1px solid #30363d; border-radius: 8px; }
QLabel#overlayTitle { font-size: 20pt; font-weight: 700; color: #f0f6fc; }
QLabel#overlayArea { font-size: 12pt; font-weight: 600; color: #79c0ff; padding-top: 8px; }
QLabel#overlayKey { font-family: monospace; font-weight: 600; color: #f5a623; }
QLabel#overlayHint { color: #8b949e; }
QStatusBar QLabel { padding: 0 8px; }
QWidget#lockScreen { background: #010409; }
QFrame#lockPanel { background: #161b22; border: 1px solid #30363d; border-radius: 8px; }
QLabel#lockTitle { font-size: 20pt; font-weight: 700; color: #f0f6fc; }
QLabel#lockWho { font-size: 12pt; color: #c9d1d9; }
QLabel#lockReason { color: #8b949e; }
QLineEdit#lockPassword { font-size: 13pt; padding: 6px; }
QLabel#demoBanner, QLabel#demoNote { background: #5a3e02; color: #ffe2a8; border: 1px solid #d29922;
    font-weight: 600; padding: 2px 8px; border-radius: 3px; }
QLabel#demoNote { padding: 8px; }
QLabel#demoBanner { margin: 2px 6px; }
QLabel#tokenWarning { color: #f5a623; }
QPushButton#lockSwitch { padding: 8px 16px; }
QLineEdit#tokenValue { font-family: monospace; font-size: 11pt; padding: 4px; }
QLabel#paneTitle { font-size: 14pt; font-weight: bold; }
QFrame#keyFigure { background: #161b22; border: 1px solid #30363d; border-radius: 6px; }
QFrame#keyFigure[headline="true"] { border: 2px solid #f5a623; }
QFrame#keyFigure[alarm="true"] { border: 2px solid #e5484d; }
QLabel#keyFigureTitle { color: #8b949e; font-size: 11pt; }
QLabel#keyFigureValue { color: #f0f6fc; font-size: 20pt; font-weight: 700; }
QLabel#keyFigureDetail { color: #8b949e; font-size: 11pt; }
"""


def priority_style(priority: str | None) -> str:
    """Stylesheet for a priority badge (colour carries the priority)."""
    colour = PRIORITY_COLOURS.get(priority or "", "#30363d")
    text = "#0d1117" if priority in ("2", "3") else "#ffffff"
    return f"background: {colour}; color: {text};"
