"""The map's legend (teckenförklaring): unit status colours, case priorities, grouped cases, akutmottagning, the
selected case's routes and its position's accuracy. One rich-text label over the map's corner, shown or hidden with
L (the map's key); drawn once, it costs the map's repaints nothing but its own small area."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from console.fleet_model import NO_CONTACT, STATUSES
from console.theme import PRIORITY_COLOURS, STALE_COLOUR, STATUS_COLOURS

RECOMMENDED_COLOUR = "#58a6ff"  # the ★ unit's route: dashed
ASSIGNED_COLOUR = "#f0f6fc"  # a unit already on the case: solid, ringed like the case itself
ED_COLOUR = "#ff7b72"
ACCURACY_COLOUR = "#d29922"
KEYS = ("Tangenter när kartan har fokus (klicka i den):<br>pilar flyttar · + och − zoomar (även hjulet) ·"
        " Home hela Skåne · C valt ärende · L teckenförklaringen")
PADDING = 6  # px around the legend's text
PRIORITY_NAMES = {"1": "Prio 1", "2": "Prio 2", "3": "Prio 3", "hänvisning": "Hänvisning"}


def _item(glyph: str, colour: str, text: str) -> str:
    return f'<span style="color:{colour}">{glyph}</span>&nbsp;{text}'


def legend_columns() -> list[tuple[str, list[str]]]:
    units = [_item("●", STATUS_COLOURS[s.value], s.label) for s in STATUSES] + [_item("●", STALE_COLOUR, NO_CONTACT)]
    half = (len(units) + 1) // 2
    cases = [_item("▼", PRIORITY_COLOURS[p], name) for p, name in PRIORITY_NAMES.items()]
    cases.append(_item("●", PRIORITY_COLOURS["1"], "3 = ärenden på samma plats"))
    other = [_item("□", ED_COLOUR, "Akutmottagning"), _item("◯", "#ffffff", "Valt ärende"),
             _item("╌╌", RECOMMENDED_COLOUR, "Rekommenderad enhet"), _item("━━", ASSIGNED_COLOUR, "Dirigerad enhet"),
             _item("◯", ACCURACY_COLOUR, "Positionens osäkerhet")]
    return [("Enheter", units[:half]), ("", units[half:]), ("Ärenden", cases), ("", other)]


def legend_html() -> str:
    columns = legend_columns()
    rows = max(len(items) for _, items in columns)
    head = "".join(f'<th align="left">{title}</th>' for title, _ in columns)
    body = "".join("<tr>" + "".join(f"<td>{items[r] if r < len(items) else ''}</td>" for _, items in columns)
                   + "</tr>" for r in range(rows))
    keys = (f'<tr><td colspan="{len(columns)}" style="color:#8b949e; padding-top:3px">{KEYS}</td></tr>')
    return f'<table cellspacing="0" cellpadding="1" style="margin:0">{"<tr>" + head + "</tr>"}{body}{keys}</table>'


class MapLegend(QLabel):
    """The legend drawn once into a pixmap: as rich text it was laid out and painted again at every repaint of the
    map under it (2 of 12 ms a repaint, ten times a second while the units move); a pixmap is one blit."""

    def __init__(self, parent: QWidget):
        super().__init__(parent, objectName="mapLegend")
        self.html = legend_html()
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # the map under it stays clickable
        self.setPixmap(self._render(parent.font(), parent.devicePixelRatioF()))
        self.adjustSize()

    def _render(self, font: QFont, dpr: float) -> QPixmap:
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDefaultStyleSheet("body, table { color: #c9d1d9; }")
        doc.setDocumentMargin(0)
        doc.setHtml(self.html)
        size = doc.size().toSize() + QSize(2 * PADDING, 2 * PADDING)
        pixmap = QPixmap(size * dpr)
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor("#30363d"))
        p.setBrush(QColor(13, 17, 23, 215))
        p.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1), 3, 3)
        p.translate(PADDING, PADDING)
        doc.drawContents(p)
        p.end()
        return pixmap
