"""The address register's two files (docs/address-register.md): belägenhetsadresser in the columns of
Lantmäteriet's Belägenhetsadress extract, and place names; both with points in SWEREF 99 TM (EPSG:3006).

Reading checks every row and converts the points to WGS84 (pyproj, in batches); any bad row rejects the whole
file (RegisterFileError lists the first bad lines by line and column and counts the rest, records.csv_table).
Half a million rows are read in seconds, so the per-row checks are plain code, not a pydantic model per row.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from records.address_register import RegisterAddress, RegisterPlace
from records.csv_table import CONTROL, Problems, RegisterFileError, Table, read_table, text_problem
from resources.geography import default_geography, in_skane
from resources.location.sweref import sweref_to_wgs84_many, wgs84_to_sweref_many

__all__ = ["ADDRESS_COLUMNS", "PLACE_COLUMNS", "RegisterFileError", "read_address_file", "read_place_file",
           "write_address_file", "write_place_file"]

CONVERT_BATCH = 65_536  # points per pyproj call

# The columns in the order `addresses demo --write-file` writes them, each with the header names it is read under
# (any order, any case). Lantmäteriet's own names first; x/y are refused: x is north in Swedish surveying and
# east in GIS software, so a file using them cannot say which it means.
ADDRESS_COLUMNS: dict[str, tuple[str, ...]] = {
    "kommunkod": ("kommunkod",),
    "kommunnamn": ("kommunnamn", "kommun"),
    "adressomrade": ("adressomrade", "adressområde", "gatunamn", "gata"),
    "adressplatsnummer": ("adressplatsnummer", "nummer", "gatunummer"),
    "bokstavstillagg": ("bokstavstillagg", "bokstavstillägg", "bokstav"),
    "postnummer": ("postnummer",),
    "postort": ("postort",),
    "n": ("n", "northing", "nord"),
    "e": ("e", "easting", "ost", "öst"),
}
PLACE_COLUMNS: dict[str, tuple[str, ...]] = {
    "namn": ("namn", "ortnamn"),
    "typ": ("typ",),
    "kommunkod": ("kommunkod",),
    "kommunnamn": ("kommunnamn", "kommun"),
    "n": ("n", "northing", "nord"),
    "e": ("e", "easting", "ost", "öst"),
}
_OPTIONAL = frozenset({"kommunnamn", "bokstavstillagg"})

# The extent of SWEREF 99 TM over Sweden (EPSG:3006's area of use, rounded outwards), metres.
N_RANGE = (6_090_000.0, 7_690_000.0)
E_RANGE = (180_000.0, 1_090_000.0)
_LAN = frozenset({"01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
                  "21", "22", "23", "24", "25"})  # SCB's länskoder: a kommunkod's first two digits
_NUMBER = re.compile(r"([0-9]{1,5})\s*([A-Za-zÅÄÖåäö]{0,2})")  # ASCII digits: int() would read "٣" too
_LETTER = re.compile(r"[A-ZÅÄÖ]{1,2}")
_POSTNUMMER = re.compile(r"[1-9][0-9]{4}")
_KIND = re.compile(r"[a-zåäöéü][a-zåäöéü -]{0,31}")


def _xy_hint(header: set[str]) -> str:
    if {"x", "y"} & header:
        return (" (kolumnerna x och y tas inte emot: x är norr i svensk lantmäteritradition men öst i GIS – "
                "döp dem till n och e)")
    return ""


def _kommunkod_reason(code: str) -> str:
    if not re.fullmatch(r"\d{4}", code):
        return f"'{code}' är ingen kommunkod (fyra siffror, t.ex. 1281 för Lund)"
    if code[:2] != "12" and code[:2] in _LAN:
        return f"{code} är en kommun utanför Skåne (län {code[:2]}); registret gäller Skånes kommuner (12xx)"
    return f"okänd kommunkod {code}"


def _upper(letter: str) -> str:
    """Upper case, unless that changes the length ("ß" is "SS": not the letter written, so the check refuses it)."""
    upper = letter.upper()
    return upper if len(upper) == len(letter) else letter


def _metres(cell: str, decimal_comma: bool) -> float | None:
    """Metres as written: a decimal point, or a decimal comma in a `;` file; spaces between thousands. ASCII digits
    only (float() also reads "６１４３２００" and "6_143_200", which no register writes)."""
    if "_" in cell or not cell.replace("\u00a0", "").isascii():
        return None
    try:
        value = float(cell.replace(",", ".") if decimal_comma else cell)  # the common case, one call
    except ValueError:
        try:
            value = float(cell.replace(" ", "").replace("\u00a0", "").replace(",", "." if decimal_comma else ","))
        except ValueError:
            return None
    return value if math.isfinite(value) else None


class _Common:
    """Checks both files share: the kommun and the point."""

    def __init__(self, table: Table, problems: Problems):
        self.table, self.problems = table, problems
        geography = default_geography()
        self.kommun_of = {k.code: k.name for k in geography.kommuner}
        self.i_code, self.i_name = table.index["kommunkod"], table.index.get("kommunnamn")
        self.i_n, self.i_e = table.index["n"], table.index["e"]

    def bad(self, line: int, column: str, why: str) -> None:
        self.problems.add(line, f"rad {line}, kolumn '{self.table.name.get(column, column)}': {why}")

    def kommun(self, line: int, cells: list[str]) -> tuple[str, str] | None:
        code = cells[self.i_code].strip()
        kommun = self.kommun_of.get(code)
        if kommun is None:
            self.bad(line, "kommunkod", _kommunkod_reason(code))
            return None
        if self.i_name is not None:
            written = cells[self.i_name].strip()
            if written and written != kommun and written.casefold().removesuffix(" kommun") != kommun.casefold():
                self.bad(line, "kommunnamn", f"'{written}' stämmer inte med kommunkod {code} ({kommun})")
                return None
        return code, kommun

    def point(self, line: int, cells: list[str]) -> tuple[float, float] | None:
        index, comma = self.table.index, self.table.decimal_comma
        north, east = _metres(cells[self.i_n], comma), _metres(cells[self.i_e], comma)
        if north is not None and east is not None and N_RANGE[0] <= north <= N_RANGE[1] \
                and E_RANGE[0] <= east <= E_RANGE[1]:
            return east, north  # the common case first
        ok = True
        for column, value in (("n", north), ("e", east)):
            if value is None:
                self.bad(line, column, f"'{cells[index[column]].strip()}' är inget tal (meter i SWEREF 99 TM)")
                ok = False
        if north is None or east is None or not ok:
            return None
        in_n = N_RANGE[0] <= north <= N_RANGE[1]
        in_e = E_RANGE[0] <= east <= E_RANGE[1]
        if in_n and in_e:
            return east, north
        if N_RANGE[0] <= east <= N_RANGE[1] and E_RANGE[0] <= north <= E_RANGE[1]:
            self.bad(line, "n", f"N {north:.0f} och E {east:.0f} verkar omkastade (i SWEREF 99 TM är N "
                                "6 090 000–7 690 000 och E 180 000–1 090 000 meter)")
        elif in_n and 1_200_000 <= east <= 1_900_000:
            self.bad(line, "e", f"E {east:.0f} ser ut som RT 90 (Y 1 200 000–1 900 000); registret ska vara "
                                "i SWEREF 99 TM (EPSG:3006)")
        elif not in_n:
            self.bad(line, "n", f"{north:g} ligger utanför SWEREF 99 TM:s område i Sverige (N 6 090 000–7 690 000 "
                                "meter) – grader eller ett annat system?")
        else:
            self.bad(line, "e", f"{east:g} ligger utanför SWEREF 99 TM:s område i Sverige (E 180 000–1 090 000 "
                                "meter) – grader eller ett annat system?")
        return None

    def to_wgs84(self, lines: list[int], east: list[float], north: list[float]) -> tuple[list[float], list[float]]:
        """(lat, lon) of every point, converted in batches; a point outside Skåne is a problem of its line."""
        lat_all: list[float] = []
        lon_all: list[float] = []
        for start in range(0, len(east), CONVERT_BATCH):
            lat, lon = sweref_to_wgs84_many(np.asarray(east[start:start + CONVERT_BATCH], dtype=float),
                                            np.asarray(north[start:start + CONVERT_BATCH], dtype=float))
            lat_all += lat.tolist()
            lon_all += lon.tolist()
        for line, e, n, la, lo in zip(lines, east, north, lat_all, lon_all, strict=True):
            if not in_skane(la, lo):
                self.problems.add(line, f"rad {line}, kolumnerna '{self.table.name['n']}' och "
                                        f"'{self.table.name['e']}': punkten N {n:.0f}, E {e:.0f} "
                                        f"({la:.5f}, {lo:.5f}) ligger utanför Skåne")
        return lat_all, lon_all


def read_address_file(path: Path) -> list[RegisterAddress]:
    """Every address of a Belägenhetsadress file (docs/address-register.md), checked and in WGS84; or
    RegisterFileError naming every bad line (nothing is returned then)."""
    return read_table(path, ADDRESS_COLUMNS, _OPTIONAL, _addresses, _xy_hint)


def read_place_file(path: Path) -> list[RegisterPlace]:
    """Every place name of a place-name file (docs/address-register.md), checked and in WGS84."""
    return read_table(path, PLACE_COLUMNS, _OPTIONAL, _places, _xy_hint)


def _addresses(table: Table, problems: Problems) -> list[RegisterAddress]:
    common = _Common(table, problems)
    i_street, i_number = table.index["adressomrade"], table.index["adressplatsnummer"]
    i_letter = table.index.get("bokstavstillagg")
    i_pnr, i_ort = table.index["postnummer"], table.index["postort"]
    good: list[tuple[int, str, int | None, str, str, str, str, str]] = []
    east: list[float] = []
    north: list[float] = []
    seen: dict[tuple[str, str, str, int | None, str], int] = {}
    for line, cells in table.rows:
        if len(cells) != table.width:
            problems.add(line, f"rad {line}: {table.width_problem(cells)}")
            continue
        before = problems.count
        kommun = common.kommun(line, cells)
        street = cells[i_street].strip()
        if not street or len(street) > 128 or CONTROL.search(street):
            common.bad(line, "adressomrade", text_problem(street, 128) or "adressområdet (gatunamnet) saknas")
        number: int | None = None
        letter = _upper(cells[i_letter].strip()) if i_letter is not None else ""
        written = cells[i_number].strip()
        if written.isascii() and written.isdigit() and len(written) <= 5 and written != "0" * len(written):
            number = int(written)  # the common case: digits only
        elif written:
            match = _NUMBER.fullmatch(written)
            if match is None or int(match.group(1)) == 0:
                common.bad(line, "adressplatsnummer", f"'{written}' är inget adressplatsnummer (1–99999, "
                                                      "eventuellt med bokstav: 12 eller 12B)")
            else:
                number = int(match.group(1))
                if match.group(2):
                    if letter:
                        common.bad(line, "adressplatsnummer", f"'{written}' har en bokstav och "
                                                              f"bokstavstillägget är också ifyllt ('{letter}')")
                    letter = _upper(match.group(2))
        if letter and not _LETTER.fullmatch(letter):
            common.bad(line, "bokstavstillagg", f"'{letter}' är inget bokstavstillägg (en eller två bokstäver A–Ö)")
        elif letter and not written:
            common.bad(line, "bokstavstillagg", f"bokstavstillägget '{letter}' saknar adressplatsnummer")
        postnummer = cells[i_pnr].strip()
        if len(postnummer) != 5:
            postnummer = postnummer.replace(" ", "")
        if not _POSTNUMMER.fullmatch(postnummer):
            common.bad(line, "postnummer", f"'{cells[i_pnr].strip()}' är inget postnummer (fem siffror, "
                                           "t.ex. 291 31)")
        postort = cells[i_ort].strip()
        if not postort or len(postort) > 64 or CONTROL.search(postort):
            common.bad(line, "postort", text_problem(postort, 64) or "postorten saknas")
        point = common.point(line, cells)
        if problems.count != before or kommun is None or point is None:
            continue
        key = (kommun[0], postort.casefold(), street.casefold(), number, letter)
        first = seen.setdefault(key, line)
        if first != line:
            label = f"{street} {number or ''}{' ' + letter if letter else ''}".strip()
            problems.add(line, f"rad {line}: adressen {label}, {postort} finns redan på rad {first}")
            continue
        good.append((line, street, number, letter, postnummer, postort, kommun[0], kommun[1]))
        east.append(point[0])
        north.append(point[1])
    lat, lon = common.to_wgs84([g[0] for g in good], east, north)
    return [RegisterAddress._make((*g[1:], e, n, la, lo)) for g, e, n, la, lo in zip(good, east, north, lat, lon,
                                                                                      strict=True)]


def _places(table: Table, problems: Problems) -> list[RegisterPlace]:
    common = _Common(table, problems)
    i_name, i_kind = table.index["namn"], table.index["typ"]
    good: list[tuple[int, str, str, str, str]] = []
    east: list[float] = []
    north: list[float] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in table.rows:
        if len(cells) != table.width:
            problems.add(line, f"rad {line}: {table.width_problem(cells)}")
            continue
        before = problems.count
        kommun = common.kommun(line, cells)
        name = cells[i_name].strip()
        if not name or len(name) > 128 or CONTROL.search(name):
            common.bad(line, "namn", text_problem(name, 128) or "namnet saknas")
        kind = cells[i_kind].strip().lower()
        if not _KIND.fullmatch(kind):
            common.bad(line, "typ", f"'{cells[i_kind].strip()}' är ingen typ (ett ord med små bokstäver, högst 32 "
                                    "tecken, t.ex. tätort, småort, sjukhus)")
        point = common.point(line, cells)
        if problems.count != before or kommun is None or point is None:
            continue
        first = seen.setdefault((kommun[0], name.casefold(), kind), line)
        if first != line:
            problems.add(line, f"rad {line}: {kind} {name} i {kommun[1]} finns redan på rad {first}")
            continue
        good.append((line, name, kind, kommun[0], kommun[1]))
        east.append(point[0])
        north.append(point[1])
    lat, lon = common.to_wgs84([g[0] for g in good], east, north)
    return [RegisterPlace(name, kind, code, kommun_name, la, lo)
            for (_, name, kind, code, kommun_name), la, lo in zip(good, lat, lon, strict=True)]


def write_address_file(path: Path, rows: Iterable[RegisterAddress]) -> int:
    """The rows in the documented format (`;`, UTF-8, the column order of ADDRESS_COLUMNS); returns the count."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(ADDRESS_COLUMNS)
        for r in rows:
            writer.writerow((r.kommunkod, r.kommun, r.street, "" if r.number is None else r.number, r.letter,
                             r.postnummer, r.postort, f"{r.north:.3f}", f"{r.east:.3f}"))
            n += 1
    return n


def write_place_file(path: Path, rows: Sequence[RegisterPlace]) -> int:
    """The place names in the documented format, their points converted back to SWEREF 99 TM."""
    east, north = wgs84_to_sweref_many(np.fromiter((r.lat for r in rows), float, len(rows)),
                                       np.fromiter((r.lon for r in rows), float, len(rows)))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(PLACE_COLUMNS)
        for r, e, n in zip(rows, east.tolist(), north.tolist(), strict=True):
            writer.writerow((r.name, r.kind, r.kommunkod, r.kommun, f"{n:.3f}", f"{e:.3f}"))
    return len(rows)
