"""Writing an access log (records.access_log) as CSV (`;`-separated, UTF-8 with BOM so that Excel shows å, ä, ö)
or as a PDF for the patient (reportlab). The file holds personal data: it is created readable only by its owner."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from records.access_log import AccessLog, AccessRow

COLUMNS = ("Tid", "Användare", "Namn", "Roll", "Konsol", "Åtgärd", "Ärende", "Patient", "Åtgärdskod", "Loggpost")
FORMATS = ("csv", "pdf")


def _time(row: AccessRow) -> str:
    return f"{row.at:%Y-%m-%d %H:%M:%S}"


def _cells(row: AccessRow) -> list[str]:
    return [_time(row), row.username, row.display_name, row.role, row.console, row.action_text,
            ", ".join(str(c) for c in row.cases), row.patient, row.action, str(row.entry_id)]


def title(log: AccessLog) -> str:
    if log.kind == "patient":
        return "Logg över åtkomst till patientuppgifter"
    return "Logg över en användares åtgärder"


def subject_label(log: AccessLog) -> str:
    return "Patient (personnummer)" if log.kind == "patient" else "Användare"


def csv_bytes(log: AccessLog) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in log.rows:
        w.writerow(_cells(row))
    return buf.getvalue().encode("utf-8-sig")


def pdf_bytes(log: AccessLog) -> bytes:
    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=14 * mm, title=title(log),
                            author="Larmcentral Skåne", subject=f"{subject_label(log)}: {log.subject}")
    story: list[Flowable] = [
        Paragraph(_esc(title(log)), styles["Title"]),
        Paragraph(f"<b>{_esc(subject_label(log))}:</b> {_esc(log.subject)}", styles["Normal"]),
        Paragraph(f"<b>Period:</b> {_esc(log.period_text)}", styles["Normal"]),
        Paragraph(f"<b>Uttagen av:</b> {_esc(log.generated_by)}, {log.generated_at:%Y-%m-%d %H:%M} (svensk tid)",
                  styles["Normal"]),
        Paragraph(f"<b>Antal poster:</b> {len(log.rows)}", styles["Normal"]),
        Spacer(1, 5 * mm),
    ]
    shown = (0, 1, 2, 3, 4, 5, 6, 7)  # the code and the entry id stay in the CSV
    widths = [32 * mm, 30 * mm, 34 * mm, 30 * mm, 32 * mm, 60 * mm, 18 * mm, 26 * mm]
    data: list[list[Paragraph | str]] = [[Paragraph(_esc(COLUMNS[i]), head) for i in shown]]
    data += [[Paragraph(_esc(_cells(row)[i]), cell) for i in shown] for row in log.rows]
    if not log.rows:
        data.append([Paragraph("Inga poster under perioden.", cell), *[""] * (len(shown) - 1)])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7ef")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f7f9")]),
    ]))
    story.append(table)

    def footer(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(12 * mm, 8 * mm, f"Larmcentral Skåne – {title(log).lower()} – {log.subject}")
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 8 * mm, f"Sida {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def write_log(log: AccessLog, out: Path, fmt: str) -> Path:
    """Write the log to `out` (created or replaced, mode 0600)."""
    data = pdf_bytes(log) if fmt == "pdf" else csv_bytes(log)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
