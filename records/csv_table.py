"""Reading a register's CSV file all or nothing: UTF-8 (a BOM is fine), `;` or `,` (whichever the header row has
more of), a header row naming the columns in any order and case, and every bad line collected with a Swedish
reason so the whole file can be refused at once (RegisterFileError: the first MAX_LISTED lines, the rest counted).
"""

from __future__ import annotations

import csv
import heapq
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from records.bulk import paused_gc
from records.csv_text import csv_error_text
from resources.os_errors import os_error_text

T = TypeVar("T")

MAX_LISTED = 50  # bad lines listed in the error; the rest are counted
# Control characters, lone surrogates, and the bidirectional formatting marks and overrides (and a stray BOM), which
# make a name display as another text than the one stored and searched.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class RegisterFileError(ValueError):
    """A file rejected whole. `problems`: the listed lines (Swedish), `count`: all of them."""

    def __init__(self, path: Path, problems: list[str], count: int | None = None):
        self.path, self.problems, self.count = path, problems, count if count is not None else len(problems)
        more = self.count - len(problems)
        super().__init__(f"{path}: importen avbröts, inget ändrades ({self.count} fel)\n"
                         + "\n".join(f"  - {p}" for p in problems)
                         + (f"\n  … och {more} fel till" if more > 0 else ""))


@dataclass
class Problems:
    """The MAX_LISTED lowest-numbered problems (a bounded heap: a file bad on every line does not fill memory)."""

    count: int = 0
    _heap: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, line: int, text: str) -> None:
        self.count += 1
        heapq.heappush(self._heap, (-line, -self.count, text))
        if len(self._heap) > MAX_LISTED:
            heapq.heappop(self._heap)

    def raise_if_any(self, path: Path) -> None:
        if self.count:
            raise RegisterFileError(path, [t for _, _, t in sorted(self._heap, reverse=True)], self.count)


@dataclass
class Table:
    """A file's rows as (line number, cells); `index` finds a column's cell, `name` its header as the file writes
    it, `width` is the header's number of columns."""

    rows: Iterator[tuple[int, list[str]]]
    index: dict[str, int]
    name: dict[str, str]
    width: int
    decimal_comma: bool  # a `;` file may write 6176845,2

    def width_problem(self, cells: list[str]) -> str | None:
        if len(cells) > self.width:
            return f"för många fält ({len(cells)}, rubriken har {self.width}; decimalkomma i en kommaseparerad fil?)"
        if len(cells) < self.width:
            return f"för få fält ({len(cells)}, rubriken har {self.width})"
        return None


def text_problem(value: str, limit: int) -> str | None:
    """Why a text cell is refused (a control character, too long), or None."""
    bad = CONTROL.search(value)
    if bad:
        return f"innehåller ett otillåtet tecken (U+{ord(bad.group()):04X}) på plats {bad.start() + 1}"
    if len(value) > limit:
        return f"är för långt ({len(value)} tecken, högst {limit})"
    return None


def read_table(path: Path, columns: Mapping[str, tuple[str, ...]], optional: Collection[str],
               body: Callable[[Table, Problems], list[T]],
               missing_hint: Callable[[set[str]], str] = lambda header: "") -> list[T]:
    """`body`'s rows for the file at `path`, whose header must name each of `columns` by one of its names
    (`optional` ones may be absent); RegisterFileError when the file cannot be read, lacks a column, is empty,
    or `body` added any problem. `missing_hint(header names)` may add why a column was not found."""
    problems = Problems()
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream, paused_gc():
            table = _open(path, stream, columns, optional, missing_hint)
            rows = body(table, problems)
    except UnicodeDecodeError:  # raised for a whole block read ahead: the line is found in the bytes
        raise RegisterFileError(path, [f"rad {_first_undecodable_line(path)}: filen är inte UTF-8-kodad "
                                       "(spara den som UTF-8)"]) from None
    except OSError as exc:
        raise RegisterFileError(path, [f"filen kan inte läsas: {os_error_text(exc)}"]) from None
    problems.raise_if_any(path)
    if not rows:
        raise RegisterFileError(path, ["filen har inga rader efter rubrikraden"])
    return rows


def _column_key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _open(path: Path, stream: IO[str], columns: Mapping[str, tuple[str, ...]], optional: Collection[str],
          missing_hint: Callable[[set[str]], str]) -> Table:
    header_line, header_at = stream.readline(), 1
    while header_line and not header_line.strip():  # blank lines before the header are skipped, as elsewhere
        header_line, header_at = stream.readline(), header_at + 1
    if not header_line.strip():
        raise RegisterFileError(path, ["rad 1: filen är tom (en rubrikrad med kolumnnamnen väntades)"])
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter))
    positions: dict[str, int] = {}
    twice: list[str] = []
    for i, h in enumerate(header):
        key = _column_key(h)
        if key in positions and key:
            twice.append(h.strip())
        positions.setdefault(key, i)
    index: dict[str, int] = {}
    name: dict[str, str] = {}
    missing = []
    problems = [f"rad {header_at}: kolumnen '{h}' finns två gånger (vilken gäller?)" for h in twice]
    for column, aliases in columns.items():
        present = [a for a in aliases if a in positions]
        if len(present) > 1:  # e.g. both n and northing: one would be silently ignored
            problems.append(f"rad {header_at}: kolumnerna {' och '.join(repr(header[positions[a]].strip()) for a in present)} "
                            f"betyder samma sak ({column}); ta bort en av dem")
        if present:
            index[column], name[column] = positions[present[0]], header[positions[present[0]]].strip()
        elif column not in optional:
            missing.append(column)
    if missing:
        problems.append(f"rad {header_at}: kolumner saknas: {', '.join(missing)}{missing_hint(set(positions))}")
    if problems:
        raise RegisterFileError(path, problems)

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            for cells in reader:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line
                yield reader.line_num + header_at, cells  # the reader counts from the line after the header
        except csv.Error as exc:
            raise RegisterFileError(path, [f"rad {reader.line_num + header_at}: raden kan inte läsas ({csv_error_text(exc)})"]) from None

    return Table(rows(), index, name, len(header), decimal_comma=delimiter == ";")


def _first_undecodable_line(path: Path) -> int:
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1
