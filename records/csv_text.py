"""A whole CSV export read as text, and its rows, with every way the file itself can fail said in Swedish and by
line: the imports that read a file at once (patients, care plans) must name what is wrong as the streamed register
import does (records/csv_table.py), never with the system's English words or a traceback."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from resources.os_errors import os_error_text


class UnreadableCsv(ValueError):
    """The file cannot be read as CSV text; the message is one Swedish problem (with its line when there is one)."""


def read_csv_text(path: Path) -> str:
    """The file's text, UTF-8 with or without a BOM; UnreadableCsv naming the first line that is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableCsv(f"filen kan inte läsas: {os_error_text(exc)}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UnreadableCsv(f"rad {line}: filen är inte UTF-8-kodad (spara den som UTF-8)") from None


def csv_error_text(exc: csv.Error) -> str:
    """The csv module's complaint about a line, in Swedish (its own words only for one not known here)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"ett fält är längre än {csv.field_size_limit():,} tecken".replace(",", " ")
    if "new-line character seen in unquoted field" in text:
        return "radbrytning mitt i ett fält"
    if "unexpected end of data" in text:
        return "filen slutar mitt i ett citerat fält (saknas ett avslutande \"?)"
    return text


def dict_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | Any, Any]]]:
    """The reader's rows with the line each ends on; UnreadableCsv naming the line the csv module cannot read."""
    rows = iter(reader)
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # raised before the reader counts the line it could not read
            raise UnreadableCsv(f"rad {reader.line_num + 1}: raden kan inte läsas ({csv_error_text(exc)})") from None
        yield reader.line_num, raw
