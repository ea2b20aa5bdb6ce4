"""Coordinates as people in Sweden type them, read into WGS84 — or a Swedish message saying what is wrong.

`parse_coordinates(text)` accepts:

* WGS84 decimal degrees: "55.6050, 13.0038", "55,6050 13,0038", "55,6050; 13,0038", "55.6050,13.0038",
  "55,60500° N, 13,00380° E" (what `format_position` writes), "-33.86 151.2";
* degrees and decimal minutes: "N 55° 36.300' E 13° 0.228'", "55°36,3'N 13°0,228'E", "N55 36.300 E13 00.228";
* degrees, minutes and seconds: "55°36'18\"N 13°0'13.7\"E", "55 36 18 13 0 13,7";
* SWEREF 99 TM metres (the grid of Lantmäteriet's maps and address data): "N 6163000 E 374000",
  "6163000, 374000", "6163000 374000" (north first, as Lantmäteriet writes it), "E 374000 N 6163000"; without
  letters the two are told apart by magnitude (north 6 000 000–7 800 000, east 100 000–1 000 000), so
  "374000 6163000" works too.

Rules: a decimal comma or point; the two coordinates separated by whitespace, a semicolon, or a comma that is not
a decimal comma ("55.6050,13.0038"); hemisphere letters N/S and E/Ö/W/V either all before or all after their
numbers, for both coordinates or for neither — with letters the order is free ("E 13.0038 N 55.6050"), without
them latitude comes first. ′ ″ º and typographic quotes count as ' " °. Rejected, each with its reason: one number
only, too many, minutes or seconds of 60 or more, decimal degrees followed by minutes, a latitude beyond ±90 or a
longitude beyond ±180, a sign together with a hemisphere letter, metres that fit no Swedish grid (RT90's
easting of 1 200 000–1 900 000 is named), and — for a Skåne centre — a pair without letters that lies outside
Skåne as typed but inside it swapped (longitude typed first): that is asked back, never swapped silently.

`format_position(lat, lon)` writes "55,60500° N, 13,00380° E": Swedish decimal comma, five decimals (about a
metre), hemisphere letters instead of a sign. The console shows it, and parse_coordinates reads it back
unchanged. `format_sweref(lat, lon)` writes "N 6163927, E 374244" (whole metres, no digit grouping, so it too is
read back), what a rescue service's map or Lantmäteriet's tools expect.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from resources.geography import in_skane
from resources.location.sweref import sweref_to_wgs84, wgs84_to_sweref
from resources.numbers import sv_number

WGS84_DECIMAL = "WGS84 decimalgrader"
WGS84_DM = "WGS84 grader och minuter"
WGS84_DMS = "WGS84 grader, minuter och sekunder"
SWEREF_99_TM = "SWEREF 99 TM"
_WGS84_FORMATS = {1: WGS84_DECIMAL, 2: WGS84_DM, 3: WGS84_DMS}

# SWEREF 99 TM over Sweden (with a margin): north 6 130 000 (Smygehuk) … 7 680 000, east 260 000 … 920 000.
NORTH_RANGE = (6_000_000.0, 7_800_000.0)
EAST_RANGE = (100_000.0, 1_000_000.0)
RT90_EAST_RANGE = (1_200_000.0, 1_900_000.0)  # RT90 2.5 gon V's Y: the older grid, not read here
METRES_FROM = 1000.0  # a number this large is metres of a grid, never degrees (smaller ones beyond ±180 are wrong degrees)

EXAMPLES = "t.ex. 55,6050 13,0038, N 55° 36,300' E 13° 0,228' eller N 6163000 E 374000"

_NORMALISE = str.maketrans({
    "º": "°", "˚": "°", "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "”": '"', "“": '"',
    "−": "-", "–": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
_TOKEN = re.compile(r"""\s*(?:
      (?P<num>\d+(?:[.,]\d+)?)
    | (?P<mark>[°'"])
    | (?P<hemi>[NSEWÖVnsewöv])(?![A-Za-zÅÄÖåäö])
    | (?P<sep>[,;])
    | (?P<sign>[-+])
    )""", re.VERBOSE)
_LAT_LETTERS = {"N": 1, "S": -1}
_LON_LETTERS = {"E": 1, "Ö": 1, "W": -1, "V": -1}
_MARK_ORDER = ("°", "'", '"')
_MARK_NAMES = {"°": "grader (°)", "'": "minuter (')", '"': "sekunder (\")"}


class CoordinateError(ValueError):
    """Typed coordinates that cannot be read; the message (Swedish) says what was wrong and how to write it."""


class ParsedCoordinates(NamedTuple):
    """A typed position in WGS84 degrees, and the format it was recognised as (one of WGS84_DECIMAL, WGS84_DM,
    WGS84_DMS, SWEREF_99_TM: Swedish, for the nurse to read back: "SWEREF 99 TM")."""

    lat: float
    lon: float
    format: str


@dataclass(frozen=True)
class _Token:
    kind: str  # num, mark, hemi, sep, sign
    text: str  # as typed (a number keeps its decimal comma)


def parse_coordinates(text: str) -> ParsedCoordinates:
    """`text` as WGS84 (lat, lon) with the format it was written in; raises CoordinateError (Swedish)."""
    tokens = _tokens(text)
    if not any(t.kind == "num" for t in tokens):
        raise CoordinateError(f"Inga koordinater angivna: skriv latitud och longitud, {EXAMPLES}.")
    first, second, letters = _groups(tokens)
    a, b = _Group.read(first), _Group.read(second)
    if a.count != b.count:
        raise CoordinateError(f"Båda koordinaterna ska skrivas på samma sätt: {a.shown} och {b.shown} har olika "
                              "många tal (grader, minuter, sekunder).")
    metres = [abs(g.value) >= METRES_FROM for g in (a, b)]
    if any(metres):
        if not all(metres):
            small = a if not metres[0] else b
            big = a if metres[0] else b
            raise CoordinateError(f"{big.shown} är för stort för grader och {small.shown} för litet för SWEREF 99 "
                                  f"TM-meter: skriv båda i samma system, {EXAMPLES}.")
        return _sweref(a, b, letters)
    return _wgs84(a, b, letters)


def format_position(lat: float, lon: float) -> str:
    """"55,60500° N, 13,00380° E": decimal comma, five decimals, N/S and E/W for the sign (parse_coordinates reads
    it back)."""
    return (f"{sv_number(abs(lat), 5)}° {'N' if lat >= 0 else 'S'}, "
            f"{sv_number(abs(lon), 5)}° {'E' if lon >= 0 else 'W'}")


def format_sweref(lat: float, lon: float) -> str:
    """"N 6163927, E 374244": SWEREF 99 TM in whole metres, north first (parse_coordinates reads it back)."""
    east, north = wgs84_to_sweref(lat, lon)
    return f"N {round(north)}, E {round(east)}"


# --- reading ---------------------------------------------------------------------------------------------------
def _tokens(text: str) -> list[_Token]:
    normal = unicodedata.normalize("NFKC", text.translate(_NORMALISE)).replace("''", '"').strip()
    tokens: list[_Token] = []
    pos = 0
    while pos < len(normal):
        match = _TOKEN.match(normal, pos)
        if match is None or match.end() == pos:
            rest = normal[pos:].lstrip()
            word = re.match(r"[^\W\d_]+", rest)
            bad = f"ord {word.group()!r}" if word and len(word.group()) > 1 else f"tecken {rest[:1]!r}"
            raise CoordinateError(f"Okänt {bad} i koordinaterna: skriv bara tal, ° ' \" , ; och väderstrecken "
                                  f"N, S, E (Ö), W (V), {EXAMPLES}.")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind).upper() if kind == "hemi" else match.group(kind)))
        pos = match.end()
    return tokens


def _groups(tokens: list[_Token]) -> tuple[list[_Token], list[_Token], tuple[str, str] | None]:
    """The tokens of each coordinate, and their hemisphere letters when they have them."""
    hemis = [i for i, t in enumerate(tokens) if t.kind == "hemi"]
    if hemis:
        if len(hemis) != 2:
            raise CoordinateError("Ange väderstreck för båda koordinaterna (t.ex. N 55,6050 E 13,0038) eller för "
                                  "ingen av dem.")
        h0, h1 = hemis
        letters = (tokens[h0].text, tokens[h1].text)
        if h0 == 0 and h1 != len(tokens) - 1:  # N 55 36.3 E 13 0.2
            groups = tokens[h0 + 1:h1], tokens[h1 + 1:]
        elif h1 == len(tokens) - 1 and h0 != 0:  # 55°36,3'N 13°0,228'E
            groups = tokens[:h0], tokens[h0 + 1:h1]
        else:
            raise CoordinateError("Skriv väderstrecket antingen före varje koordinat (N 55,6050 E 13,0038) eller "
                                  "efter (55,6050 N 13,0038 E).")
        return _no_seps(groups[0]), _no_seps(groups[1]), letters
    degrees = [i for i, t in enumerate(tokens) if t.text == "°"]
    if degrees:
        if len(degrees) != 2:
            raise CoordinateError(f"Gradtecknet ° finns {len(degrees)} gång{'er' if len(degrees) != 1 else ''}: "
                                  "skriv det efter gradtalet i båda koordinaterna, t.ex. 55° 36,3' 13° 0,228'.")
        start = degrees[1] - 1  # the second coordinate starts at the number of its degrees (and its sign)
        if start >= 1 and tokens[start - 1].kind == "sign":
            start -= 1
        return _no_seps(tokens[:start]), _no_seps(tokens[start:]), None
    if any(t.kind == "sep" for t in tokens):
        parts: list[list[_Token]] = [[]]
        for t in tokens:
            if t.kind == "sep":
                parts.append([])
            else:
                parts[-1].append(t)
        parts = [p for p in parts if p]
        if len(parts) == 2:
            return parts[0], parts[1], None
        if len(parts) > 2:
            raise CoordinateError(f"För många delar ({len(parts)}) åtskilda av komma eller semikolon: ange två "
                                  f"koordinater, {EXAMPLES}.")
        tokens = parts[0] if parts else []
    numbers = [t for t in tokens if t.kind == "num"]
    if len(numbers) == 1:
        raise CoordinateError(f"Bara ett tal hittades ({numbers[0].text}): ange två koordinater åtskilda av "
                              f"mellanslag eller semikolon, {EXAMPLES}.")
    if len(numbers) not in (2, 4, 6):
        raise CoordinateError(f"{len(numbers)} tal går inte att dela i två koordinater: skriv två tal (grader), "
                              f"fyra (grader och minuter) eller sex (grader, minuter, sekunder), {EXAMPLES}.")
    half = _half(tokens)
    return tokens[:half], tokens[half:], None


def _half(tokens: list[_Token]) -> int:
    """Where the second half of the numbers begins (its sign included)."""
    numbers = [i for i, t in enumerate(tokens) if t.kind == "num"]
    start = numbers[len(numbers) // 2]
    return start - 1 if start >= 1 and tokens[start - 1].kind == "sign" else start


def _no_seps(tokens: list[_Token]) -> list[_Token]:
    return [t for t in tokens if t.kind != "sep"]


@dataclass(frozen=True)
class _Group:
    """One coordinate as typed: its value in degrees (or metres), how many numbers, its text for messages."""

    value: float
    count: int
    shown: str
    signed: bool

    @classmethod
    def read(cls, tokens: list[_Token]) -> _Group:
        shown = " ".join(t.text for t in tokens).replace(" °", "°").replace(" '", "'").replace(' "', '"')
        if not tokens:
            raise CoordinateError(f"En av koordinaterna saknar tal: {EXAMPLES}.")
        sign, rest = 1.0, tokens
        if rest[0].kind == "sign":
            sign, rest = (-1.0 if rest[0].text == "-" else 1.0), rest[1:]
        numbers: list[str] = []
        for i, t in enumerate(rest):
            if t.kind == "num":
                numbers.append(t.text)
            elif t.kind == "mark":
                if i == 0 or rest[i - 1].kind != "num":
                    raise CoordinateError(f"Tecknet {t.text} i {shown!r} står inte efter ett tal.")
                expected = _MARK_ORDER[len(numbers) - 1] if len(numbers) <= 3 else None
                if t.text != expected:
                    where = ("gradtalet", "minuterna", "sekunderna")[len(numbers) - 1] if len(numbers) <= 3 else ""
                    raise CoordinateError(f"I {shown!r} står {_MARK_NAMES[t.text]} efter {where}: ordningen är "
                                          "grader °, minuter ', sekunder \".")
            else:  # a sign in the middle
                raise CoordinateError(f"Tecknet {t.text} i {shown!r} står fel: ett minustecken hör bara framför "
                                      "gradtalet.")
        if not numbers:
            raise CoordinateError(f"En av koordinaterna saknar tal: {EXAMPLES}.")
        if len(numbers) > 3:
            raise CoordinateError(f"{shown!r} har {len(numbers)} tal: en koordinat är grader, grader och minuter, "
                                  "eller grader, minuter och sekunder.")
        values = [float(n.replace(",", ".")) for n in numbers]
        for i, n in enumerate(numbers[:-1]):
            if "," in n or "." in n:
                part = "Grader" if i == 0 else "Minuter"
                raise CoordinateError(f"{part} med decimaler ({n}) kan inte följas av fler tal i {shown!r}: skriv "
                                      "t.ex. 55° 36,3' eller 55° 36' 18\".")
        for n, v, name in zip(numbers[1:], values[1:], ("Minuterna", "Sekunderna"), strict=False):
            if v >= 60:
                raise CoordinateError(f"{name} ({n}) i {shown!r} ska vara mindre än 60.")
        value = values[0] + sum(v / 60 ** i for i, v in enumerate(values[1:], start=1))
        return cls(sign * value, len(numbers), shown, signed=rest is not tokens)


def _wgs84(a: _Group, b: _Group, letters: tuple[str, str] | None) -> ParsedCoordinates:
    if letters is None:
        lat, lon = a, b
        lat_v, lon_v = a.value, b.value
    else:
        if a.signed or b.signed:
            raise CoordinateError("Använd antingen väderstreck (N 55,6050 E 13,0038) eller minustecken, inte båda.")
        lat_first = _kind(letters[0]) == "lat"
        if _kind(letters[0]) == _kind(letters[1]):
            what = "latituder (N/S)" if lat_first else "longituder (E/W)"
            raise CoordinateError(f"Båda koordinaterna är {what}: ange en med N eller S och en med E eller W.")
        lat, lon = (a, b) if lat_first else (b, a)
        lat_letter, lon_letter = letters if lat_first else letters[::-1]
        lat_v, lon_v = lat.value * _LAT_LETTERS[lat_letter], lon.value * _LON_LETTERS[lon_letter]
    if abs(lat_v) > 90:
        hint = (" (står longituden först? skriv latitud först eller ange N och E)"
                if letters is None and abs(lon_v) <= 90 else "")
        raise CoordinateError(f"Latituden {lat.shown} ligger utanför −90 … 90 grader{hint}.")
    if abs(lon_v) > 180:
        raise CoordinateError(f"Longituden {lon.shown} ligger utanför −180 … 180 grader.")
    if letters is None and not in_skane(lat_v, lon_v) and in_skane(lon_v, lat_v):
        raise CoordinateError(f"{a.shown} {b.shown} ligger inte i Skåne, men omvänt gör det: står longituden "
                              f"först? Skriv latitud först ({b.shown} {a.shown}) eller ange väderstreck "
                              f"(N {b.shown} E {a.shown}).")
    return ParsedCoordinates(lat_v, lon_v, _WGS84_FORMATS[a.count])


def _kind(letter: str) -> str:
    return "lat" if letter in _LAT_LETTERS else "lon"


def _sweref(a: _Group, b: _Group, letters: tuple[str, str] | None) -> ParsedCoordinates:
    if a.count != 1:
        raise CoordinateError(f"{a.shown} och {b.shown} är för stora för grader och minuter; SWEREF 99 TM skrivs "
                              "som två tal i meter, t.ex. N 6163000 E 374000.")
    if a.signed or b.signed:
        raise CoordinateError("SWEREF 99 TM-koordinater i Sverige har inget tecken: skriv t.ex. N 6163000 E 374000.")
    if letters is not None:
        if set(letters) != {"N", "E"}:
            raise CoordinateError("SWEREF 99 TM skrivs med N (norr) och E (öster), t.ex. N 6163000 E 374000.")
        north, east = (a, b) if letters[0] == "N" else (b, a)
        if not _within(north.value, NORTH_RANGE):
            raise CoordinateError(f"Norrkoordinaten N {north.shown} ligger utanför Sverige i SWEREF 99 TM "
                                  f"(N {_metres(NORTH_RANGE[0])} – {_metres(NORTH_RANGE[1])}).")
        if not _within(east.value, EAST_RANGE):
            raise CoordinateError(_rt90(east) if _within(east.value, RT90_EAST_RANGE) else
                                  f"Östkoordinaten E {east.shown} ligger utanför Sverige i SWEREF 99 TM "
                                  f"(E {_metres(EAST_RANGE[0])} – {_metres(EAST_RANGE[1])}).")
    elif _within(a.value, NORTH_RANGE) and _within(b.value, EAST_RANGE):
        north, east = a, b
    elif _within(b.value, NORTH_RANGE) and _within(a.value, EAST_RANGE):
        north, east = b, a
    elif (_within(a.value, NORTH_RANGE) or _within(b.value, NORTH_RANGE)) and (
            _within(a.value, RT90_EAST_RANGE) or _within(b.value, RT90_EAST_RANGE)):
        raise CoordinateError(_rt90(a if _within(a.value, RT90_EAST_RANGE) else b))
    else:
        raise CoordinateError(f"{a.shown} och {b.shown} liknar inte SWEREF 99 TM (norr {_metres(NORTH_RANGE[0])} – "
                              f"{_metres(NORTH_RANGE[1])}, öster {_metres(EAST_RANGE[0])} – "
                              f"{_metres(EAST_RANGE[1])} meter) eller grader: {EXAMPLES}.")
    lat, lon = sweref_to_wgs84(east.value, north.value)
    return ParsedCoordinates(lat, lon, SWEREF_99_TM)


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _metres(value: float) -> str:
    return sv_number(value, 0)


def _rt90(east: _Group) -> str:
    return (f"{east.shown} ser ut som en RT90-koordinat (det äldre rikssystemet), som inte kan läsas här: ange "
            "SWEREF 99 TM (N 6163000 E 374000) eller WGS84 (55,6050 13,0038).")
