"""Swedish personnummer, samordningsnummer and reservnummer: checked and normalised.

Normal form: YYYYMMDD-NNNN (13 characters). The check digit is Luhn over the
ten digits YYMMDDNNN C. Samordningsnummer add 60 to the day. Reservnummer
(assumption: Region Skåne's form YYYYMMDD-RNNN, a letter first in the serial
part) are accepted without a check digit. Demo data uses only the tax agency's
test series (serial numbers 9800–9899), never real persons.

Input is normalised before it is checked: any Unicode decimal digit (full-width ０-９,
Arabic-Indic ٠-٩, …) becomes its ASCII digit and any dash (en dash, minus sign, full-width
hyphen, …) becomes '-', so the same person always gets the same register row. Any other
character is refused, named. Birth dates must be plausible: not in the future and not more
than MAX_AGE_YEARS years ago.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# [0-9], never \d: \d also matches full-width and Arabic-Indic digits (which `normalise` maps first).
_PATTERN = re.compile(r"^(?P<century>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9]{4})$")
_RESERV = re.compile(r"^(?P<ymd>[0-9]{8})-?(?P<serial>[A-Z][0-9]{3})$")
_ALLOWED = frozenset("0123456789+-ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Dashes that are not in Unicode category Pd but are typed (or pasted) for one.
_DASH_LIKE = frozenset("\u2212\u02d7\u2796")  # minus sign, modifier letter minus, heavy minus sign
MAX_AGE_YEARS = 130


class InvalidPersonnummer(ValueError):
    """The message says what is wrong, in Swedish, for the nurse."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _ascii(raw: str) -> str:
    """`raw` with Unicode digits, dashes and full-width forms made ASCII, white space removed and letters
    upper-cased;
    InvalidPersonnummer naming the first character that has no place in a personnummer."""
    out = []
    for ch in raw:
        if ch.isspace():
            continue
        digit = unicodedata.decimal(ch, None)
        wide = unicodedata.normalize("NFKC", ch) if unicodedata.decomposition(ch).startswith("<wide>") else ch
        if digit is not None:
            out.append(str(digit))
        elif unicodedata.category(ch) == "Pd" or ch in _DASH_LIKE:
            out.append("-")
        elif wide.isascii() and wide.upper() in _ALLOWED:  # ASCII, or its full-width form (＋, Ｒ)
            out.append(wide.upper())
        else:
            raise InvalidPersonnummer(
                f"'{_shown(raw)}' innehåller {_describe(ch)}, som inte hör hemma i ett personnummer: "
                "skriv bara siffror, bindestreck (eller + för 100 år och äldre) och för reservnummer en bokstav.")
    return "".join(out)


def _describe(ch: str) -> str:
    if not ch.isprintable():
        return f"styrtecknet U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    return f"tecknet '{ch}' (U+{ord(ch):04X}{', ' + name if name else ''})"


def _shown(raw: str) -> str:
    """`raw` for a message: stripped, control characters as \\x escapes."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in raw.strip())


def normalise(raw: str, today: date | None = None) -> str:
    """Return YYYYMMDD-NNNN (or YYYYMMDD-RNNN) or raise InvalidPersonnummer naming the problem."""
    text = _ascii(raw)
    if not text:
        raise InvalidPersonnummer("Personnummer saknas.")
    today = today or date.today()
    if m := _RESERV.match(text):
        _plausible(_birth_date(m["ymd"], raw), raw, today)
        return f"{m['ymd']}-{m['serial']}"
    m = _PATTERN.match(text)
    if not m:
        raise InvalidPersonnummer(
            f"'{_shown(raw)}' har fel format: skriv ÅÅÅÅMMDD-NNNN, ÅÅMMDD-NNNN eller ett reservnummer ÅÅÅÅMMDD-RNNN.")
    yymmdd, serial = m["yymmdd"], m["serial"]
    if m["century"]:
        full = m["century"] + yymmdd
    else:
        # Ten digits: the most recent century that is not in the future; '+' means 100 or older.
        year = int(yymmdd[:2])
        base = today.year - (100 if m["sep"] == "+" else 0)
        candidate = (base // 100) * 100 + year
        if candidate > base:
            candidate -= 100
        full = f"{candidate:04d}{yymmdd[2:]}"
    _plausible(_birth_date(full, raw), raw, today)
    if not luhn_ok(yymmdd + serial):
        raise InvalidPersonnummer(f"'{_shown(raw)}': kontrollsiffran stämmer inte.")
    return f"{full}-{serial}"


def earliest_birth_date(today: date) -> date:
    """The earliest birth date accepted on `today`: MAX_AGE_YEARS years before it."""
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


def _plausible(born: date, raw: str, today: date) -> None:
    if born > today:
        raise InvalidPersonnummer(f"'{_shown(raw)}': födelsedatumet {born.isoformat()} ligger i framtiden.")
    earliest = earliest_birth_date(today)
    if born < earliest:
        raise InvalidPersonnummer(
            f"'{_shown(raw)}': födelsedatumet {born.isoformat()} är inte rimligt (mer än {MAX_AGE_YEARS} år sedan; "
            f"tidigast {earliest.isoformat()}).")


def _birth_date(yyyymmdd: str, raw: str) -> date:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    if day > 60:  # samordningsnummer
        day -= 60
    try:
        born = date(year, month, day)
    except ValueError as exc:
        raise InvalidPersonnummer(
            f"'{_shown(raw)}': datumet {yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]} finns inte.") from exc
    return born


def age_on(personnummer: str, on: date) -> int:
    """Age in whole years of a normalised personnummer on a date."""
    born = _birth_date(personnummer[:8], personnummer)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def with_check_digit(yymmdd_nnn: str) -> str:
    """The check digit that completes nine digits YYMMDDNNN (for generating test data)."""
    if len(yymmdd_nnn) != 9 or not yymmdd_nnn.isdigit():
        raise ValueError(f"with_check_digit needs exactly nine digits YYMMDDNNN, got {yymmdd_nnn!r}")
    for c in "0123456789":
        if luhn_ok(yymmdd_nnn + c):
            return c
    raise AssertionError("unreachable")
